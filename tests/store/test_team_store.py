"""The team store enforces the permission matrix itself: each person connected as their own
login role (as with psql) sees exactly what the app shows them, and the server refuses
what no app role may do, whatever client is used."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import errors

from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind
from qa_audit.domain.permissions import Action, Actor, Role, allowed
from qa_audit.errors import PermissionDenied, ReadOnly, StoreError, WrongPassword
from qa_audit.services import (
    accounts,
    assessments,
    audit_log,
    cases,
    comments,
    listing,
    supervision,
)
from qa_audit.services.database import Store

pytestmark = pytest.mark.postgresql_only
PASSWORD = "correct horse battery"
PEOPLE = ("admin", "sup", "sup2", "fca", "fca2", "ql", "ql-south")


@dataclass
class Team:
    world: object
    stores: dict[str, Store]
    actors: dict[str, Actor]
    ids: dict[str, uuid.UUID]
    database: str


def _own_store(cluster, database: str, username: str) -> tuple[Store, Actor]:
    """What the app does on `qa-audit --db postgresql://...`: open without a login, then
    sign in, which connects as the person's own role."""
    store = Store.open(cluster.url(database, user=None))  # type: ignore[arg-type]
    assert store.locked
    actor = accounts.sign_in(store, username, PASSWORD)
    return store, actor


def _complete(store: Store, sup: Actor, aid) -> None:
    assessments.set_context(store, sup, aid, "setting", "Home visit")
    assessments.save_rating(store, sup, aid, "seen", grade="G", evidence="Seen alone")
    assessments.save_rating(store, sup, aid, "care-plan", grade="RI", evidence="Not tested")
    assessments.save_rating(store, sup, aid, "sgo", grade=NOT_APPLICABLE)


@pytest.fixture
def team(world, pg_cluster, pg_database):
    """The conftest world (made through the superuser's connection), then real work done
    by each person through their own connection, which the write policies must allow."""
    stores, actors = {}, {}
    for name in PEOPLE:
        stores[name], actors[name] = _own_store(pg_cluster, pg_database, name)
    s, sup, fca = stores["sup"], actors["sup"], actors["fca"]
    new = lambda st, who, subject: assessments.create_assessment(  # noqa: E731
        st, who, AssessmentKind.CASE_AUDIT, world.framework_version_id, subject,
        case_id=world.case_id)
    ids = {}
    ids["submitted"] = new(s, sup, fca.user_id)
    _complete(s, sup, ids["submitted"])
    ids["action"] = assessments.add_action(s, sup, ids["submitted"], "Read the plan",
                                           owner_id=fca.user_id)
    assessments.submit(s, sup, ids["submitted"])
    assessments.set_action_status(stores["fca"], fca, ids["action"], True)
    comments.save_comment(stores["fca"], fca, ids["submitted"], "seen", "Seen twice")
    ids["draft"] = new(s, sup, fca.user_id)
    assessments.save_rating(s, sup, ids["draft"], "seen", grade="O", evidence="Draft text")
    ids["final"] = new(s, sup, fca.user_id)
    _complete(s, sup, ids["final"])
    assessments.submit(s, sup, ids["final"])
    assessments.save_response(stores["fca"], fca, ids["final"], "My reflection")
    comments.save_comment(stores["fca"], fca, ids["final"], "care-plan", "Plan was tested")
    assessments.respond(stores["fca"], fca, ids["final"], "My reflection",
                        assessments.Agreement.AGREE)
    assessments.finalise(s, sup, ids["final"])
    assessments.add_addendum(s, sup, ids["final"], "A correction")
    ids["session"] = supervision.create_session(s, sup, fca.user_id)
    supervision.set_assessments(s, sup, ids["session"], [ids["submitted"], ids["final"]])
    supervision.save_notes(s, sup, ids["session"], {"what_happened": "We talked"})
    supervision.add_action(s, sup, ids["session"], "Shadow a hearing")
    supervision.save_fca_reflection(stores["fca"], fca, ids["session"], "Helpful")
    supervision.sign(s, sup, ids["session"])
    supervision.sign(stores["fca"], fca, ids["session"])
    # The other team: a draft and a submitted one by sup2 about fca2, on their own case.
    s2, sup2 = stores["sup2"], actors["sup2"]
    case2 = cases.create_case(s2, sup2, "PL-2024-00002", "care_order")
    for key in ("other_draft", "other_submitted"):
        ids[key] = assessments.create_assessment(
            s2, sup2, AssessmentKind.CASE_AUDIT, world.framework_version_id,
            actors["fca2"].user_id, case_id=case2.id)
    _complete(s2, sup2, ids["other_submitted"])
    assessments.submit(s2, sup2, ids["other_submitted"])
    yield Team(world, stores, actors, ids, pg_database)
    for store in stores.values():
        store.close()


def _raw(cluster, database: str, username: str) -> psycopg.Connection:
    return cluster.connect(database, user=username, password=PASSWORD)


def _visible(conn: psycopg.Connection) -> dict[str, set]:
    """Every case-content table's rows as this login sees them (psql-equivalent SQL)."""
    q = {
        "assessment": "SELECT id FROM assessment",
        "rating": "SELECT assessment_id, standard_id FROM rating",
        "response": "SELECT assessment_id FROM response",
        "response_comment": "SELECT assessment_id, standard_id FROM response_comment",
        "action_item": "SELECT id FROM action_item",
        "addendum": "SELECT id FROM addendum",
        "supervision_session": "SELECT id FROM supervision_session",
        "session_assessment": "SELECT session_id, assessment_id FROM session_assessment",
        "case_file": "SELECT reference FROM case_file",
        "moderation": "SELECT id FROM moderation",
    }
    out = {}
    for table, sql in q.items():
        rows = conn.execute(sql).fetchall()  # type: ignore[arg-type]
        out[table] = {r[0] if len(r) == 1 else tuple(r) for r in rows}
    return out


def _through_services(store: Store, actor: Actor) -> dict[str, set]:
    """The same tables as the app shows them to this person (through the superuser's
    connection, so that only the services' own rules decide)."""
    out: dict[str, set] = {t: set() for t in (
        "assessment", "rating", "response", "response_comment", "action_item", "addendum",
        "supervision_session", "session_assessment", "case_file", "moderation")}
    if allowed(actor, Action.VIEW_ASSESSMENT):
        rows = listing.list_assessments(store, actor, listing.AssessmentQuery(), limit=10_000)
        for row in rows:
            detail = assessments.get_assessment(store, actor, row.id)
            out["assessment"].add(row.id)
            out["rating"] |= {(row.id, s) for s in detail.ratings}
            if detail.response is not None:
                out["response"].add(row.id)
                out["response_comment"] |= {(row.id, s) for s in detail.response.comments}
            out["action_item"] |= {a.id for a in detail.actions}
            out["addendum"] |= {a.id for a in detail.addenda}
            if detail.case_reference:
                out["case_file"].add(detail.case_reference)
    for summary in supervision.list_sessions(store, actor):
        detail = supervision.get_session(store, actor, summary.id)
        out["supervision_session"].add(summary.id)
        out["session_assessment"] |= {(summary.id, a.id) for a in detail.assessments}
        out["action_item"] |= {a.id for a in detail.actions}
    if allowed(actor, Action.MANAGE_CASES):
        out["case_file"] |= {c.reference for c in cases.list_cases(store, actor)}
    return out


def test_each_login_sees_exactly_what_the_app_shows(team, pg_cluster) -> None:
    store = team.world.store  # the superuser's connection: no row-level security
    for name in PEOPLE:
        actor = team.actors[name]
        with _raw(pg_cluster, team.database, name) as conn:
            seen = _visible(conn)
        assert seen == _through_services(store, actor), name


def test_fca_sees_exactly_her_submitted_or_later_assessments(team, pg_cluster) -> None:
    """From the written design, not from the code: the FCA's three assessments are one
    submitted, one draft, one finalised; she sees the two that are not drafts."""
    with _raw(pg_cluster, team.database, "fca") as conn:
        ids = {r[0] for r in conn.execute("SELECT id FROM assessment")}
        assert ids == {team.ids["submitted"], team.ids["final"]}
        assert conn.execute("SELECT count(*) FROM rating WHERE grade = 'O'").fetchone() == (0,)


def test_other_teams_drafts_and_admins_case_content_are_not_served(team, pg_cluster) -> None:
    with _raw(pg_cluster, team.database, "sup2") as conn:
        assert conn.execute("SELECT id FROM assessment WHERE id = %s",
                            (team.ids["draft"],)).fetchall() == []
        assert conn.execute("SELECT count(*) FROM rating WHERE evidence = 'Draft text'"
                            ).fetchone() == (0,)
        # Not changeable either: an UPDATE of a row one cannot see touches nothing.
        cur = conn.execute("UPDATE assessment SET strengths = 'x' WHERE id = %s",
                           (team.ids["submitted"],))
        assert cur.rowcount == 0
    with _raw(pg_cluster, team.database, "admin") as conn:
        assert conn.execute("SELECT count(*) FROM assessment").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM rating").fetchone() == (0,)
    with _raw(pg_cluster, team.database, "ql-south") as conn:
        assert conn.execute("SELECT count(*) FROM assessment").fetchone() == (0,)
    with _raw(pg_cluster, team.database, "ql") as conn:
        # Her region's submitted or later ones, of both teams; no drafts.
        ids = {r[0] for r in conn.execute("SELECT id FROM assessment")}
        assert ids == {team.ids["submitted"], team.ids["final"], team.ids["other_submitted"]}


def test_practitioners_comments_are_read_and_written_only_within_scope(team, pg_cluster
                                                                      ) -> None:
    """From the written design: her comments are read with her assessment (by her, her
    supervisor, her region's quality lead) and written only by her; another practitioner
    or team, another region and the administrator read none, and nobody else writes one."""
    submitted, final = team.ids["submitted"], team.ids["final"]
    expected = {(submitted, "seen", "Seen twice"), (final, "care-plan", "Plan was tested")}
    for name, sees in (("fca", expected), ("sup", expected), ("ql", expected),
                       ("fca2", set()), ("sup2", set()), ("ql-south", set()),
                       ("admin", set())):
        with _raw(pg_cluster, team.database, name) as conn:
            rows = conn.execute(
                "SELECT assessment_id, standard_id, text FROM response_comment").fetchall()
            assert set(rows) == sees, name
    insert = ("INSERT INTO response_comment (id, assessment_id, standard_id, fca_id, text, "
              "updated_at, row_version) VALUES (gen_random_uuid(), %s, 'care-plan', %s, "
              "'Not hers to write', now(), 1)")
    for name in ("sup", "fca2", "ql"):
        with _raw(pg_cluster, team.database, name) as conn, pytest.raises(
                errors.InsufficientPrivilege):
            conn.execute(insert, (submitted, team.actors["fca"].user_id))
    with _raw(pg_cluster, team.database, "sup") as conn:
        assert conn.execute("UPDATE response_comment SET text = 'x'").rowcount == 0
    # Hers, but the assessment is finalised: the server refuses the change.
    with _raw(pg_cluster, team.database, "fca") as conn, pytest.raises(errors.RaiseException):
        conn.execute("UPDATE response_comment SET text = 'Changed' WHERE assessment_id = %s",
                     (final,))
    # While it is with her she may change her text with psql, never what it is about.
    with _raw(pg_cluster, team.database, "fca") as conn:
        assert conn.execute("UPDATE response_comment SET text = 'Seen three times' "
                            "WHERE assessment_id = %s", (submitted,)).rowcount == 1
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE response_comment SET standard_id = 'sgo' "
                         "WHERE assessment_id = %s", (submitted,))


def test_a_row_outside_ones_scope_cannot_be_written(team, pg_cluster) -> None:
    fca = team.actors["fca"]
    with _raw(pg_cluster, team.database, "fca") as conn, pytest.raises(
            errors.InsufficientPrivilege):
        # An FCA cannot write an assessment, even about herself.
        conn.execute(
            "INSERT INTO assessment (id, kind, framework_version_id, subject_id, author_id, "
            "team_id, status, assessed_on, context, childs_voice, impact_of_delay, strengths,"
            " areas_for_development, created_at, updated_at, row_version) VALUES "
            "(gen_random_uuid(), 'case_audit', %s, %s, %s, %s, 'submitted', current_date, "
            "'{}', '', '', '', '', now(), now(), 1)",
            (team.world.framework_version_id, fca.user_id, fca.user_id, fca.team_id))
    with _raw(pg_cluster, team.database, "fca") as conn, pytest.raises(
            errors.InsufficientPrivilege):
        conn.execute("UPDATE user_account SET role = 'admin' WHERE username = 'fca'")


def test_a_ratings_scope_copy_is_the_servers_not_the_clients(team, pg_cluster) -> None:
    """A rating's read policy compares the scope copied from its assessment: a client that
    writes another team or a finalised status into it is overruled, and the copy follows
    the assessment through submit and finalise (the fixture's work)."""
    draft, other = team.ids["draft"], team.ids["other_submitted"]
    with pg_cluster.connect(team.database) as conn:  # the other team's region and team
        region, team_id = conn.execute("SELECT region_id, team_id FROM assessment WHERE id = %s",
                                       (other,)).fetchone()
    with _raw(pg_cluster, team.database, "sup") as conn:
        conn.execute("UPDATE rating SET evidence = 'edited', scope_region_id = %s, "
                     "scope_team_id = %s, scope_status = 'finalised' WHERE assessment_id = %s",
                     (region, team_id, draft))
        conn.execute("INSERT INTO rating (id, assessment_id, standard_id, indicators, evidence,"
                     " commentary, updated_at, row_version, scope_region_id, scope_status) "
                     "VALUES (gen_random_uuid(), %s, 'forged', '[]', '', '', now(), 1, %s, "
                     "'finalised')", (draft, region))
        conn.commit()
    for name in ("sup2", "ql"):  # the other team's supervisor; the region's lead (a draft)
        with _raw(pg_cluster, team.database, name) as conn:
            assert conn.execute("SELECT count(*) FROM rating WHERE assessment_id = %s",
                                (draft,)).fetchone() == (0,), name
    with pg_cluster.connect(team.database) as conn:
        copies = conn.execute(
            "SELECT DISTINCT r.scope_team_id = a.team_id, r.scope_region_id = a.region_id, "
            "r.scope_subject_id = a.subject_id, r.scope_status = a.status FROM rating r "
            "JOIN assessment a ON a.id = r.assessment_id").fetchall()
    assert copies == [(True, True, True, True)]


def test_the_case_reference_search_reads_the_servers_copy(team, pg_cluster) -> None:
    """On the team store a case-reference search reads the assessment's copy of its case's
    reference: the server sets it (a client's own value is overruled) and follows a
    renamed case; what a person finds is still only what they may see."""
    draft = team.ids["draft"]
    with _raw(pg_cluster, team.database, "sup") as conn:
        conn.execute("UPDATE assessment SET case_reference = 'PL-2099-99999' WHERE id = %s",
                     (draft,))
        conn.commit()
    with pg_cluster.connect(team.database) as conn:
        conn.execute("UPDATE case_file SET reference = 'PL-2024-77777' WHERE reference = "
                     "'PL-2024-00001'")
        conn.commit()
        copies = set(conn.execute("SELECT DISTINCT a.case_reference = c.reference FROM "
                                  "assessment a JOIN case_file c ON c.id = a.case_id"))
    assert copies == {(True,)}

    def found(name: str, search: str) -> set:
        rows = listing.list_assessments(team.stores[name], team.actors[name],
                                        listing.AssessmentQuery(search=search))
        return {r.id for r in rows}

    assert found("sup", "77777") == {team.ids[k] for k in ("submitted", "draft", "final")}
    assert found("sup", "99999") == set()
    assert found("ql", "77777") == {team.ids["submitted"], team.ids["final"]}
    assert found("fca2", "77777") == set()
    assert found("fca2", "00002") == {team.ids["other_submitted"]}


@pytest.mark.parametrize("statement", [
    "DELETE FROM audit_event",
    "UPDATE audit_event SET action = 'nothing'",
    "TRUNCATE audit_event",
])
def test_audit_log_is_append_only_for_every_app_role(team, pg_cluster, statement) -> None:
    for name in PEOPLE:
        with _raw(pg_cluster, team.database, name) as conn, pytest.raises(
                errors.InsufficientPrivilege):
            conn.execute(statement)


def test_audit_chain_is_computed_by_the_server(team, pg_cluster) -> None:
    sup = team.actors["sup"]
    with _raw(pg_cluster, team.database, "sup") as conn:
        conn.execute("INSERT INTO audit_event (id, at, actor_id, action, entity, entity_id, "
                     "prev_hash, hash) VALUES (gen_random_uuid(), '2001-01-01', %s, 'forged',"
                     " 'user', '', 'chosen', 'chosen')", (sup.user_id,))
    report = audit_log.verify(team.world.store, team.world.admin)
    # The chain holds (the server chose number, time and hash); the event itself is told
    # apart from the app's: psql sent it without its actor's signature.
    assert report.broken_at is None and report.events > 40
    with pg_cluster.connect(team.database) as conn:
        row = conn.execute("SELECT hash, at, seq FROM audit_event WHERE action = 'forged'"
                           ).fetchone()
        assert row[0] != "chosen" and row[1].year > 2001
    assert report.problems == (f"event {row[2]} names an actor who signs events, but is not "
                               "signed",)


def test_audit_events_are_signed_by_their_actors_on_the_team_store(team, pg_cluster) -> None:
    """Each person's events made through the app under their own login carry their
    signature (their own key, sealed in their own row); verify checks it, so an event whose
    signature was removed or swapped by someone with the server's superuser is named."""
    store, admin = team.world.store, team.world.admin
    assert audit_log.verify(store, admin).intact
    sup, fca = team.actors["sup"], team.actors["fca"]
    with pg_cluster.connect(team.database) as conn:
        signed = dict(conn.execute(
            "SELECT actor_id, count(*) FROM audit_event WHERE signature LIKE 'content:%%' "
            "GROUP BY actor_id").fetchall())
        unsigned_after_sign_in = conn.execute(
            "SELECT count(*) FROM audit_event e WHERE e.signature = '' AND e.actor_id = %s "
            "AND e.seq > (SELECT min(seq) FROM audit_event WHERE actor_id = %s AND action = "
            "'register_signing_key')", (sup.user_id, sup.user_id)).fetchone()[0]
        # Each person has exactly one key in the register, and cannot read another's.
        keys = dict(conn.execute("SELECT key, value FROM setting WHERE key LIKE "
                                 "'signing\\_key:%%'").fetchall())
    assert signed[sup.user_id] > 10 and signed[fca.user_id] >= 3
    assert unsigned_after_sign_in == 0
    assert len(keys) == len(PEOPLE)
    with _raw(pg_cluster, team.database, "fca") as conn:
        assert conn.execute("SELECT user_id FROM exchange_key").fetchall() == [(fca.user_id,)]
    with pg_cluster.connect(team.database) as conn:
        sup_event, fca_signature = (conn.execute(
            "SELECT max(seq) FROM audit_event WHERE actor_id = %s", (sup.user_id,)
        ).fetchone()[0], conn.execute(
            "SELECT signature FROM audit_event WHERE actor_id = %s AND signature <> '' "
            "LIMIT 1", (fca.user_id,)).fetchone()[0])
        conn.execute("UPDATE audit_event SET signature = %s WHERE seq = %s",
                     (fca_signature, sup_event))
        first = conn.execute("SELECT min(seq) FROM audit_event WHERE actor_id = %s AND "
                             "signature <> '' AND action <> 'register_signing_key'",
                             (sup.user_id,)).fetchone()[0]
        conn.execute("UPDATE audit_event SET signature = '' WHERE seq = %s", (first,))
    report = audit_log.verify(store, admin)
    assert report.broken_at is None
    assert set(report.problems) == {
        f"event {sup_event} is not signed by its actor's key",
        f"event {first} names an actor who signs events, but is not signed"}


def test_no_one_registers_a_signing_key_in_someone_elses_name(team, pg_cluster) -> None:
    sup = team.actors["sup"]
    with _raw(pg_cluster, team.database, "fca") as conn, pytest.raises(
            errors.InsufficientPrivilege):
        conn.execute("INSERT INTO setting (key, value) VALUES (%s, 'x')",
                     (f"signing_key:{sup.user_id}:x",))
    with _raw(pg_cluster, team.database, "fca") as conn, pytest.raises(
            errors.InsufficientPrivilege):
        conn.execute("INSERT INTO exchange_key (user_id, username, signing_public, "
                     "exchange_public) VALUES (%s, 'sup', 'x', 'x')", (sup.user_id,))


def test_a_persons_key_card_on_the_team_store_is_their_own_row(team, pg_cluster) -> None:
    """`qa-audit bundle key` on the team store: the card shows the keys in the person's own
    row (the ones that sign their events); no one else reads that row, and a card cannot
    put keys into another person's row."""
    from qa_audit.exchange.keys import PublicKeys
    from qa_audit.services import bundles

    sup = team.actors["sup"]
    card = bundles.my_key_card(team.stores["sup"], sup, PASSWORD)
    with pg_cluster.connect(team.database) as conn:
        row = conn.execute("SELECT signing_public, exchange_public, sealed_private "
                           "FROM exchange_key WHERE user_id = %s", (sup.user_id,)).fetchone()
    assert card.card()["signing"] == row[0] and card.card()["exchange"] == row[1]
    assert row[2] and "sealed" in row[2]
    for name in ("admin", "sup2", "fca", "ql"):
        with _raw(pg_cluster, team.database, name) as conn:
            assert conn.execute("SELECT count(*) FROM exchange_key WHERE user_id = %s",
                                (sup.user_id,)).fetchone() == (0,), name
    forged = PublicKeys(sup.user_id, "sup", b"\x01" * 32, b"\x02" * 32)
    with pytest.raises((PermissionDenied, StoreError)):
        bundles.trust_key_card(team.stores["fca"], team.actors["fca"], forged)
    with pg_cluster.connect(team.database) as conn:
        assert conn.execute("SELECT signing_public FROM exchange_key WHERE user_id = %s",
                            (sup.user_id,)).fetchone() == (row[0],)


def test_signing_keys_survive_a_password_reset(team, pg_cluster) -> None:
    """A reset password cannot open the keys the old one sealed: the person gets new keys
    at their next sign-in, and their earlier events still check against the old key."""
    admin_store, admin = team.stores["admin"], team.actors["admin"]
    accounts.reset_password(admin_store, admin, "fca", "a brand new passphrase 7")
    store = Store.open(pg_cluster.url(team.database, user=None))  # type: ignore[arg-type]
    try:
        fca = accounts.sign_in(store, "fca", "a brand new passphrase 7")
        assessments.save_response(store, fca, team.ids["submitted"], "After the reset")
    finally:
        store.close()
    report = audit_log.verify(team.world.store, team.world.admin)
    assert report.intact, report.problems
    with pg_cluster.connect(team.database) as conn:
        keys = conn.execute("SELECT count(*) FROM setting WHERE key LIKE %s",
                            (f"signing\\_key:{fca.user_id}:%",)).fetchone()[0]
    assert keys == 2


def test_removed_audit_event_is_reported_as_a_gap(team, pg_cluster) -> None:
    # Only the server's superuser can remove one; verify names what is missing.
    with pg_cluster.connect(team.database) as conn:
        conn.execute("DELETE FROM audit_event WHERE seq IN (5, 6)")
    report = audit_log.verify(team.world.store, team.world.admin)
    assert not report.intact
    assert report.broken_at == 7
    assert any("5 to 6 are missing" in problem for problem in report.problems)


def test_finalised_assessment_and_ratings_are_refused_by_the_server(team, pg_cluster) -> None:
    final = team.ids["final"]
    with _raw(pg_cluster, team.database, "sup") as conn:
        with pytest.raises(errors.RaiseException, match="finalised"):
            conn.execute("UPDATE rating SET grade = 'O' WHERE assessment_id = %s", (final,))
        conn.rollback()
        with pytest.raises(errors.RaiseException, match="finalised"):
            conn.execute("UPDATE assessment SET strengths = 'changed' WHERE id = %s",
                         (final,))
        conn.rollback()
        with pytest.raises(errors.RaiseException, match="finalised"):
            conn.execute("DELETE FROM rating WHERE assessment_id = %s", (final,))


def test_service_write_refused_by_the_server_is_a_clear_error(team) -> None:
    """The app's own checks are skipped here (a raw UPDATE through the person's session),
    so what stops it is the server, told apart by SQLSTATE."""
    from sqlalchemy import text

    store = team.stores["sup"]
    with pytest.raises(ReadOnly, match="addendum"), store.unit_of_work() as session:
        session.execute(text("UPDATE rating SET grade = 'O' WHERE assessment_id = :a"),
                        {"a": team.ids["final"]})
    with pytest.raises(PermissionDenied), store.unit_of_work() as session:
        session.execute(text("INSERT INTO org_unit (id, name, kind, row_version) VALUES "
                             "(gen_random_uuid(), 'Rogue', 'team', 1)"))


def test_wrong_password_and_unknown_person_are_one_clear_message(world, pg_cluster,
                                                                  pg_database) -> None:
    for username, password in (("sup", "not the password"), ("nobody", PASSWORD)):
        store = Store.open(pg_cluster.url(pg_database, user=None))  # type: ignore[arg-type]
        with pytest.raises(WrongPassword, match="username or password is not right"):
            accounts.sign_in(store, username, password)
        assert store.locked
        store.close()


def test_disabled_account_cannot_log_in_to_the_server(world, pg_cluster, pg_database) -> None:
    accounts.set_active(world.store, world.admin, "fca", False)
    with pytest.raises(psycopg.OperationalError):
        _raw(pg_cluster, pg_database, "fca")
    store = Store.open(pg_cluster.url(pg_database, user=None))  # type: ignore[arg-type]
    with pytest.raises(WrongPassword):
        accounts.sign_in(store, "fca", PASSWORD)


def test_admin_adds_a_person_with_their_own_login(world, pg_cluster, pg_database) -> None:
    store, admin = _own_store(pg_cluster, pg_database, "admin")
    accounts.add_user(store, admin, "nadia.r", "Nadia Rahman", Role.FCA, "a long new pass",
                      world.team_id)
    with pg_cluster.connect(pg_database, user="nadia.r", password="a long new pass") as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("nadia.r",)
    with pg_cluster.connect(pg_database) as conn:
        verifier = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'nadia.r'"
                                ).fetchone()[0]
        assert verifier.startswith("SCRAM-SHA-256$")
        groups = {r[0] for r in conn.execute(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = 'nadia.r'")}
        assert groups == {"qa_audit_fca"}
    # A supervisor cannot create logins, even by calling the server's function directly.
    sup_store, sup = _own_store(pg_cluster, pg_database, "sup")
    with pytest.raises(PermissionDenied):
        accounts.add_user(sup_store, sup, "rogue", "Rogue", Role.ADMIN, "a long new pass")
    with _raw(pg_cluster, pg_database, "sup") as conn, pytest.raises(
            errors.InsufficientPrivilege):
        conn.execute("SELECT qa_audit_create_login('rogue', 'x', 'admin')")
    store.close()
    sup_store.close()


def test_statement_timeout_is_a_clear_message_and_nothing_is_half_written(
        team, pg_cluster) -> None:
    """Someone's psql holds the rating's row; the save waits, is stopped by the statement
    timeout, says so, and a retry once the row is free goes through."""
    from qa_audit.store.engine import database_url
    from qa_audit.store.postgres import make_pg_engine, with_login

    aid = team.ids["draft"]
    url = with_login(database_url(pg_cluster.url(team.database, user=None)), "sup", PASSWORD)
    store = Store(make_pg_engine(url, statement_timeout_ms=300),
                  url=url.render_as_string(hide_password=False))
    sup = team.actors["sup"]
    blocker = pg_cluster.connect(team.database)
    blocker.execute("SELECT 1 FROM rating WHERE assessment_id = %s FOR UPDATE", (aid,))
    with pytest.raises(StoreError, match="took too long"):
        assessments.save_rating(store, sup, aid, "seen", evidence="Typed while it waited")
    blocker.rollback()
    blocker.close()
    assert assessments.get_assessment(store, sup, aid).ratings["seen"].evidence == "Draft text"
    assessments.save_rating(store, sup, aid, "seen", evidence="Typed while it waited")
    assert (assessments.get_assessment(store, sup, aid).ratings["seen"].evidence
            == "Typed while it waited")
    store.close()


def test_connection_dropped_mid_save_is_a_clear_message_and_a_retry_saves(
        team, pg_cluster) -> None:
    """The server ends the person's connection between two statements of one save: the
    message says nothing was saved, nothing was, and saving again works."""
    from sqlalchemy import event

    store, sup, aid = team.stores["sup"], team.actors["sup"], team.ids["draft"]
    killed = []

    def drop_connection(conn, cursor, statement, *_args) -> None:
        if statement.startswith("UPDATE rating") and not killed:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with pg_cluster.connect(team.database, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            killed.append(pid)

    event.listen(store.engine, "before_cursor_execute", drop_connection)
    with pytest.raises(StoreError, match="connection to it was lost"):
        assessments.save_rating(store, sup, aid, "seen", evidence="Half a save")
    event.remove(store.engine, "before_cursor_execute", drop_connection)
    assert killed
    assert assessments.get_assessment(store, sup, aid).ratings["seen"].evidence == "Draft text"
    assessments.save_rating(store, sup, aid, "seen", evidence="Saved on retry")
    assert assessments.get_assessment(store, sup, aid).ratings["seen"].evidence == (
        "Saved on retry")


def test_people_change_their_own_password_and_admins_reset_others(team, pg_cluster) -> None:
    store, fca = team.stores["fca"], team.actors["fca"]
    accounts.change_password(store, fca, PASSWORD, "my very own words now")
    # Her open store keeps working (new connections use the new password)...
    store.engine.dispose()
    assert listing.count_assessments(store, fca, listing.AssessmentQuery()) == 2
    # ...and the server takes the new password, not the old one.
    with pytest.raises(psycopg.OperationalError):
        _raw(pg_cluster, team.database, "fca")
    pg_cluster.connect(team.database, user="fca", password="my very own words now").close()
    accounts.reset_password(team.stores["admin"], team.actors["admin"], "fca",
                            "set by the administrator")
    pg_cluster.connect(team.database, user="fca", password="set by the administrator").close()
    # Nobody else may reset a password on the server, even by calling its function.
    with _raw(pg_cluster, team.database, "sup") as conn, pytest.raises(
            errors.InsufficientPrivilege):
        conn.execute("SELECT qa_audit_set_password('fca', 'x')")


def test_each_person_reads_only_their_own_audit_events(team, pg_cluster) -> None:
    """Enough for the sign-in notice (who set my password, when I signed in), nothing of
    what others did; the administrator reads the whole log."""
    fca = team.actors["fca"]
    with _raw(pg_cluster, team.database, "fca") as conn:
        rows = conn.execute("SELECT actor_id, entity, entity_id FROM audit_event").fetchall()
        assert rows and all(a in (fca.user_id, None) or (e == "user" and i == str(fca.user_id))
                            for a, e, i in rows)
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("INSERT INTO audit_event (id, at, actor_id, action, entity, "
                         "entity_id, prev_hash, hash) VALUES (gen_random_uuid(), now(), %s, "
                         "'finalise', 'assessment', '', '', '')", (team.actors["sup"].user_id,))
    assert accounts.password_notice(team.stores["fca"], fca) is not None  # set by admin
    with _raw(pg_cluster, team.database, "admin") as conn, pg_cluster.connect(
            team.database) as su:
        assert (conn.execute("SELECT count(*) FROM audit_event").fetchone()
                == su.execute("SELECT count(*) FROM audit_event").fetchone())


def test_moderation_by_the_quality_leads_own_login(team, pg_cluster) -> None:
    """A quality lead draws a sample, scores it blind and records the outcome, all through
    her own login; the outcome on a finalised audit lands as her addendum, which its
    supervisor reads; nobody else reads the moderation itself."""
    from qa_audit.services import moderation
    from qa_audit.services.moderation import Outcome, SampleRules

    store, ql = team.stores["ql"], team.actors["ql"]
    drawn = moderation.draw_sample(store, ql, SampleRules(percent=100), seed=1)
    assert team.ids["final"] in drawn.picked
    items = moderation.list_moderations(store, ql)
    for item in items:
        for standard in ("seen", "care-plan", "sgo"):
            moderation.save_grade(store, ql, item.id, standard, "G")
        moderation.submit(store, ql, item.id)
        moderation.record_outcome(store, ql, item.id, Outcome.CHANGED, "Graded a step low")
    final = assessments.get_assessment(team.stores["sup"], team.actors["sup"], team.ids["final"])
    assert any("Graded a step low" in a.text for a in final.addenda)
    with _raw(pg_cluster, team.database, "ql") as conn:
        assert {r[0] for r in conn.execute("SELECT id FROM moderation")} == {
            i.id for i in items}
    for name in ("fca", "sup", "sup2", "ql-south", "admin"):
        with _raw(pg_cluster, team.database, name) as conn:
            assert conn.execute("SELECT count(*) FROM moderation").fetchone() == (0,), name


def _refused(conn: psycopg.Connection, sql: str, params: tuple = ()) -> str:
    """Run `sql` expecting the server to refuse it; the transaction is rolled back."""
    with pytest.raises(errors.InsufficientPrivilege) as caught:
        conn.execute(sql, params)  # type: ignore[arg-type]
    conn.rollback()
    return str(caught.value)


def _changes(conn: psycopg.Connection, sql: str, params: tuple = ()) -> int:
    count = conn.execute(sql, params).rowcount  # type: ignore[arg-type]
    conn.rollback()
    return count


@pytest.mark.parametrize("change", [
    "overall_grade = 'O'",
    "strengths = 'written by the practitioner'",
    "childs_voice = 'forged'",
    "status = 'finalised'",
    "status = 'responded'",  # her own step: allowed (the rule checks the step is hers)
    "author_id = subject_id",
    "submitted_at = now() - interval '1 year'",
    "finalised_at = now(), content_hash = 'chosen'",
])
def test_practitioner_cannot_rewrite_an_assessment_about_her(team, pg_cluster, change) -> None:
    """Row-level security lets the FCA take her workflow steps on this row; which columns
    she may change, and to what, is the server's write rule."""
    aid = team.ids["submitted"]
    with _raw(pg_cluster, team.database, "fca") as conn:
        if change == "status = 'responded'":
            assert _changes(conn, f"UPDATE assessment SET {change} WHERE id = %s",
                            (aid,)) == 1
            return
        _refused(conn, f"UPDATE assessment SET {change} WHERE id = %s", (aid,))


def test_practitioner_cannot_change_signed_responses_or_her_actions_text(team, pg_cluster
                                                                          ) -> None:
    with _raw(pg_cluster, team.database, "fca") as conn:
        assert conn.execute("SELECT count(*) FROM response").fetchone()[0] >= 1
        _refused(conn, "UPDATE response SET reflection = 'rewritten'")
        _refused(conn, "UPDATE response SET signed_at = NULL")
        action = team.ids["action"]
        _refused(conn, "UPDATE action_item SET text = 'forged' WHERE id = %s", (action,))
        _refused(conn, "UPDATE action_item SET due_on = '2099-01-01' WHERE id = %s",
                 (action,))
        _refused(conn, "UPDATE action_item SET owner_id = NULL WHERE id = %s", (action,))
        # What is hers to do: mark her action open again.
        assert _changes(conn, "UPDATE action_item SET status = 'open', completed_on = NULL "
                              "WHERE id = %s", (action,)) == 1


def test_supervisor_cannot_skip_the_workflow_or_move_a_draft(team, pg_cluster) -> None:
    draft, fca2 = team.ids["draft"], team.actors["fca2"].user_id
    with _raw(pg_cluster, team.database, "sup") as conn:
        for change, params in (("subject_id = %s", (fca2,)),
                               ("status = 'finalised', overall_grade = 'O'", ()),
                               ("status = 'responded'", ()),
                               ("team_id = NULL", ()),
                               ("finalised_at = now()", ())):
            _refused(conn, f"UPDATE assessment SET {change} WHERE id = %s", (*params, draft))
        # Her own draft's content is hers to change.
        assert _changes(conn, "UPDATE assessment SET strengths = 'Clear analysis' "
                              "WHERE id = %s", (draft,)) == 1
        # Grades of a submitted assessment are frozen until it comes back to her.
        submitted = team.ids["submitted"]
        _refused(conn, "UPDATE rating SET grade = 'O' WHERE assessment_id = %s", (submitted,))
        _refused(conn, "DELETE FROM rating WHERE assessment_id = %s", (submitted,))
        _refused(conn, "INSERT INTO response (id, assessment_id, fca_id, reflection, "
                       "agreement, reasons, change_request, updated_at, row_version) VALUES "
                       "(gen_random_uuid(), %s, %s, 'forged', 'agree', '', '', now(), 1)",
                 (draft, team.actors["fca"].user_id))


def test_supervision_record_parts_are_written_by_their_writers(team, pg_cluster) -> None:
    sup, fca = team.actors["sup"], team.actors["fca"]
    sid = supervision.create_session(team.stores["sup"], sup, fca.user_id)
    closed = team.ids["session"]
    with _raw(pg_cluster, team.database, "fca") as conn:
        _refused(conn, "UPDATE supervision_session SET what_happened = 'forged' WHERE id = %s",
                 (sid,))
        _refused(conn, "UPDATE supervision_session SET supervisor_signed_at = now() "
                       "WHERE id = %s", (sid,))
        _refused(conn, "UPDATE supervision_session SET fca_reflection = 'later' WHERE id = %s",
                 (closed,))
        assert _changes(conn, "UPDATE supervision_session SET fca_reflection = 'Mine' "
                              "WHERE id = %s", (sid,)) == 1
    with _raw(pg_cluster, team.database, "sup") as conn:
        _refused(conn, "UPDATE supervision_session SET fca_reflection = 'forged' "
                       "WHERE id = %s", (sid,))
        _refused(conn, "UPDATE supervision_session SET fca_signed_at = now() WHERE id = %s",
                 (sid,))
        _refused(conn, "UPDATE supervision_session SET fca_id = %s WHERE id = %s",
                 (team.actors["fca2"].user_id, sid))
        _refused(conn, "UPDATE supervision_session SET what_happened = 'after' WHERE id = %s",
                 (closed,))
        assert _changes(conn, "UPDATE supervision_session SET what_happened = 'Notes' "
                              "WHERE id = %s", (sid,)) == 1


def test_verify_says_how_much_finalised_content_it_could_check(team, pg_cluster) -> None:
    """An administrator reads no case content on the team store, so her verify cannot
    recompute finalised content hashes: it says so instead of implying it did."""
    admin_store, admin = team.stores["admin"], team.actors["admin"]
    report = audit_log.verify(admin_store, admin)
    assert report.content_total == 1 and report.content_checked == 0
    assert any("0 of 1 finalised assessments checked" in w for w in report.warnings)
    # The owner's connection reads everything: all checked, nothing to warn about.
    whole = audit_log.verify(team.world.store, team.world.admin)
    assert (whole.content_checked, whole.content_total) == (1, 1)
    assert not any("finalised content" in w for w in whole.warnings)


def test_the_next_person_to_sign_in_runs_as_their_own_login(team, pg_cluster) -> None:
    """After a sign-out in the app the same store is signed in to again: the second
    person's work must run under their own login, not the first person's (whose row-level
    security would otherwise decide what the second sees and writes)."""
    from sqlalchemy import text

    store, _sup = _own_store(pg_cluster, team.database, "sup")
    try:
        with store.reading() as session:
            as_sup = session.connection().execute(text("SELECT current_user")).scalar()
        fca = accounts.sign_in(store, "fca", PASSWORD)
        with store.reading() as session:
            conn = session.connection()
            assert (as_sup, conn.execute(text("SELECT current_user")).scalar()) == ("sup",
                                                                                    "fca")
            seen = {r[0] for r in conn.execute(text("SELECT id FROM assessment"))}
        assert seen == {team.ids["submitted"], team.ids["final"]}
        assert fca.user_id == team.actors["fca"].user_id
        # the same person again: only the password is checked, the connection stays
        accounts.sign_in(store, "fca", PASSWORD)
        with pytest.raises(WrongPassword):
            accounts.sign_in(store, "sup", "not the password")
        with store.reading() as session:
            assert session.connection().execute(text("SELECT current_user")).scalar() == "fca"
    finally:
        store.close()
