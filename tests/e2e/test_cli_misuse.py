"""Misuses of the command line as an outside tester tried them: one clear line on stderr
and a non-zero exit, never a traceback, and nothing created by mistake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa_audit.cli import main
from qa_audit.domain.permissions import Role
from qa_audit.services import accounts
from qa_audit.services.database import Store

PASSWORD = "correct horse battery"
ROOT = Path(__file__).parent.parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini.yaml"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "qa.db"
    store = Store.open(path)
    accounts.add_user(store, accounts.system_actor(), "boss", "Boss", Role.ADMIN, PASSWORD)
    store.close()
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    return path


def _fails_cleanly(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and needle in err, err
    assert len(err.strip().splitlines()) == 1, err


def test_db_naming_a_folder(tmp_path: Path, capsys) -> None:
    _fails_cleanly(capsys, ["--db", str(tmp_path), "users", "list", "--user", "boss"],
                   "is a folder")


def test_mistyped_db_is_not_created(tmp_path: Path, capsys) -> None:
    typo = tmp_path / "qa-typo.db"
    _fails_cleanly(capsys, ["--db", str(typo), "users", "list", "--user", "boss"],
                   "does not exist")
    assert not typo.exists() and list(tmp_path.iterdir()) == []


def test_out_naming_a_folder_or_an_existing_file(db: Path, tmp_path: Path, capsys) -> None:
    base = ["--db", str(db), "--user", "boss"]
    _fails_cleanly(capsys, ["backup", *base, "--out", str(tmp_path)], "is a folder")
    existing = tmp_path / "taken.xlsx"
    existing.write_bytes(b"keep me")
    _fails_cleanly(capsys, ["export", "xlsx", *base, "--out", str(existing)], "exists")
    assert existing.read_bytes() == b"keep me"
    _fails_cleanly(capsys, ["export", "xlsx", *base, "--out", str(tmp_path / "no" / "d.xlsx")],
                   "does not exist")
    _fails_cleanly(capsys, ["export", "csv", *base, "--out", str(existing)], "is a file")


def test_restore_given_a_folder_or_the_live_file(db: Path, tmp_path: Path, capsys) -> None:
    base = ["--db", str(db), "--user", "boss"]
    _fails_cleanly(capsys, ["restore", *base, str(tmp_path)], "is a folder")
    _fails_cleanly(capsys, ["restore", *base, str(db)], "live database itself")


def test_unreadable_password_file_is_one_line(db: Path, tmp_path: Path, capsys) -> None:
    _fails_cleanly(capsys, ["users", "list", "--db", str(db), "--user", "boss",
                            "--password-file", str(tmp_path / "missing.txt")],
                   "does not exist")


def test_disable_prints_that_the_database_was_rekeyed(db: Path, capsys) -> None:
    new = db.parent / "new.txt"
    new.write_text("another good passphrase")
    assert main(["users", "add", "leaver", "--name", "Leaver", "--role", "fca", "--db",
                 str(db), "--user", "boss", "--new-password-file", str(new)]) == 0
    assert main(["users", "disable", "leaver", "--db", str(db), "--user", "boss"]) == 0
    assert "re-keyed" in capsys.readouterr().out


def test_audit_log_verify_names_the_anchor_that_disagrees(db: Path, tmp_path, capsys) -> None:
    from sqlalchemy import text

    base = ["--db", str(db), "--user", "boss"]
    store = Store.open(db)
    boss = accounts.sign_in(store, "boss", PASSWORD)
    team = accounts.add_org_unit(store, boss, "Leeds 1", "team")
    accounts.add_user(store, boss, "lead", "Lead", Role.QUALITY_LEAD, PASSWORD, team.id)
    store.close()
    assert main(["export", "csv", "--db", str(db), "--user", "lead",
                 "--out", str(tmp_path / "csv")]) == 0
    about = tmp_path / "csv" / "about.txt"
    assert main(["audit-log", "verify", *base, "--anchor", str(about)]) == 0
    store = Store.open(db)
    accounts.sign_in(store, "boss", PASSWORD)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq > 1"))
    store.close()
    capsys.readouterr()
    assert main(["audit-log", "verify", *base, "--anchor", str(about)]) == 1
    err = capsys.readouterr().err
    assert "about.txt names event" in err and "head file" in err


# -- framework files ------------------------------------------------------------------------
def _validate(*files: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from qa_audit.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, "validate", *files], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          check=False)


def test_devices_and_pipes_are_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    done = _validate("/dev/zero", str(fifo))  # would exhaust memory / hang if read
    assert done.returncode == 1
    assert done.stderr.count("not a regular file") == 2


def test_oversized_framework_is_refused_with_the_limit(tmp_path: Path, capsys) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(MINI.read_bytes() + b"#" + b"x" * (6 * 1024 * 1024) + b"\n")
    assert main(["validate", str(big)]) == 1
    assert "limited to 5 MB" in capsys.readouterr().err


def test_too_many_standards_is_refused_with_the_limit(tmp_path: Path, capsys) -> None:
    text = MINI.read_text()
    head, _, _ = text.partition("areas:")
    standards = "".join(f"      - id: s{i}\n        title: Standard {i}\n"
                        for i in range(3001))
    many = tmp_path / "many.yaml"
    many.write_text(head + "areas:\n  - id: a\n    title: A\n    standards:\n" + standards)
    assert main(["validate", str(many)]) == 1
    assert "3001 standards" in capsys.readouterr().err


def test_utf16_without_bom_is_named_not_utf8(tmp_path: Path, capsys) -> None:
    u16 = tmp_path / "u16.yaml"
    u16.write_bytes(MINI.read_text().encode("utf-16-le"))
    assert main(["validate", str(u16)]) == 1
    assert "not UTF-8" in capsys.readouterr().err
