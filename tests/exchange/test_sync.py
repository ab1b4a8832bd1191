"""Personal copies and sync with a real team store (the tests' own PostgreSQL): a round
trip between a supervisor's and a practitioner's copies, what a copy holds, conflicts.
Expected contents come from the rows themselves (`sync_helpers.content_rows`), read on the
team store as each person, whose scope the server's own policies decide."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qa_audit.errors import NotFound, StoreError
from qa_audit.services import assessments, audit_log, supervision, sync
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
    with as_person(world, "sup") as (team, sup), pytest.raises(NotFound):
        assessments.get_assessment(team, sup, aid)  # not on the team store before the sync
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
        # Pulled whole: the finalised assessment's content hash still matches it here.
        assert audit_log.verify_chain(local).intact
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
        # The copy's own audit log checks out: chain, signatures, head file, and the
        # content hash of the assessment finalised there.
        report = audit_log.verify_chain(local)
        assert report.intact, report.problems
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


def _decrypted_text(path: Path, username: str) -> str:
    """The whole copy as SQL text, decrypted here with sqlcipher3 and the key its owner's
    password unseals (as anyone holding the laptop and the password could)."""
    import sqlcipher3

    from qa_audit.store.files import key_file_for
    from qa_audit.store.keyring import Keyring

    key = Keyring.load(key_file_for(path)).unlock(username, PASSWORD).database_keys[0]
    conn = sqlcipher3.connect(str(path))
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = "
                                             "'table'")]
        assert "assessment" in tables
        return "\n".join(f"{t}: {row!r}" for t in tables
                         for row in conn.execute(f'SELECT * FROM "{t}"'))
    finally:
        conn.close()


def test_a_copy_holds_nothing_outside_its_owners_scope(world, tmp_path: Path) -> None:
    from qa_audit.services import cases

    # Another team's case and audit, and a draft the practitioner may not see yet.
    other_case = cases.create_case(world.store, world.supervisor2, "PL-2099-77777",
                                   "care_order")
    other = new_audit(world.store, world, world.supervisor2, other_case.id, world.fca2)
    complete(world.store, world.supervisor2, other, evidence="Other team evidence")
    assessments.submit(world.store, world.supervisor2, other)
    draft_case = cases.create_case(world.store, world.supervisor, "PL-2024-00077",
                                   "care_order")
    draft = new_audit(world.store, world, world.supervisor, draft_case.id)
    assessments.set_narrative(world.store, world.supervisor, draft, Narrative.STRENGTHS,
                              "Draft words only its author reads")
    shared = new_audit(world.store, world, world.supervisor)
    complete(world.store, world.supervisor, shared, evidence="Shared evidence")
    assessments.submit(world.store, world.supervisor, shared)

    for name in ("sup", "fca"):
        _make_copy(world, name, tmp_path / f"{name}.db")
    everyone_else = {
        "sup": ["PL-2099-77777", "Other team evidence", "Gwen Jones", "Sol Supervisor",
                "Sasha Lead", "Ada Admin"],
        "fca": ["PL-2099-77777", "Other team evidence", "PL-2024-00077",
                "Draft words only its author reads", "Gwen Jones", "Sol Supervisor",
                "Sasha Lead", "Quinn Lead", "Ada Admin"],
    }
    in_scope = {"sup": ["PL-2024-00001", "PL-2024-00077", "Draft words only its author reads",
                        "Shared evidence", "Fatima Khan", "Quinn Lead"],
                "fca": ["PL-2024-00001", "Shared evidence", "Fatima Khan", "Sam Supervisor"]}
    for name, absent in everyone_else.items():
        path = tmp_path / f"{name}.db"
        text = _decrypted_text(path, name)
        for found in in_scope[name]:  # the grep itself works
            assert found in text, (name, found)
        for secret in absent:
            assert secret not in text, (name, secret)
        # Nor in the files beside it (key file, audit head), which are not encrypted.
        for companion in tmp_path.glob(f"{name}.db.*"):
            raw = companion.read_bytes()
            for secret in absent + in_scope[name]:
                assert secret.encode() not in raw, (companion.name, secret)
        # The encrypted file itself shows nothing without the key.
        assert b"PL-2024-00001" not in path.read_bytes()


def test_both_sides_edit_while_apart(world, tmp_path: Path) -> None:
    sup = world.supervisor
    aid = new_audit(world.store, world, sup)
    complete(world.store, sup, aid)
    path = tmp_path / "sup.db"
    _make_copy(world, "sup", path)

    def strengths() -> tuple[str, str]:
        with open_copy(path, "sup") as (local, me), as_person(world, "sup") as (team, me2):
            return (assessments.get_assessment(local, me, aid).strengths,
                    assessments.get_assessment(team, me2, aid).strengths)

    def edit_both(mine: str, theirs: str) -> None:
        with open_copy(path, "sup") as (local, me):
            assessments.set_narrative(local, me, aid, Narrative.STRENGTHS, mine)
        with as_person(world, "sup") as (team, me):  # the same person on another machine
            assessments.set_narrative(team, me, aid, Narrative.STRENGTHS, theirs)

    # 1. Keep mine: I am the assessment's writer, so mine becomes the newer version.
    edit_both("copy text", "team text")
    for _ in range(2):  # listed, and listed again: nothing overwritten meanwhile
        report = _sync(world, "sup", path)
        assert len(report.conflicts) == 1
        conflict = report.conflicts[0]
        assert conflict.kind == "assessment" and conflict.id == str(aid)
        assert "PL-2024-00001" in conflict.label
        assert "copy text" in conflict.mine_summary and "team text" in conflict.theirs_summary
        assert strengths() == ("copy text", "team text")
    with open_copy(path, "sup") as (local, me):
        assert sync.pending_conflicts(local, me) == report.conflicts
    with open_copy(path, "sup") as (local, _), as_person(world, "sup") as (team, me):
        sync.resolve(local, team, me, conflict.id, sync.ConflictChoice.KEEP_MINE)
        assert sync.pending_conflicts(local, me) == ()
    assert strengths() == ("copy text", "copy text")
    assert not _sync(world, "sup", path).conflicts
    _agree(world, "sup", path)

    # 2. Take theirs.
    edit_both("copy 2", "team 2")
    conflict = _sync(world, "sup", path).conflicts[0]
    with open_copy(path, "sup") as (local, _), as_person(world, "sup") as (team, me):
        sync.resolve(local, team, me, conflict.id, sync.ConflictChoice.TAKE_THEIRS)
    assert strengths() == ("team 2", "team 2")
    assert not _sync(world, "sup", path).conflicts
    _agree(world, "sup", path)

    # 3. Finalised on the team store meanwhile: mine is kept as an addendum.
    with open_copy(path, "sup") as (local, me):
        assessments.set_narrative(local, me, aid, Narrative.STRENGTHS, "copy 3")
    with as_person(world, "sup") as (team, me):
        assessments.submit(team, me, aid)
    with as_person(world, "fca") as (team, fca):
        assessments.respond(team, fca, aid, "Agreed", Agreement.AGREE)
    with as_person(world, "sup") as (team, me):
        assessments.finalise(team, me, aid)
    conflicts = _sync(world, "sup", path).conflicts
    assert [c.id for c in conflicts] == [str(aid)]
    assert strengths() == ("copy 3", "team 2")
    with open_copy(path, "sup") as (local, _), as_person(world, "sup") as (team, me):
        sync.resolve(local, team, me, str(aid), sync.ConflictChoice.KEEP_MINE)
    assert strengths() == ("team 2", "team 2")
    with as_person(world, "sup") as (team, me):
        detail = assessments.get_assessment(team, me, aid)
        assert detail.status == "finalised"
        assert any("copy 3" in a.text for a in detail.addenda)
    assert not _sync(world, "sup", path).conflicts
    _agree(world, "sup", path)


def test_keeping_mine_on_a_finalised_assessment_needs_the_right_to_add_addenda(
        world, tmp_path: Path) -> None:
    """The practitioner's response, edited in her copy while the supervisor finalised:
    a practitioner adds no addenda, so keeping hers is refused with a reason; taking
    theirs works."""
    from qa_audit.errors import InvalidInput

    sup = world.supervisor
    aid = new_audit(world.store, world, sup)
    complete(world.store, sup, aid)
    assessments.submit(world.store, sup, aid)
    assessments.save_response(world.store, world.fca, aid, "first words", Agreement.AGREE)
    path = tmp_path / "fca.db"
    _make_copy(world, "fca", path)
    with open_copy(path, "fca") as (local, fca):
        assessments.respond(local, fca, aid, "my offline reflection", Agreement.AGREE)
    with as_person(world, "fca") as (team, fca):
        assessments.respond(team, fca, aid, "online reflection", Agreement.AGREE)
    with as_person(world, "sup") as (team, me):
        assessments.finalise(team, me, aid)
    conflicts = _sync(world, "fca", path).conflicts
    assert {c.kind for c in conflicts} >= {"response"}
    response = next(c for c in conflicts if c.kind == "response")
    assert "my offline reflection" in response.mine_summary
    with open_copy(path, "fca") as (local, _), as_person(world, "fca") as (team, fca):
        with pytest.raises(InvalidInput, match="does not add addenda"):
            sync.resolve(local, team, fca, response.id, sync.ConflictChoice.KEEP_MINE)
        for conflict in sync.pending_conflicts(local, fca):
            sync.resolve(local, team, fca, conflict.id, sync.ConflictChoice.TAKE_THEIRS)
        assert sync.pending_conflicts(local, fca) == ()
        detail = assessments.get_assessment(local, fca, aid)
        assert detail.status == "finalised" and detail.response is not None
        assert detail.response.reflection == "online reflection"
    assert not _sync(world, "fca", path).conflicts
    _agree(world, "fca", path)


def test_progress_and_cancel_then_the_rest_on_the_next_sync(world, tmp_path: Path,
                                                            monkeypatch) -> None:
    path = tmp_path / "sup.db"
    _make_copy(world, "sup", path)
    monkeypatch.setenv("QA_AUDIT_SYNC_BATCH", "2")
    with open_copy(path, "sup") as (local, me):
        made = [new_audit(local, world, me) for _ in range(5)]
        before = sync.copy_info(local)
    seen: list[tuple[int, int]] = []
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 2  # the reference data, then one batch of two

    with open_copy(path, "sup") as (local, _), as_person(world, "sup") as (team, sup):
        report = sync.sync(local, team, sup, progress=lambda d, t: seen.append((d, t)),
                           stop=stop)
        assert report.cancelled and report.pushed == {"assessment": 2}
        info = sync.copy_info(local)
        assert info is not None and before is not None
        assert info.last_synced_at == before.last_synced_at  # not a finished sync
    assert seen == [(0, 5), (2, 5)]
    with open_copy(path, "sup") as (local, _), as_person(world, "sup") as (team, sup):
        rest = sync.sync(local, team, sup, progress=lambda d, t: seen.append((d, t)))
        assert not rest.cancelled and rest.pushed == {"assessment": 3}
        for aid in made:
            assert assessments.get_assessment(team, sup, aid).author_name == "Sam Supervisor"
        assert events(local, "sync_cancelled") == 1
    _agree(world, "sup", path)


def test_a_supervision_record_changed_on_both_sides_keeps_mine_as_the_newer_version(
        world, tmp_path: Path) -> None:
    sid = supervision.create_session(world.store, world.supervisor, world.fca.user_id,
                                     dt.date(2026, 11, 2))
    path = tmp_path / "sup.db"
    _make_copy(world, "sup", path)
    with open_copy(path, "sup") as (local, me):
        supervision.save_notes(local, me, sid, {"analysis": "written on the train"})
    with as_person(world, "sup") as (team, me):
        supervision.save_notes(team, me, sid, {"analysis": "written at the office"})
    conflicts = _sync(world, "sup", path).conflicts
    assert [(c.kind, c.id) for c in conflicts] == [("supervision_session", str(sid))]
    with open_copy(path, "sup") as (local, _), as_person(world, "sup") as (team, me):
        sync.resolve(local, team, me, str(sid), sync.ConflictChoice.KEEP_MINE)
        assert supervision.get_session(team, me, sid).notes["analysis"] == "written on the train"
    assert not _sync(world, "sup", path).conflicts
    _agree(world, "sup", path)
