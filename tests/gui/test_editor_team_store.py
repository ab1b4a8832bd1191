"""The editor on a team store whose server does not answer in time: the typed text stays,
the status says why it was not saved, and the next save goes through."""

from __future__ import annotations

import pytest

from qa_audit.services import assessments
from qa_audit.services.database import Store
from qa_audit.store.engine import database_url
from qa_audit.store.postgres import make_pg_engine, with_login
from qa_audit.ui.editor import AssessmentEditor

PASSWORD = "correct horse battery"


@pytest.mark.postgresql_only
def test_typed_text_kept_when_the_server_times_out_then_saved(qtbot, world, pg_cluster,
                                                              pg_database) -> None:
    aid = world.new_audit()
    url = with_login(database_url(pg_cluster.url(pg_database, user=None)), "sup", PASSWORD)
    store = Store(make_pg_engine(url, statement_timeout_ms=300),
                  url=url.render_as_string(hide_password=False))
    editor = AssessmentEditor(store, world.supervisor, aid)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    states: list[str] = []
    editor.saveStateChanged.connect(states.append)
    blocker = pg_cluster.connect(pg_database)  # someone's psql holds the ratings' rows
    blocker.execute("SELECT 1 FROM rating WHERE assessment_id = %s FOR UPDATE", (aid,))
    editor.panel.evidence.setFocus()
    qtbot.keyClicks(editor.panel.evidence, "Seen alone at school")
    assert not editor.flush(show_errors=False)
    assert "took too long" in states[-1] and states[-1].startswith("Could not save")
    assert editor.panel.evidence.toPlainText() == "Seen alone at school"
    assert editor.state.dirty
    blocker.rollback()
    blocker.close()
    assert editor.flush(show_errors=False)
    assert states[-1].startswith("Saved")
    saved = assessments.get_assessment(world.store, world.supervisor, aid)
    assert any(r.evidence == "Seen alone at school" for r in saved.ratings.values())
    editor.close()
    store.close()
