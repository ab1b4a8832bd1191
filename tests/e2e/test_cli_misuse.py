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


def test_a_file_where_a_folder_should_be_is_named(db: Path, tmp_path: Path, capsys) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    _fails_cleanly(capsys, ["backup", "--db", str(db), "--user", "boss", "--out",
                            str(notes / "x.db")], "notes.txt is a file, not a folder")
    assert notes.read_text() == "mine"


def test_demo_into_an_existing_database_says_so(db: Path, capsys) -> None:
    _fails_cleanly(capsys, ["demo", "--db", str(db), "--assessments", "5"],
                   "already holds a database")


@pytest.mark.parametrize("months", ["24400", "99999999999"])
def test_retention_period_beyond_reason_is_refused(db: Path, capsys, months: str) -> None:
    _fails_cleanly(capsys, ["retention", "--db", str(db), "--user", "boss", "--dry-run",
                            "--months", months], "at most 1200 months")


@pytest.mark.parametrize(("username", "needle"), [
    ("aoife.n\u043ewak", "plain letters a-z"),  # a Cyrillic o: looks like aoife.nowak
    ("q" * 64, "at most 63 characters"),
    ("trailing.", "plain letters a-z"),
    ("two words", "plain letters a-z"),
])
def test_usernames_that_could_mislead_or_not_log_in_are_refused(
        db: Path, capsys, username: str, needle: str) -> None:
    _fails_cleanly(capsys, ["users", "add", username, "--db", str(db), "--user", "boss",
                            "--name", "Aoife Nowak", "--role", "fca"], needle)


def test_admin_refusal_reads_as_english(db: Path, capsys) -> None:
    _fails_cleanly(capsys, ["export", "csv", "--db", str(db), "--user", "boss", "--out",
                            str(db.parent / "out")], "An administrator cannot")


def test_wrong_key_prints_no_driver_noise(db: Path, tmp_path: Path, capfd) -> None:
    """SQLCipher's own log lines ("ERROR CORE sqlcipher_page_cipher...") must not reach the
    terminal beside the app's one-line message."""
    other = tmp_path / "other.db"
    Store.open(other).close()
    keys = db.with_name(db.name + ".keys")
    keys.write_bytes(other.with_name(other.name + ".keys").read_bytes())  # a copied key file
    assert main(["users", "list", "--db", str(db), "--user", "boss"]) == 1
    err = capfd.readouterr().err
    assert "ERROR CORE" not in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
