"""`qa-audit bundle key|trust|export|import` between two database files, through
`qa_audit.cli.main`."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_audit.cli import main
from qa_audit.services import assessments
from tests.conftest import PASSWORD

from .conftest import table_hash


def _cli(db: Path, *args: str) -> int:
    return main([*args[:2], "--db", str(db), *args[2:]])


def test_bundle_commands_round_trip(pair, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    w = pair.world
    office, home = Path(w.store.path), Path(pair.home.path)
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    capsys.readouterr()

    # The supervisor's key card, handed to the practitioner; she trusts it by fingerprint.
    card = tmp_path / "sup.card"
    assert _cli(office, "bundle", "key", "--user", "sup", "--out", str(card)) == 0
    fingerprint = capsys.readouterr().out.split("fingerprint: ")[1].splitlines()[0]
    assert _cli(home, "bundle", "trust", str(card), "--user", "fca", "--fingerprint",
                "0000 1111") == 1
    assert "not the one given" in capsys.readouterr().err
    assert _cli(home, "bundle", "trust", str(card), "--user", "fca", "--fingerprint",
                fingerprint.lower()) == 0

    out = tmp_path / "to-fca.qab"
    assert _cli(office, "bundle", "export", "--user", "sup", "--to", "fca", "--out",
                str(out)) == 0
    assert "1 assessment" in capsys.readouterr().out
    assert out.stat().st_mode & 0o777 == 0o600

    before = table_hash(pair.home)
    assert _cli(home, "bundle", "import", str(out), "--user", "fca") == 0
    printed = capsys.readouterr().out
    assert "assessment: 1 new" in printed and "nothing imported" in printed
    assert table_hash(pair.home) == before  # a preview writes nothing

    assert _cli(home, "bundle", "import", str(out), "--user", "fca", "--yes") == 0
    assert "imported" in capsys.readouterr().out
    assert assessments.get_assessment(pair.home, pair.fca, aid).status == "submitted"

    # Twice: refused, and said so.
    assert _cli(home, "bundle", "import", str(out), "--user", "fca", "--yes") == 1
    assert "imported already" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["folder", "missing", "nobody"])
def test_bundle_export_bad_input_is_a_clear_error(pair, tmp_path, capsys, monkeypatch,
                                                  bad) -> None:
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    office = Path(pair.office.path)
    aid = pair.world.new_audit()
    pair.world.complete(aid)
    assessments.submit(pair.office, pair.sup, aid)
    target = {"folder": tmp_path, "missing": tmp_path / "no" / "such.qab",
              "nobody": tmp_path / "x.qab"}[bad]
    to = "nobody-here" if bad == "nobody" else "fca"
    assert _cli(office, "bundle", "export", "--user", "sup", "--to", to, "--out",
                str(target)) == 1
    err = capsys.readouterr().err
    assert err.startswith("qa-audit: ") and "Traceback" not in err
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_keys_follow_a_password_change_and_a_reset_needs_a_new_card(pair, tmp_path) -> None:
    from qa_audit.errors import BundleRejected
    from qa_audit.services import accounts, bundles

    home, fca = pair.home, pair.fca
    before = bundles.my_key_card(home, fca, PASSWORD)
    accounts.change_password(home, fca, PASSWORD, "a brand new passphrase")
    assert bundles.my_key_card(home, fca, "a brand new passphrase") == before  # same keys

    admin = accounts.sign_in(home, "admin", PASSWORD)
    accounts.reset_password(home, admin, "fca", "reset by the administrator")
    after = bundles.my_key_card(home, fca, "reset by the administrator")
    assert after.fingerprint != before.fingerprint  # new keys: the old password sealed them
    with pytest.raises(BundleRejected, match="--replace"):
        bundles.trust_key_card(pair.office, pair.sup, after)
    bundles.trust_key_card(pair.office, pair.sup, after, replace=True)
    aid = pair.world.new_audit()
    pair.world.complete(aid)
    assessments.submit(pair.office, pair.sup, aid)
    out = tmp_path / "new-keys.qab"
    bundles.export_bundle(pair.office, pair.sup, PASSWORD, "fca", out)
    bundles.import_bundle(home, fca, "reset by the administrator", out, trust_sender=True)
    assert assessments.get_assessment(home, fca, aid).status == "submitted"
