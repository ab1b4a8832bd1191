"""A realistic demo database, generated fast with Core bulk inserts.

Regions, service areas and teams; supervisors, FCAs, quality leads, a head of service
and an admin; cases with issue, allocation, hearing and conclusion dates; case audits and
practice observations in every workflow state, graded on each framework's own scale with
differences by team and standard so themes show; actions, responses and context
answers. Deterministic for a seed. Works for any valid set of frameworks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import unicodedata
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlmodel import col

from qa_audit.domain.framework import (
    NOT_APPLICABLE,
    AssessmentKind,
    FieldType,
    Framework,
)
from qa_audit.domain.permissions import Actor, Role
from qa_audit.domain.records import ActionStatus, Agreement, OrgUnitKind
from qa_audit.domain.scoring import needs_evidence, overall_grade
from qa_audit.domain.timescales import CASE_TYPES
from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput
from qa_audit.store import tables
from qa_audit.store.bulk import (
    indexes_deferred,
    insert_many,
    insert_records,
    insert_tuples,
    large_cache,
    loading,
    storage_value,
)
from qa_audit.store.database import Store
from qa_audit.store.sqlite_files import set_journal_mode

from . import accounts, audit_log, demo_text, frameworks, team_store
from .documents import quarter as documents_quarter
from .read_models import RatingInfo, canonical_assessment

DEMO_PASSWORD = "demo-password-2024"
RATING_COLUMNS = ("id", "assessment_id", "standard_id", "grade", "indicators", "evidence",
                  "commentary", "updated_at", "row_version")
# The team store's copy of each rating's assessment scope (its triggers keep it, but are off
# during the load): written by the load itself there, left empty on a local file.
RATING_SCOPE = ("scope_team_id", "scope_region_id", "scope_subject_id", "scope_status")
# "In moderation" is not generated: the quality leads' moderation step below draws its
# sample through the moderation service, which puts the drawn audits there.
STATUS_WEIGHTS = {
    Status.FINALISED: 60, Status.DRAFT: 14, Status.SUBMITTED: 10, Status.RESPONDED: 12,
    Status.RETURNED: 4,
}


@dataclass(frozen=True)
class DemoSummary:
    regions: int
    service_areas: int
    teams: int
    users: int
    cases: int
    assessments: int
    ratings: int
    actions: int
    responses: int
    by_status: dict[str, int] = field(default_factory=dict)
    sample_usernames: tuple[str, ...] = ()
    moderation: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        states = ", ".join(f"{n} {s}" for s, n in sorted(self.by_status.items()))
        return (
            f"Demo data: {self.regions} regions, {self.service_areas} service areas, "
            f"{self.teams} teams, {self.users} accounts, {self.cases} cases\n"
            f"{self.assessments} assessments ({states}), {self.ratings} ratings, "
            f"{self.actions} actions, {self.responses} responses\n"
            f"Moderation: {self.moderation.get('drawn', 0)} audits drawn, "
            f"{self.moderation.get('scored', 0)} scored blind, "
            f"{self.moderation.get('decided', 0)} outcomes recorded"
        )


def _t(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _uid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _ascii(text: str) -> str:
    flat = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in flat if c.isascii() and (c.isalnum())).lower()


def generate_demo(
    store: Store, *, assessments: int, seed: int, frameworks: Sequence[Path]
) -> DemoSummary:
    """Fill an empty database with demo data; refuses a database that already has users."""
    if assessments < 1:
        raise InvalidInput("Ask for at least one assessment.")
    if accounts.user_count(store) > 0:
        raise InvalidInput("This database already has accounts; demo data goes into a new "
                           "database (give a new --db path).")
    if store.is_team_store:
        team_store.install(store)  # roles and policies first: the people get logins
    fws = _import_frameworks(store, frameworks)
    gen = _Generator(random.Random(seed), fws, assessments)
    gen.scope_copies = store.is_team_store
    sqlite = store.engine.dialect.name == "sqlite"
    if sqlite:
        # One big load into a new file: a rollback journal avoids writing every page twice
        # (into the WAL and again at checkpoint). WAL comes back right after.
        _journal_mode(store, "DELETE")
    # A big page cache for the load (B-trees of a million rows), then the usual size again.
    with store.engine.begin() as conn, large_cache(conn, 500):
        gen.organisation(conn)
        gen.people(conn)
        gen.cases(conn)
        heavy = [_t(m) for m in (tables.Assessment, tables.Rating, tables.ActionItem,
                                 tables.Response)]
        with loading(conn, heavy), indexes_deferred(conn, heavy):
            gen.assessments(conn)
    if sqlite:
        _journal_mode(store, "WAL")
    accounts.grant_shared_password(store, gen.usernames, DEMO_PASSWORD)
    if store.is_team_store:
        team_store.create_logins(store, gen.people_roles, DEMO_PASSWORD)
    with store.unit_of_work() as session:
        audit_log.record(session, accounts.system_actor(), "demo_generated", "database")
    moderated = demo_moderation(store, random.Random(seed * 7919 + 17),
                                percent=10.0 if assessments < 20_000 else 1.0)
    return gen.summary(moderated)


def demo_moderation(store: Store, rng: random.Random, *, percent: float,
                    scored_per_region: int = 12) -> Counter[str]:
    """The quality leads' moderation, done through the moderation service as a lead does it:
    each draws a sample of last quarter's case audits (its seed recorded), scores part of
    it blind and submits, and records the outcome of most of those; the rest of the sample
    waits to be scored, and audits not yet finalised wait 'In moderation'."""
    from . import moderation

    counts: Counter[str] = Counter()
    first, last = documents_quarter(dt.date.today(), back=1)
    with store.reading() as session:
        leads = session.execute(
            select(tables.User, col(tables.OrgUnit.region_id))
            .join(tables.OrgUnit, col(tables.OrgUnit.id) == col(tables.User.team_id))
            .where(col(tables.User.role) == Role.QUALITY_LEAD.value)
            .order_by(col(tables.User.username))).all()
    for user, region_id in leads:
        lead = Actor(user.id, Role.QUALITY_LEAD, user.team_id, region_id, user.display_name)
        rules = moderation.SampleRules(percent, True, first, last)
        drawn = moderation.draw_sample(store, lead, rules, seed=rng.randrange(2**31 - 1))
        counts["drawn"] += len(drawn.picked)
        to_score = min(scored_per_region, len(drawn.picked) * 2 // 3)
        for aid in drawn.picked[:to_score]:
            mid = next(m.id for m in moderation.list_moderations(store, lead)
                       if m.assessment_id == aid)
            _score_blind(store, lead, mid, rng)
            counts["scored"] += 1
            if rng.random() < 0.7:
                compared = moderation.compare(store, lead, mid)
                same = all(not p.differs for p in compared.pairs)
                outcome = moderation.Outcome.CONFIRMED if same or rng.random() < 0.6 else (
                    moderation.Outcome.CHANGED)
                note = "" if outcome is moderation.Outcome.CONFIRMED else rng.choice(
                    demo_text.MODERATION_NOTES)
                moderation.record_outcome(store, lead, mid, outcome, note)
                counts["decided"] += 1
    with store.reading() as session:
        counts["held"] = int(session.execute(
            select(func.count()).select_from(tables.Assessment)
            .where(col(tables.Assessment.status) == Status.MODERATION.value)
        ).scalar_one())
    return counts


def _score_blind(store: Store, lead: Actor, moderation_id: uuid.UUID,
                 rng: random.Random) -> None:
    """A second scorer's grades: the moderator cannot see the originals, so the demo draws
    them from the audit's own grade (read here, below the services) moved one step now and
    then, as a second reader's would."""
    from . import moderation

    form = moderation.get_form(store, lead, moderation_id)
    fw = frameworks.get_framework(store, form.framework_version_id)
    with store.reading() as session:
        original: dict[str, str | None] = dict(session.execute(
            select(col(tables.Rating.standard_id), col(tables.Rating.grade))
            .where(col(tables.Rating.assessment_id) == form.assessment_id)).all())
    codes = fw.scale.codes
    for standard in fw.standards():
        code = original.get(standard.id)
        if code in codes and rng.random() < 0.25:
            code = codes[max(0, min(len(codes) - 1, codes.index(code) + rng.choice((-1, 1))))]
        if code:
            moderation.save_grade(store, lead, moderation_id, standard.id, code)
    moderation.submit(store, lead, moderation_id)


def _journal_mode(store: Store, mode: str) -> None:
    store.engine.dispose()  # the mode can only change with no other connection open
    set_journal_mode(store.engine, mode)


def _import_frameworks(
    store: Store, paths: Sequence[Path]
) -> list[tuple[uuid.UUID, Framework]]:
    if not paths:
        raise InvalidInput("No framework files to build demo data on.")
    out = []
    for path in paths:
        info = frameworks.import_framework_file(store, accounts.system_actor(), path).version
        out.append((info.id, frameworks.get_framework(store, info.id)))
    return out


class _Generator:
    def __init__(self, rng: random.Random, fws: list[tuple[uuid.UUID, Framework]],
                 n: int) -> None:
        self.rng, self.fws, self.n = rng, fws, n
        self.shas = {fid: framework.sha256() for fid, framework in fws}
        self.today = dt.date.today()
        self.now = dt.datetime.now(dt.UTC)
        self.usernames: list[str] = []
        self.people_roles: list[tuple[str, str]] = []
        self.teams: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        self.status_counts: Counter[str] = Counter()
        self.samples: list[str] = []
        # The team store's copies kept by its triggers (off during the load): ratings carry
        # their assessment's scope, assessments their case's reference.
        self.scope_copies = False
        self._taken: set[str] = set()
        self.fca_quality: dict[uuid.UUID, float] = {}

    # -- organisation and people ----------------------------------------------------------
    def organisation(self, conn: Connection) -> None:
        rng, rows = self.rng, []
        teams_per_area = 2 if self.n < 20_000 else 3
        for region, areas in demo_text.REGIONS.items():
            rid = _uid(rng)
            rows.append({"id": rid, "name": region, "kind": OrgUnitKind.REGION, "parent_id": None,
                         "region_id": rid, "row_version": 1})
            self.counts["regions"] += 1
            for area in areas[:2]:
                aid = _uid(rng)
                rows.append({"id": aid, "name": area, "kind": OrgUnitKind.SERVICE_AREA,
                             "parent_id": rid, "region_id": rid, "row_version": 1})
                self.counts["service_areas"] += 1
                for number in range(1, teams_per_area + 1):
                    tid = _uid(rng)
                    name = f"{area} {number}"
                    rows.append({"id": tid, "name": name, "kind": OrgUnitKind.TEAM,
                                 "parent_id": aid, "region_id": rid, "row_version": 1})
                    # Latent practice quality and delay of the team, so themes differ.
                    self.teams.append({"id": tid, "region_id": rid, "name": name,
                                       "quality": rng.gauss(0, 0.45),
                                       "delay": rng.random(), "fcas": [], "supervisors": []})
        self.counts["teams"] = len(self.teams)
        insert_many(conn, _t(tables.OrgUnit), rows)

    def _username(self, first: str, last: str) -> str:
        base = f"{_ascii(first)}.{_ascii(last)}"
        name, n = base, 1
        while name in self._taken:
            n += 1
            name = f"{base}{n}"
        self._taken.add(name)
        return name

    def _person(self, role: Role, team: dict[str, Any] | None, pw_hash: str,
                username: str | None = None) -> dict[str, Any]:
        first = self.rng.choice(demo_text.FIRST_NAMES)
        last = self.rng.choice(demo_text.LAST_NAMES)
        username = username or self._username(first, last)
        self._taken.add(username)
        self.usernames.append(username)
        self.people_roles.append((username, role.value))
        return {"id": _uid(self.rng), "username": username, "display_name": f"{first} {last}",
                "role": role.value, "team_id": team["id"] if team else None, "active": True,
                "password_hash": pw_hash, "created_at": self.now, "row_version": 1}

    def people(self, conn: Connection) -> None:
        pw_hash = accounts.hash_password(DEMO_PASSWORD)  # once: argon2 is slow by design
        rows = [self._person(Role.ADMIN, None, pw_hash, "admin")]
        fcas_per_team = 5 if self.n < 20_000 else 8
        leads: dict[uuid.UUID, str] = {}
        for team in self.teams:
            for _ in range(1 if self.n < 20_000 else 2):
                sup = self._person(Role.SUPERVISOR, team, pw_hash)
                team["supervisors"].append(sup["id"])
                rows.append(sup)
            for _ in range(fcas_per_team):
                fca = self._person(Role.FCA, team, pw_hash)
                team["fcas"].append(fca["id"])
                self.fca_quality[fca["id"]] = self.rng.gauss(0, 0.3)
                rows.append(fca)
            if team["region_id"] not in leads:
                lead = self._person(Role.QUALITY_LEAD, team, pw_hash)
                leads[team["region_id"]] = lead["username"]
                rows.append(lead)
        # One head of service, reading themes across regions (no team). Named from a
        # generator of its own, so the seeded sequence of everything else is unchanged.
        main_rng, self.rng = self.rng, random.Random("head of service")
        try:
            head = self._person(Role.HEAD_OF_SERVICE, None, pw_hash)
        finally:
            self.rng = main_rng
        rows.append(head)
        insert_many(conn, _t(tables.User), rows)
        self.counts["users"] = len(rows)
        first = self.teams[0]
        by_id = {r["id"]: r["username"] for r in rows}
        self.samples = [by_id[first["supervisors"][0]], by_id[first["fcas"][0]],
                        leads[first["region_id"]], "admin", head["username"]]

    # -- cases ------------------------------------------------------------------------------
    def cases(self, conn: Connection) -> None:
        rng, rows = self.rng, []
        audit_fws = [f for f in self.fws if AssessmentKind.CASE_AUDIT in f[1].applies_to]
        laws = {f.law_type.value for _, f in audit_fws}
        types = [c for c in CASE_TYPES.values() if "any" in laws or c.law_type in laws]
        weights = [5 if c.code in ("care_order", "child_arrangements") else 1 for c in types]
        self.case_rows: list[dict[str, Any]] = []
        for i in range(max(1, int(self.n * 0.6))):
            team = rng.choice(self.teams)
            ctype = rng.choices(types, weights)[0] if types else CASE_TYPES["care_order"]
            issued = self.today - dt.timedelta(days=rng.randint(40, 900))
            late = rng.random() < 0.1 + 0.3 * team["delay"]
            allocated = _add_working_days(issued, rng.randint(6, 25) if late
                                          else rng.randint(0, 3))
            weeks = (rng.gauss(26 + 14 * team["delay"], 7) if ctype.law_type == "public"
                     else rng.gauss(24 + 10 * team["delay"], 9))
            concluded = issued + dt.timedelta(weeks=max(6.0, weeks))
            prefix = "PL" if ctype.law_type == "public" else "PR"
            row = {"id": _uid(rng), "reference": f"{prefix}-{issued.year}-{i + 1:06d}",
                   "law_type": ctype.law_type, "case_type": ctype.code, "issued_on": issued,
                   "allocated_on": allocated,
                   "first_hearing_on": issued + dt.timedelta(days=rng.randint(8, 30)),
                   "concluded_on": concluded if concluded < self.today else None,
                   "team_id": team["id"], "fca_id": rng.choice(team["fcas"]),
                   "row_version": 1}
            rows.append(row)
            self.case_rows.append({**row, "team": team})
        insert_records(conn, _t(tables.Case), rows)
        self.counts["cases"] = len(rows)

    # -- assessments ------------------------------------------------------------------------
    def assessments(self, conn: Connection) -> None:
        a_rows: list[dict[str, Any]] = []
        r_rows: list[tuple[Any, ...]] = []
        act_rows: list[dict[str, Any]] = []
        resp_rows: list[dict[str, Any]] = []
        audit_fws = [f for f in self.fws if AssessmentKind.CASE_AUDIT in f[1].applies_to]
        obs_fws = [f for f in self.fws
                   if AssessmentKind.PRACTICE_OBSERVATION in f[1].applies_to]
        offsets = {(fid, s.id): self.rng.gauss(0, 0.35)
                   for fid, f in self.fws for s in f.standards()}
        self.needs = {(fid, s.id, g.code): needs_evidence(f, s, g.code)
                      for fid, f in self.fws for s in f.standards() for g in f.scale.grades}
        statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        for _ in range(self.n):
            observe = bool(obs_fws) and (not audit_fws or self.rng.random() < 0.25)
            status = self.rng.choices(statuses, weights)[0]
            row = self._assessment(observe, audit_fws, obs_fws, status)
            fid, framework = row.pop("_framework")
            team = row.pop("_team")
            reference = row.pop("_case_reference")
            row["case_reference"] = reference if self.scope_copies else None
            marks = (len(r_rows), len(act_rows), len(resp_rows))
            grades = self._ratings(row, fid, framework, team, offsets, status, r_rows)
            best = overall_grade(framework, grades)
            row["overall_grade"] = best.code if best else None
            if status is not Status.DRAFT:
                self._narrative(row, act_rows, resp_rows, status)
            if status is Status.FINALISED:
                # The same hash finalising takes, so `audit-log verify` can recheck it.
                row["content_hash"] = hashlib.sha256(self._canonical(
                    row, self.shas[fid], reference, r_rows[marks[0]:], act_rows[marks[1]:],
                    resp_rows[marks[2]:]).encode("utf-8")).hexdigest()
            a_rows.append(row)
            self.status_counts[status.value] += 1
        insert_records(conn, _t(tables.Assessment), a_rows)
        insert_tuples(conn, _t(tables.Rating),
                      RATING_COLUMNS + (RATING_SCOPE if self.scope_copies else ()), r_rows)
        insert_records(conn, _t(tables.ActionItem), act_rows)
        insert_records(conn, _t(tables.Response), resp_rows)
        self.counts.update(assessments=len(a_rows), ratings=len(r_rows), actions=len(act_rows),
                           responses=len(resp_rows))
        assert conn.execute(select(func.count()).select_from(_t(tables.Assessment))).scalar()

    @staticmethod
    def _canonical(row: dict[str, Any], sha: str, reference: str,
                   ratings: list[tuple[Any, ...]], actions: list[dict[str, Any]],
                   responses: list[dict[str, Any]]) -> str:
        return canonical_assessment(
            id=row["id"], framework_sha256=sha, case_reference=reference,
            subject_id=row["subject_id"], author_id=row["author_id"],
            assessed_on=row["assessed_on"], context=json.loads(row["context"]),
            childs_voice=row["childs_voice"], impact_of_delay=row["impact_of_delay"],
            strengths=row["strengths"], areas_for_development=row["areas_for_development"],
            overall_grade=row["overall_grade"],
            ratings={r[2]: RatingInfo(r[2], r[3], tuple(json.loads(r[4])), r[5], r[6])
                     for r in ratings},
            actions=[(a["text"], a["due_on"], a["owner_id"]) for a in actions],
            response=((responses[0]["reflection"], responses[0]["agreement"],
                       responses[0]["reasons"]) if responses else None))

    def _assessment(self, observe: bool, audit_fws: list[tuple[uuid.UUID, Framework]],
                    obs_fws: list[tuple[uuid.UUID, Framework]], status: Status
                    ) -> dict[str, Any]:
        rng = self.rng
        case = None
        if observe:
            team = rng.choice(self.teams)
            subject = rng.choice(team["fcas"])
            fid, framework = rng.choice(obs_fws)
            day = self.today - dt.timedelta(days=rng.randint(0, 730))
        else:
            case = rng.choice(self.case_rows)
            team, subject = case["team"], case["fca_id"]
            fitting = [f for f in audit_fws
                       if f[1].law_type.value in ("any", case["law_type"])] or audit_fws
            fid, framework = rng.choice(fitting)
            span = max(1, (self.today - case["issued_on"]).days)
            day = case["issued_on"] + dt.timedelta(days=rng.randint(min(14, span), span))
        if status is Status.DRAFT:
            day = max(day, self.today - dt.timedelta(days=rng.randint(0, 60)))
        elif status is not Status.FINALISED:
            day = max(day, self.today - dt.timedelta(days=rng.randint(10, 120)))
        day = min(day, self.today - dt.timedelta(days=0 if status is Status.DRAFT else 21))
        created = dt.datetime.combine(day, dt.time(9, rng.randint(0, 59)), tzinfo=dt.UTC)
        later = min(created + dt.timedelta(days=rng.randint(1, 14)), self.now)
        return {
            "id": _uid(rng), "kind": (AssessmentKind.PRACTICE_OBSERVATION if observe
                                      else AssessmentKind.CASE_AUDIT).value,
            "framework_version_id": fid, "case_id": case["id"] if case else None,
            "subject_id": subject, "author_id": rng.choice(team["supervisors"]),
            "team_id": team["id"], "region_id": team["region_id"], "status": status.value,
            "assessed_on": day, "context": json.dumps(self._context(framework, day),
                                                      ensure_ascii=False, sort_keys=True),
            "childs_voice": "", "impact_of_delay": "", "strengths": "",
            "areas_for_development": "", "overall_grade": None, "created_at": created,
            "updated_at": later,
            "submitted_at": None if status is Status.DRAFT else later,
            "finalised_at": min(later + dt.timedelta(days=7), self.now)
            if status is Status.FINALISED else None,
            "content_hash": None, "row_version": 1,
            "_framework": (fid, framework), "_team": team,
            "_case_reference": case["reference"] if case else "",
        }

    def _context(self, framework: Framework, day: dt.date) -> dict[str, Any]:
        rng, out = self.rng, {}
        for f in framework.context_fields:
            value: Any
            if f.type is FieldType.CHOICE:
                value = rng.choice(f.choices)
            elif f.type is FieldType.MULTI_CHOICE:
                value = rng.sample(list(f.choices), k=rng.randint(1, len(f.choices)))
            elif f.type is FieldType.DATE:
                value = day.isoformat()
            elif f.type is FieldType.YES_NO:
                value = rng.choice(["Yes", "Yes", "No"])
            elif f.type is FieldType.NUMBER:
                value = rng.randint(1, 6)
            elif f.type is FieldType.LONG_TEXT:
                value = rng.choice(demo_text.COMMENTARY)
            else:
                value = rng.choice(demo_text.SHORT_TEXT)
            out[f.id] = value
        return out

    def _ratings(self, row: dict[str, Any], fid: uuid.UUID, framework: Framework,
                 team: dict[str, Any], offsets: dict[tuple[uuid.UUID, str], float],
                 status: Status, out: list[tuple[Any, ...]]) -> dict[str, str | None]:
        rng, grades = self.rng, {}
        assessment_id = row["id"].hex
        updated = storage_value(row["updated_at"])
        scale = framework.scale.grades
        top = len(scale) - 1
        na_ok = framework.scale.not_applicable.allowed
        quality = team["quality"] + self.fca_quality[row["subject_id"]]
        scope = ((storage_value(row["team_id"]), storage_value(row["region_id"]),
                  storage_value(row["subject_id"]), status.value)
                 if self.scope_copies else ())
        for standard in framework.standards():
            code: str | None
            if status is Status.DRAFT and rng.random() < 0.4:
                code = None
            elif not standard.required and na_ok and rng.random() < 0.4:
                code = NOT_APPLICABLE
            else:
                latent = quality + offsets[(fid, standard.id)] + rng.gauss(0, 0.7)
                index = round(top * 0.4 - latent * top / 2.5)
                code = scale[min(top, max(0, index))].code
            grades[standard.id] = code
            evidence = commentary = ""
            weak = self.needs.get((fid, standard.id, code or ""), False)
            if code and code != NOT_APPLICABLE and (weak or rng.random() < 0.3):
                what = rng.choice(demo_text.EVIDENCE_WHAT_WEAK if weak
                                  else demo_text.EVIDENCE_WHAT_GOOD)
                evidence = rng.choice(demo_text.EVIDENCE).format(what=what, n=rng.randint(2, 30))
                commentary = rng.choice(demo_text.COMMENTARY) if rng.random() < 0.5 else ""
            ticked = tuple(i for i in standard.indicators if code and rng.random() < 0.6)
            # Rows go to the driver as tuples in storage form: millions of them at 100k.
            out.append((f"{rng.getrandbits(128):032x}", assessment_id, standard.id, code,
                        _json_list(ticked),
                        evidence, commentary, updated, 1, *scope))
        return grades

    def _narrative(self, row: dict[str, Any], actions: list[dict[str, Any]],
                   responses: list[dict[str, Any]], status: Status) -> None:
        rng = self.rng
        row["strengths"] = rng.choice(demo_text.STRENGTHS)
        row["areas_for_development"] = rng.choice(demo_text.DEVELOPMENT)
        row["childs_voice"] = rng.choice(demo_text.CHILDS_VOICE)
        row["impact_of_delay"] = rng.choice(demo_text.DELAY)
        responded = status in (Status.RESPONDED, Status.MODERATION, Status.FINALISED)
        for _ in range(rng.randint(0, 3)):
            due = row["assessed_on"] + dt.timedelta(days=rng.randint(20, 90))
            done = responded and due < self.today and rng.random() < 0.65
            actions.append({
                "id": _uid(rng), "assessment_id": row["id"], "session_id": None,
                "standard_id": None, "text": rng.choice(demo_text.ACTIONS),
                "owner_id": row["subject_id"], "due_on": due,
                "status": ActionStatus.DONE if done else ActionStatus.OPEN, "agreed": responded,
                "completed_on": due - dt.timedelta(days=rng.randint(0, 10)) if done else None,
                "created_at": row["created_at"], "row_version": 1})
        if responded or status is Status.RETURNED:
            agreement = rng.choices(list(Agreement), [8, 3, 1])[0]
            responses.append({
                "id": _uid(rng), "assessment_id": row["id"], "fca_id": row["subject_id"],
                "reflection": (rng.choice(demo_text.REFLECTIONS[agreement]) if responded
                               else ""),
                "agreement": agreement,
                "reasons": demo_text.REASONS[agreement],
                "signed_at": row["updated_at"] if responded else None,
                "updated_at": row["updated_at"], "row_version": 1})

    def summary(self, moderated: Counter[str]) -> DemoSummary:
        c = self.counts
        statuses = Counter(self.status_counts)
        held = moderated["held"]
        statuses.update({Status.RESPONDED.value: -held, Status.MODERATION.value: held})
        return DemoSummary(c["regions"], c["service_areas"], c["teams"], c["users"], c["cases"],
                           c["assessments"], c["ratings"], c["actions"], c["responses"],
                           {k: v for k, v in statuses.items() if v}, tuple(self.samples),
                           dict(moderated))


@lru_cache(maxsize=4096)
def _json_list(items: tuple[str, ...]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def _add_working_days(day: dt.date, days: int) -> dt.date:
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day
