"""`qa-audit frameworks move`: the preview printed, nothing changed without --yes."""

from __future__ import annotations

from qa_audit.cli import main
from qa_audit.services import accounts, assessments, frameworks
from qa_audit.services.database import Store
from tests.conftest import FIXTURES, PASSWORD


def test_cli_previews_then_moves_a_draft(world, monkeypatch, capsys) -> None:
    aid = world.new_audit()
    assessments.save_rating(world.store, world.supervisor, aid, "sgo", grade="RI",
                            evidence="Support plan missing")
    frameworks.import_framework_file(world.store, world.admin, FIXTURES / "mini-v2.yaml")
    path = world.store.location
    world.store.close()
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    base = ["--db", path, "frameworks", "move", str(aid), "--user", "sup"]
    assert main(base) == 0
    out, err = capsys.readouterr()
    assert "From Mini standards for tests 1 to version 2:" in out
    assert "Maps (1): seen" in out and "New, ungraded (2): care-plan-analysis, delay" in out
    assert "Would be lost (2):" in out
    assert ("sgo (Special guardianship support): not in version 2; lost with it: grade "
            "Requires improvement to be good (RI), evidence") in out
    assert "Nothing changed" in err
    assert main([*base, "--to", "7"]) == 1
    assert "No version 7" in capsys.readouterr().err
    assert main(["--db", path, "frameworks", "move", str(aid), "--user", "fca"]) == 1
    assert "No newer version of this draft's framework" in capsys.readouterr().err
    assert main([*base, "--yes"]) == 0
    assert "Moved to version 2." in capsys.readouterr().out
    store = Store.open(path)
    try:
        sup = accounts.sign_in(store, "sup", PASSWORD)
        assert assessments.get_assessment(store, sup, aid).framework_version == "2"
    finally:
        store.close()
