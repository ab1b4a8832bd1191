"""`qa-audit team init` and people's accounts on a team store, through `qa_audit.cli.main`,
on the tests' own PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from qa_audit.cli import main

ADMIN_PASSWORD = "a long admin passphrase"
SUP_PASSWORD = "the supervisor's own words"


@pytest.fixture
def team_store(pg_cluster, empty_pg_database, tmp_path: Path, capsys) -> dict[str, str]:
    """A team store made by `team init` as the owner (here the cluster's superuser)."""
    owner_url = pg_cluster.url(empty_pg_database)
    (tmp_path / "admin.txt").write_text(ADMIN_PASSWORD)
    assert main(["team", "init", "--db", owner_url, "--admin", "Boss", "--name", "Bea Boss",
                 "--new-password-file", str(tmp_path / "admin.txt")]) == 0
    assert "administrator boss created" in capsys.readouterr().out
    person_url = pg_cluster.url(empty_pg_database, user=None)
    return {"owner": owner_url, "person": person_url, "db": empty_pg_database}


def test_init_then_admin_adds_a_supervisor_who_signs_in_as_herself(
        team_store, pg_cluster, monkeypatch, capsys) -> None:
    url = team_store["person"]
    monkeypatch.setenv("QA_AUDIT_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("QA_AUDIT_NEW_PASSWORD", SUP_PASSWORD)
    assert main(["users", "add", "sam", "--name", "Sam Supervisor", "--role", "supervisor",
                 "--db", url, "--user", "boss"]) == 0
    assert main(["users", "list", "--db", url, "--user", "boss"]) == 0
    assert "sam\tsupervisor" in capsys.readouterr().out
    # Sam's own password opens her own login, on the server itself.
    with pg_cluster.connect(team_store["db"], user="sam", password=SUP_PASSWORD) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("sam",)
    monkeypatch.setenv("QA_AUDIT_PASSWORD", SUP_PASSWORD)
    assert main(["frameworks", "list", "--db", url, "--user", "sam"]) == 0
    monkeypatch.setenv("QA_AUDIT_PASSWORD", ADMIN_PASSWORD)
    assert main(["audit-log", "verify", "--db", url, "--user", "boss"]) == 0
    assert "audit log intact" in capsys.readouterr().out


def test_init_again_keeps_accounts_and_needs_no_password(team_store, capsys) -> None:
    assert main(["team", "init", "--db", team_store["owner"], "--admin", "boss"]) == 0
    assert "already existed (unchanged)" in capsys.readouterr().out


def test_wrong_password_and_missing_sign_in_are_clear(team_store, monkeypatch,
                                                       capsys) -> None:
    url = team_store["person"]
    monkeypatch.setenv("QA_AUDIT_PASSWORD", "not the right one")
    assert main(["users", "list", "--db", url, "--user", "boss"]) == 1
    assert "username or password is not right" in capsys.readouterr().err
    assert main(["users", "list", "--db", url]) == 1
    assert "give --user NAME" in capsys.readouterr().err


def test_unreachable_server_and_missing_database_are_clear(pg_cluster, tmp_path, monkeypatch,
                                                            capsys) -> None:
    monkeypatch.setenv("QA_AUDIT_PASSWORD", ADMIN_PASSWORD)
    nowhere = f"postgresql:///qa?host={tmp_path}"  # a folder with no server socket in it
    assert main(["users", "list", "--db", nowhere, "--user", "boss"]) == 1
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "Traceback" not in err
    missing = pg_cluster.url("no_such_store")
    assert main(["team", "init", "--db", missing, "--admin", "boss"]) == 1
    assert "There is no team store" in capsys.readouterr().err


def test_audit_log_cannot_be_emptied_by_the_administrator_either(team_store, pg_cluster) -> None:
    with pg_cluster.connect(team_store["db"], user="boss", password=ADMIN_PASSWORD) as conn:
        assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] >= 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_event")


def test_demo_team_store_fca_sees_exactly_hers_under_her_own_login(
        pg_cluster, empty_pg_database, capsys, monkeypatch) -> None:
    from qa_audit.services.demo import DEMO_PASSWORD

    assert main(["demo", "--db", pg_cluster.url(empty_pg_database), "--assessments", "400",
                 "--seed", "3"]) == 0
    capsys.readouterr()
    with pg_cluster.connect(empty_pg_database) as conn:  # the superuser: every row
        assert conn.execute("SELECT count(*) FROM assessment").fetchone() == (400,)
        fcas = conn.execute(
            "SELECT u.username, count(a.id) FILTER (WHERE a.status <> 'draft'), "
            "count(a.id) FROM user_account u JOIN assessment a ON a.subject_id = u.id "
            "WHERE u.role = 'fca' GROUP BY u.username HAVING count(*) FILTER "
            "(WHERE a.status = 'draft') > 0 ORDER BY u.username LIMIT 3").fetchall()
        assert conn.execute("SELECT count(*) FROM user_account WHERE password_hash <> ''"
                            ).fetchone() == (0,)
    assert fcas, "the demo has FCAs with drafts about them"
    for username, not_draft, _all in fcas:
        with pg_cluster.connect(empty_pg_database, user=username,
                                password=DEMO_PASSWORD) as conn:
            assert conn.execute("SELECT count(*) FROM assessment").fetchone() == (not_draft,)
    monkeypatch.setenv("QA_AUDIT_PASSWORD", DEMO_PASSWORD)
    url = pg_cluster.url(empty_pg_database, user=None)
    assert main(["users", "list", "--db", url, "--user", "admin"]) == 0
    assert "admin\tadmin" in capsys.readouterr().out
    # The load wrote the server's copies itself (its triggers are off during a load).
    with pg_cluster.connect(empty_pg_database) as conn:
        assert conn.execute(
            "SELECT count(*) FROM rating r JOIN assessment a ON a.id = r.assessment_id "
            "WHERE (r.scope_team_id, r.scope_region_id, r.scope_subject_id, r.scope_status) "
            "IS DISTINCT FROM (a.team_id, a.region_id, a.subject_id, a.status)").fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM assessment a JOIN case_file c ON c.id = a.case_id "
            "WHERE a.case_reference IS DISTINCT FROM c.reference").fetchone() == (0,)
    # The administrator's sign-ins above are signed with her own key; verify checks them.
    assert main(["audit-log", "verify", "--db", url, "--user", "admin"]) == 0
    assert "audit log intact" in capsys.readouterr().out
    with pg_cluster.connect(empty_pg_database) as conn:
        conn.execute("UPDATE audit_event SET signature = '' WHERE seq = (SELECT max(seq) FROM "
                     "audit_event WHERE action = 'sign_in')")
    assert main(["audit-log", "verify", "--db", url, "--user", "admin"]) == 1
    assert "names an actor who signs events, but is not signed" in capsys.readouterr().err


def test_a_team_store_whose_owner_is_not_a_superuser(pg_cluster, tmp_path: Path,
                                                     capsys) -> None:
    """`team init` by a maintenance login that may create roles but is no superuser (as a
    hosted PostgreSQL gives): the server's own look-ups and copies (a rating's scope, an
    action's draft check) still see every row, so a practitioner sees her submitted
    audit's ratings and not her draft's."""
    import uuid

    from qa_audit.domain.framework import AssessmentKind
    from qa_audit.services import accounts, assessments, cases, frameworks
    from qa_audit.services.database import Store

    name = f"k_{uuid.uuid4().hex[:12]}"
    keeper = f"keeper_{uuid.uuid4().hex[:6]}"
    pg_cluster.admin(f"CREATE ROLE {keeper} LOGIN CREATEROLE PASSWORD 'keeper pass 1'")
    pg_cluster.admin(f'CREATE DATABASE "{name}" OWNER {keeper}')
    try:
        owner_url = pg_cluster.url(name, user=keeper, password="keeper pass 1")
        (tmp_path / "admin.txt").write_text(ADMIN_PASSWORD)
        assert main(["team", "init", "--db", owner_url, "--admin", "Boss", "--name", "Bea",
                     "--new-password-file", str(tmp_path / "admin.txt")]) == 0
        capsys.readouterr()
        store = Store.open(pg_cluster.url(name, user=None))  # type: ignore[arg-type]
        try:
            admin = accounts.sign_in(store, "boss", ADMIN_PASSWORD)
            region = accounts.add_org_unit(store, admin, "North", "region")
            team = accounts.add_org_unit(store, admin, "Team 1", "team", region.id)
            for username, role in (("sue", "supervisor"), ("fay", "fca")):
                accounts.add_user(store, admin, username, username.title(),
                                  accounts.Role(role), ADMIN_PASSWORD, team.id)
            version = frameworks.import_framework_file(
                store, admin, Path(__file__).parent.parent / "fixtures" / "mini.yaml").version.id
            fay_id = next(u.id for u in accounts.list_users(store, admin)
                          if u.username == "fay")
        finally:
            store.close()
        sue_store = Store.open(pg_cluster.url(name, user=None))  # type: ignore[arg-type]
        try:
            sue = accounts.sign_in(sue_store, "sue", ADMIN_PASSWORD)
            case = cases.create_case(sue_store, sue, "PL-2024-00001", "care_order")
            ids = [assessments.create_assessment(sue_store, sue, AssessmentKind.CASE_AUDIT,
                                                 version, fay_id, case_id=case.id)
                   for _ in range(2)]
            for aid in ids:
                assessments.set_context(sue_store, sue, aid, "setting", "Home visit")
                assessments.save_rating(sue_store, sue, aid, "seen", grade="G", evidence="Seen")
                assessments.save_rating(sue_store, sue, aid, "care-plan", grade="RI",
                                        evidence="Not tested")
                assessments.save_rating(sue_store, sue, aid, "sgo", grade="N/A")
                assessments.add_action(sue_store, sue, aid, "Read the plan", owner_id=fay_id)
            assessments.submit(sue_store, sue, ids[0])
        finally:
            sue_store.close()
        with pg_cluster.connect(name, user="fay", password=ADMIN_PASSWORD) as conn:
            assert {r[0] for r in conn.execute("SELECT assessment_id FROM rating")} == {ids[0]}
            assert {r[0] for r in conn.execute("SELECT assessment_id FROM action_item")
                    } == {ids[0]}
    finally:
        pg_cluster.drop_database_and_roles(name)
