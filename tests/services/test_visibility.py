"""Who sees what, proven from outside the code's own tables.

A generated organisation holds every role (two regions, several teams, FCAs, supervisors,
quality leads, an administrator, a disabled account) and records in every state. For each
person and each reading or listing service, the records returned must be exactly the ones
this file computes from the rules as DESIGN.md section 4 writes them:

- a supervisor works on their own team's records (drafts included);
- an FCA sees only submitted-or-later assessments about themselves, and the supervision
  records and actions that are theirs;
- a quality lead reads their region's submitted-or-later assessments;
- a head of service reads every region's submitted-or-later assessments and their themes,
  edits nothing and lists no one;
- an administrator manages accounts and teams but reads no case content.

The expectations below are written out as plain Python over the generated records; they do
not import the permission matrix or its scope rules.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from qa_audit.domain.permissions import Actor, Role
from qa_audit.errors import PermissionDenied
from qa_audit.reports.model import Profile
from qa_audit.services import (
    accounts,
    assessments,
    cases,
    exports,
    frameworks,
    listing,
    summaries,
    themes,
)
from qa_audit.services import supervision as sv
from qa_audit.services.database import Store
from qa_audit.store.tables import ActionItem, Assessment, Rating, SupervisionSession
from tests.conftest import FIXTURES, PASSWORD

STATUSES = ("draft", "submitted", "returned", "responded", "moderation", "finalised")
TODAY = dt.date.today()


@dataclass
class Person:
    username: str
    role: Role
    team: str | None
    region: str | None
    active: bool = True
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class Record:
    """An assessment as the test knows it."""

    id: uuid.UUID
    team: str
    region: str
    author: str
    subject: str
    status: str
    case: str


@dataclass
class Org:
    store: Store
    people: dict[str, Person]
    team_ids: dict[str, uuid.UUID]
    assessments: list[Record]
    sessions: dict[uuid.UUID, tuple[str, str, str]]  # id -> (team, supervisor, fca)
    actions: dict[uuid.UUID, tuple[uuid.UUID | None, uuid.UUID | None, str]]  # a, s, owner
    cases: dict[str, str]  # reference -> team
    actors: dict[str, Actor]
    framework_id: str

    def person(self, user_id: uuid.UUID) -> Person:
        return next(p for p in self.people.values() if p.id == user_id)


TEAMS = {"north-1": "north", "north-2": "north", "south-1": "south"}


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    accounts.use_fast_hashing()
    store = Store.open(tmp_path_factory.mktemp("org") / "org.db")
    system = accounts.system_actor()
    regions = {r: accounts.add_org_unit(store, system, r.title(), "region").id
               for r in ("north", "south")}
    team_ids = {t: accounts.add_org_unit(store, system, t, "team", regions[r]).id
                for t, r in TEAMS.items()}
    people: dict[str, Person] = {"admin": Person("admin", Role.ADMIN, None, None)}
    for team, region in TEAMS.items():
        for n in (1, 2):
            people[f"sup{n}-{team}"] = Person(f"sup{n}-{team}", Role.SUPERVISOR, team, region)
            people[f"fca{n}-{team}"] = Person(f"fca{n}-{team}", Role.FCA, team, region)
    people["ql-north"] = Person("ql-north", Role.QUALITY_LEAD, "north-1", "north")
    people["ql-south"] = Person("ql-south", Role.QUALITY_LEAD, "south-1", "south")
    people["head"] = Person("head", Role.HEAD_OF_SERVICE, None, None)
    people["gone-north-1"] = Person("gone-north-1", Role.FCA, "north-1", "north", active=False)
    for p in people.values():
        info = accounts.add_user(store, system, p.username, f"Name of {p.username}", p.role,
                                 PASSWORD, team_ids[p.team] if p.team else None)
        p.id = info.id
    accounts.set_active(store, system, "gone-north-1", False)
    fv = frameworks.import_framework_file(store, system, FIXTURES / "mini.yaml").version
    actors = {name: accounts.sign_in(store, name, PASSWORD)
              for name, p in people.items() if p.active}

    records: list[Record] = []
    sessions: dict[uuid.UUID, tuple[str, str, str]] = {}
    actions: dict[uuid.UUID, tuple[uuid.UUID | None, uuid.UUID | None, str]] = {}
    case_teams: dict[str, str] = {}
    serial = itertools.count(1)
    for team in TEAMS:
        sup = actors[f"sup1-{team}"]
        for fca_n in (1, 2):
            fca = people[f"fca{fca_n}-{team}"]
            ref = f"PL-{team.upper()}-{fca_n:03d}"
            cases.create_case(store, sup, ref, "care_order", fca_id=fca.id)
            case_teams[ref] = team
        if team == "north-1":  # a case of the disabled practitioner's, still the team's
            ref = "PL-NORTH-1-GONE"
            cases.create_case(store, sup, ref, "care_order")
            case_teams[ref] = team
    case_ids = {c.reference: c.id for c in cases.list_cases(store, actors["admin"])}
    with store.unit_of_work() as s:
        for team, region in TEAMS.items():
            others = {1: f"fca2-{team}", 2: f"fca1-{team}"}
            for sup_n, fca_n, status in itertools.product((1, 2), (1, 2), STATUSES):
                author, subject = f"sup{sup_n}-{team}", f"fca{fca_n}-{team}"
                ref = f"PL-{team.upper()}-{fca_n:03d}"
                a = Assessment(
                    kind="case_audit", framework_version_id=fv.id, case_id=case_ids[ref],
                    subject_id=people[subject].id, author_id=people[author].id,
                    team_id=team_ids[team], region_id=regions[region], status=status,
                    assessed_on=TODAY - dt.timedelta(days=next(serial)), overall_grade="G")
                s.add(a)
                s.flush()
                s.add(Rating(assessment_id=a.id, standard_id="seen", grade="G"))
                s.add(Rating(assessment_id=a.id, standard_id="care-plan", grade="RI"))
                records.append(Record(a.id, team, region, author, subject, status, ref))
                # one action for the practitioner, one owned by a colleague in the team
                for owner in (subject, others[fca_n]):
                    item = ActionItem(assessment_id=a.id, text="Do it",
                                      owner_id=people[owner].id)
                    s.add(item)
                    s.flush()
                    actions[item.id] = (a.id, None, owner)
            for sup_n, fca_n in itertools.product((1, 2), (1, 2)):
                sup_name, fca_name = f"sup{sup_n}-{team}", f"fca{fca_n}-{team}"
                row = SupervisionSession(supervisor_id=people[sup_name].id,
                                         fca_id=people[fca_name].id, team_id=team_ids[team],
                                         held_on=TODAY)
                s.add(row)
                s.flush()
                sessions[row.id] = (team, sup_name, fca_name)
                item = ActionItem(session_id=row.id, text="Read", owner_id=people[fca_name].id)
                s.add(item)
                s.flush()
                actions[item.id] = (None, row.id, fca_name)
    return Org(store, people, team_ids, records, sessions, actions, case_teams, actors,
               fv.framework_id)


# -- the rules, as DESIGN.md writes them ------------------------------------------------------
def sees_assessment(p: Person, r: Record) -> bool:
    if p.role is Role.SUPERVISOR:
        return r.team == p.team
    if p.role is Role.FCA:
        return r.subject == p.username and r.status != "draft"
    if p.role is Role.QUALITY_LEAD:
        return r.region == p.region and r.status != "draft"
    if p.role is Role.HEAD_OF_SERVICE:
        return r.status != "draft"
    return False


def sees_session(p: Person, team: str, fca: str) -> bool:
    if p.role is Role.SUPERVISOR:
        return team == p.team
    if p.role is Role.FCA:
        return fca == p.username
    return False


def sees_action(org: Org, p: Person, action_id: uuid.UUID) -> bool:
    aid, sid, owner = org.actions[action_id]
    if aid is not None:
        record = next(r for r in org.assessments if r.id == aid)
        if record.status == "draft":  # only the author's team sees a draft's actions
            return sees_assessment(p, record)
        return sees_assessment(p, record) or owner == p.username
    team, _, fca = org.sessions[sid]  # type: ignore[index]
    return sees_session(p, team, fca) or owner == p.username


def people_listed(org: Org, p: Person) -> set[str]:
    """Who appears in this person's pickers and account lists."""
    everyone = org.people.values()
    if p.role is Role.ADMIN:
        return {q.username for q in everyone}
    if p.role is Role.SUPERVISOR:
        return {q.username for q in everyone if q.team == p.team}
    if p.role is Role.QUALITY_LEAD:
        return {q.username for q in everyone if q.region == p.region}
    if p.role is Role.HEAD_OF_SERVICE:
        return set()
    return {p.username}


ACTORS = ["admin", "sup1-north-1", "sup2-north-1", "sup1-south-1", "fca1-north-1",
          "fca2-north-2", "fca1-south-1", "ql-north", "ql-south", "head"]


def _ids(rows: list[Record]) -> set[uuid.UUID]:
    return {r.id for r in rows}


@pytest.mark.parametrize("name", ACTORS)
def test_assessment_list_and_reading(org: Org, name: str) -> None:
    actor, person = org.actors[name], org.people[name]
    expected = _ids([r for r in org.assessments if sees_assessment(person, r)])
    listed = listing.list_assessments(org.store, actor, listing.AssessmentQuery(), limit=10_000)
    assert {row.id for row in listed} == expected
    assert listing.count_assessments(org.store, actor, listing.AssessmentQuery()) == len(expected)
    for r in org.assessments[::5]:
        if r.id in expected:
            assert assessments.get_assessment(org.store, actor, r.id).id == r.id
        else:
            with pytest.raises(PermissionDenied):
                assessments.get_assessment(org.store, actor, r.id)


@pytest.mark.parametrize("name", ACTORS)
def test_people_teams_and_practitioners(org: Org, name: str) -> None:
    actor, person = org.actors[name], org.people[name]
    listed = {u.username for u in accounts.list_users(org.store, actor)}
    assert listed == people_listed(org, person)

    teams = {n for _, n in accounts.teams_visible(org.store, actor)}
    if person.role is Role.SUPERVISOR:
        assert teams == {person.team}
    elif person.role is Role.QUALITY_LEAD:
        assert teams == {t for t, r in TEAMS.items() if r == person.region}
    elif person.role is Role.HEAD_OF_SERVICE:
        assert teams == set(TEAMS)
    else:
        assert teams == set()

    practitioners = {org.person(i).username for i, _ in
                     accounts.practitioners_visible(org.store, actor)}
    fcas = [p for p in org.people.values() if p.role is Role.FCA and p.active]
    if person.role is Role.FCA:
        assert practitioners == {person.username}
    elif person.role is Role.SUPERVISOR:
        assert practitioners == {p.username for p in fcas if p.team == person.team}
    elif person.role is Role.QUALITY_LEAD:
        assert practitioners == {p.username for p in fcas if p.region == person.region}
    else:
        assert practitioners == set()


@pytest.mark.parametrize("name", ACTORS)
def test_cases(org: Org, name: str) -> None:
    actor, person = org.actors[name], org.people[name]
    listed = {c.reference for c in cases.list_cases(org.store, actor, limit=1000)}
    if person.role is Role.ADMIN:
        assert listed == set(org.cases)
    elif person.role is Role.SUPERVISOR:
        assert listed == {ref for ref, team in org.cases.items() if team == person.team}
    else:
        assert listed == set()


@pytest.mark.parametrize("name", ACTORS)
def test_open_actions_of_anyone(org: Org, name: str) -> None:
    """Asking for another person's actions returns only those this person may see."""
    actor, person = org.actors[name], org.people[name]
    drafts = {r.id for r in org.assessments if r.status == "draft"}
    for owner in ("fca1-north-1", "fca2-north-2", "fca1-south-1", name):
        owner_id = org.people[owner].id
        got = {a.id for a in listing.open_actions(org.store, actor, owner_id=owner_id)}
        expected = {i for i, (aid, _, who) in org.actions.items()
                    if who == owner and aid not in drafts and sees_action(org, person, i)}
        assert got == expected, owner


@pytest.mark.parametrize("name", ACTORS)
def test_supervision_records_and_suggestions(org: Org, name: str) -> None:
    actor, person = org.actors[name], org.people[name]
    listed = {s.id for s in sv.list_sessions(org.store, actor)}
    assert listed == {i for i, (team, _, fca) in org.sessions.items()
                      if sees_session(person, team, fca)}
    for sid in list(org.sessions)[::3]:
        if sid in listed:
            assert sv.get_session(org.store, actor, sid).id == sid
        else:
            with pytest.raises(PermissionDenied):
                sv.get_session(org.store, actor, sid)
    for fca in ("fca1-north-1", "fca1-south-1"):
        rows, actions = sv.suggest(org.store, actor, org.people[fca].id, months=12)
        assert {r.id for r in rows} == _ids([
            r for r in org.assessments if r.subject == fca and r.status != "draft"
            and r.status != "returned" and sees_assessment(person, r)])
        assert all(sees_action(org, person, a.id) for a in actions)
        assert {a.id for a in actions} == {
            i for i, (_, _, who) in org.actions.items()
            if who == fca and sees_action(org, person, i)}


def _expect_denied(person: Person, allowed_roles: set[Role], call: Callable[[], object]
                   ) -> object | None:
    if person.role in allowed_roles:
        return call()
    with pytest.raises(PermissionDenied):
        call()
    return None


@pytest.mark.parametrize("name", ACTORS)
def test_themes_exports_and_summaries(org: Org, name: str, tmp_path: Path) -> None:
    actor, person = org.actors[name], org.people[name]
    readers = {Role.SUPERVISOR, Role.QUALITY_LEAD, Role.HEAD_OF_SERVICE}
    seen = [r for r in org.assessments if sees_assessment(person, r)]

    dist = _expect_denied(person, readers, lambda: themes.grade_distribution(
        org.store, actor, org.framework_id))
    if dist is not None:
        graded = [r for r in seen if r.status != "draft"]
        assert sum(c.count for c in dist.counts) == 2 * len(graded)  # type: ignore[attr-defined]

    result = _expect_denied(person, readers, lambda: exports.export_csv(
        org.store, actor, tmp_path / "csv"))
    if result is not None:
        assert result.counts["assessments"] == len(seen)  # type: ignore[attr-defined]
        assert result.counts["ratings"] == 2 * len(seen)  # type: ignore[attr-defined]

    for fca in ("fca1-north-1", "fca1-south-1"):
        fca_person = org.people[fca]
        may = ((person.role is Role.SUPERVISOR and person.team == fca_person.team)
               or (person.role is Role.QUALITY_LEAD and person.region == fca_person.region)
               or person.username == fca)
        call = lambda fca_person=fca_person: summaries.period_report(  # noqa: E731
            org.store, actor, fca_person.id, TODAY - dt.timedelta(days=400), TODAY,
            Profile.MANAGER)
        if not may:
            with pytest.raises(PermissionDenied):
                call()
            continue
        report = call()
        expected = [r for r in seen if r.subject == fca and r.status != "draft"]
        assert len(report.assessments) == len(expected)

    for team in TEAMS:
        may = ((person.role is Role.SUPERVISOR and person.team == team)
               or (person.role is Role.QUALITY_LEAD and person.region == TEAMS[team])
               or person.role is Role.HEAD_OF_SERVICE)
        call = lambda team=team: summaries.team_report(  # noqa: E731
            org.store, actor, org.team_ids[team], TODAY - dt.timedelta(days=400), TODAY,
            Profile.MANAGER)
        if not may:
            with pytest.raises(PermissionDenied):
                call()
            continue
        counted = sum(n for _, n in call().status_counts)
        assert counted == len([r for r in seen if r.team == team])
        if person.role is Role.HEAD_OF_SERVICE:  # every region's, none of them drafts
            assert counted == len([r for r in org.assessments
                                   if r.team == team and r.status != "draft"])
