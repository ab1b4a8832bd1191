"""Personal copies and sync with a real team store (the tests' own PostgreSQL): a round
trip between a supervisor's and a practitioner's copies, what a copy holds, conflicts.
Expected contents come from the rows themselves (`sync_helpers.content_rows`), read on the
team store as each person, whose scope the server's own policies decide."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qa_audit.errors import StoreError
from qa_audit.services import assessments, supervision, sync
from qa_audit.services.assessments import Agreement, Narrative
from tests.conftest import PASSWORD

from .conftest import events
from .sync_helpers import as_person, complete, content_hash, content_rows, new_audit, open_copy

pytestmark = pytest.mark.postgresql_only


def _make_copy(world, username: str, path: Path) -> sync.CopyCreated:
    with as_person(world, username) as (team, me):
        return sync.create_copy(team, me, PASSWORD, path)


def _sync(world, username: str, path: Path) -> sync.SyncReport:
    with open_copy(path, username) as (local, _me), as_person(world, username) as (team, me):
        return sync.sync(local, team, me)


def _agree(world, username: str, path: Path) -> str:
    """The copy and the team store (read as this person) hold the same rows."""
    with open_copy(path, username) as (local, _me), as_person(world, username) as (team, _):
        mine, theirs = content_rows(local), content_rows(team)
        assert mine == theirs
        assert content_hash(local) == content_hash(team)
        return content_hash(local)


def test_round_trip_between_two_copies_and_the_team_store(world, tmp_path: Path) -> None:
    sup_copy, fca_copy = tmp_path / "sup.db", tmp_path / "fca.db"
    made = _make_copy(world, "sup", sup_copy)
    assert made.recovery_key and not made.report.cancelled
    _make_copy(world, "fca", fca_copy)
    text = "صوت الطفل واضح 👧🏽 <b>&amp;</b> " + "x" * 5000

    # The supervisor works offline: a new audit, an action, a supervision record.
    with open_copy(sup_copy, "sup") as (local, sup):
        aid = new_audit(local, world, sup)
        complete(local, sup, aid)
        assessments.set_narrative(local, sup, aid, Narrative.STRENGTHS, text)
        action = assessments.add_action(local, sup, aid, "Read the parenting assessment",
                                        owner_id=world.fca.user_id)
        assessments.submit(local, sup, aid)
        sid = supervision.create_session(local, sup, world.fca.user_id, dt.date(2026, 11, 30))
        supervision.save_notes(local, sup, sid, {"what_happened": "We discussed the audit"})
        supervision.set_assessments(local, sup, sid, [aid])
        supervision.sign(local, sup, sid)
    with as_person(world, "sup") as (team, sup):
        with pytest.raises(Exception):  # noqa: B017 - not on the team store before the sync
            assessments.get_assessment(team, sup, aid)
    pushed = _sync(world, "sup", sup_copy)
    assert pushed.pushed == {"assessment": 1, "action": 1, "supervision_session": 1}
    assert not pushed.conflicts
    _agree(world, "sup", sup_copy)

    # The practitioner syncs, responds, marks her action done, reflects and signs.
    got = _sync(world, "fca", fca_copy)
    assert got.pulled["assessment"] == 1 and got.pulled["supervision_session"] == 1
    with open_copy(fca_copy, "fca") as (local, fca):
        assert assessments.get_assessment(local, fca, aid).strengths == text
        assessments.respond(local, fca, aid, "I will test plans earlier.", Agreement.AGREE)
        assessments.set_action_status(local, fca, action, True)
        supervision.save_fca_reflection(local, fca, sid, "It helped to slow down")
        supervision.sign(local, fca, sid)
    back = _sync(world, "fca", fca_copy)
    assert back.pushed["response"] == 1 and back.pushed["supervision_session"] == 1
    assert not back.conflicts
    _agree(world, "fca", fca_copy)

    # The supervisor syncs and finalises, offline, then syncs again.
    _sync(world, "sup", sup_copy)
    with open_copy(sup_copy, "sup") as (local, sup):
        detail = assessments.get_assessment(local, sup, aid)
        assert detail.status == "responded"
        assessments.finalise(local, sup, aid)
    final = _sync(world, "sup", sup_copy)
    assert final.pushed == {"assessment": 1} and not final.conflicts
    _sync(world, "fca", fca_copy)

    # The team store and both copies agree, each over its owner's scope.
    sup_hash = _agree(world, "sup", sup_copy)
    _agree(world, "fca", fca_copy)
    with open_copy(fca_copy, "fca") as (local, fca):
        assert assessments.get_assessment(local, fca, aid).status == "finalised"
        only_aid = content_hash(local, ("assessment", "rating", "response"))
    with open_copy(sup_copy, "sup") as (local, _sup):
        assert content_hash(local, ("assessment", "rating", "response")) == only_aid
        assert content_hash(local) == sup_hash
    with as_person(world, "sup") as (team, sup):
        assert assessments.get_assessment(team, sup, aid).status == "finalised"

    # A sync with nothing new changes nothing and says so.
    again = _sync(world, "sup", sup_copy)
    assert again.pushed == {} and again.pulled == {} and not again.conflicts
    assert _agree(world, "sup", sup_copy) == sup_hash
    # Each end logged the creations and syncs (with no case content).
    with open_copy(sup_copy, "sup") as (local, _):
        assert events(local, "personal_copy_create") == 1 and events(local, "sync") == 4
    assert events(world.store, "personal_copy_create") == 2
    assert events(world.store, "sync") == 4 + 3


def test_copy_info_and_where_copies_live(world, tmp_path: Path) -> None:
    from .sync_helpers import team_url

    url = team_url(world)
    path = sync.default_copy_path(url, "sup")
    assert sync.find_copy(url, "sup") is None
    assert "correct" not in str(path) and path.name.startswith("sup@")
    assert sync.default_copy_path(world.store.team_url or "", "sup") == path  # login ignored
    made = _make_copy(world, "sup", path)
    assert sync.find_copy(url, "sup") == path and made.recovery_key
    with open_copy(path, "sup") as (local, sup):
        info = sync.copy_info(local)
        assert info is not None
        assert (info.owner_id, info.owner_username, info.path) == (sup.user_id, "sup", path)
        assert info.team_target == sync.team_target(url) and "@" not in info.team_target
        assert info.last_synced_at is not None
    assert sync.team_reachable(url)
    # A locked copy says so; a database of its own is not a copy.
    from qa_audit.services.database import Store

    locked = Store.open(path)
    with pytest.raises(StoreError, match="Sign in to the copy"):
        sync.copy_info(locked)
    locked.close()
    own = Store.open(tmp_path / "own.db")
    assert sync.copy_info(own) is None
    own.close()


def test_creation_cancelled_or_refused_leaves_no_file(world, tmp_path: Path) -> None:
    path = tmp_path / "sup.db"
    with as_person(world, "sup") as (team, sup):
        made = sync.create_copy(team, sup, PASSWORD, path, stop=lambda: True)
        assert made.report.cancelled and made.recovery_key == ""
        with pytest.raises(Exception, match="not right"):
            sync.create_copy(team, sup, "not my password at all", path)
        with pytest.raises(StoreError, match="is a folder"):
            sync.create_copy(team, sup, PASSWORD, tmp_path)
    assert list(tmp_path.iterdir()) == []
