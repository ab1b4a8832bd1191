"""Themes: grades by standard, team and quarter, action completion and delay, for the
dashboard, its exports and `qa-audit themes`.

Every figure is a GROUP BY in SQL over the assessments in view, served by covering
indexes; what comes back is small (standards x teams x quarters x grades, one row per team
for delay) whatever the number of ratings. Practitioners are never grouped by, named or
ranked here: the finest grain is a team.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.types import Date, Integer, String
from sqlmodel import Session, col

from qa_audit.domain.disclosure import THRESHOLD, protect_row, protect_split
from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind, Framework
from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.domain.records import ActionStatus, OrgUnitKind
from qa_audit.domain.timescales import ALLOCATION_WORKING_DAYS, PUBLIC_LAW_WEEKS
from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput, NotFound, StoreError
from qa_audit.reports.model import GradeBand
from qa_audit.reports.pdf_charts import colour_of
from qa_audit.reports.tabular import write_csv, write_xlsx
from qa_audit.store.database import Store
from qa_audit.store.scope import Kind, visible
from qa_audit.store.tables import (
    ActionItem,
    Assessment,
    Case,
    FrameworkVersion,
    OrgUnit,
    Rating,
    Setting,
)

from . import audit_log
from .blinding import not_blind
from .frameworks import get_framework

ALLOCATION_SETTING = "allocation_benchmark_working_days"
TOO_FEW = THRESHOLD
"""A heatmap cell with fewer assessments than this is marked as too few to read."""
_EPOCH = dt.date(2000, 1, 3)  # a Monday: day numbers count from it


# -- the existing aggregate (standard x team x quarter x grade) ------------------------------
@dataclass(frozen=True)
class GradeCount:
    standard_id: str
    team_id: uuid.UUID | None
    quarter: str
    grade: str
    count: int


@dataclass(frozen=True)
class GradeDistribution:
    framework_id: str
    counts: tuple[GradeCount, ...]
    team_names: dict[uuid.UUID, str]

    def shares(self) -> dict[tuple[str, uuid.UUID | None, str], dict[str, float]]:
        """Share of each grade per (standard, team, quarter); N/A is left out of shares."""
        totals: dict[tuple[str, uuid.UUID | None, str], int] = defaultdict(int)
        for c in self.counts:
            if c.grade != NOT_APPLICABLE:
                totals[(c.standard_id, c.team_id, c.quarter)] += c.count
        out: dict[tuple[str, uuid.UUID | None, str], dict[str, float]] = defaultdict(dict)
        for c in self.counts:
            key = (c.standard_id, c.team_id, c.quarter)
            if c.grade != NOT_APPLICABLE and totals[key]:
                out[key][c.grade] = c.count / totals[key]
        return dict(out)


def _n(value: int) -> ColumnElement[int]:
    """An integer constant written into the SQL, not bound: fewer parameters to process
    on each call, and a GROUP BY or CASE sees the same expression wherever it is used."""
    return literal_column(str(int(value)), Integer)


def quarter_expression() -> ColumnElement[str]:
    """'2025-Q3' from the assessment date, in SQL (works on SQLite and PostgreSQL)."""
    # Constants are written into the SQL, not bound: with bound values the GROUP BY's copy
    # of the expression no longer matches the SELECT's, and SQLite works it out twice per
    # row (measured: 480 ms instead of 280 ms over 330,000 ratings).
    n = _n
    text = cast(Assessment.assessed_on, String)
    year = func.substr(text, n(1), n(4))
    month = cast(func.substr(text, n(6), n(2)), Integer)
    return year + literal_column("'-Q'", String) + cast((month + n(2)) // n(3), String)


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month + 2) // 3}"


def quarters_between(first: dt.date, last: dt.date) -> list[str]:
    """Every quarter from the one holding `first` to the one holding `last`."""
    out, year, q = [], first.year, (first.month + 2) // 3
    end = (last.year, (last.month + 2) // 3)
    while (year, q) <= end:
        out.append(f"{year}-Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def _scope(actor: Actor) -> ColumnElement[bool]:
    """Assessments whose themes this actor reads, as SQL (domain/permissions.py's scope
    through the one translator)."""
    return visible(actor, Action.VIEW_THEMES, Kind.ASSESSMENT)


def grade_distribution(
    store: Store,
    actor: Actor,
    framework_id: str,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> GradeDistribution:
    """Grade counts by standard x team x quarter for submitted-or-later assessments."""
    check(actor, Action.VIEW_THEMES)
    f = ThemeFilter(framework_id, date_from=date_from, date_to=date_to)
    with store.reading() as session:
        rows = _grade_rows(session, _conditions(actor, f))
        teams = dict(session.execute(
            select(col(OrgUnit.id), col(OrgUnit.name)).where(col(OrgUnit.kind) == OrgUnitKind.TEAM)
        ).all())
    return GradeDistribution(
        framework_id,
        tuple(GradeCount(r[1], r[0], r[2], r[3], int(r[4])) for r in rows),
        teams,
    )


# -- filters ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ThemeFilter:
    framework_id: str
    version: str | None = None  # None: every version of the framework
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    region_id: uuid.UUID | None = None
    service_area_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    law_type: str | None = None
    case_type: str | None = None
    kind: AssessmentKind | None = None

    def check(self) -> None:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InvalidInput("The period ends before it starts: check the dates.")


def _conditions(actor: Actor, f: ThemeFilter) -> list[ColumnElement[bool]]:
    """The assessments in view: the actor's scope, submitted or later, the filters, and
    none the actor is still moderating blind."""
    versions = select(col(FrameworkVersion.id)).where(
        col(FrameworkVersion.framework_id) == f.framework_id)
    if f.version:
        versions = versions.where(col(FrameworkVersion.version) == f.version)
    conds: list[ColumnElement[bool]] = [
        _scope(actor),
        col(Assessment.status) != Status.DRAFT.value,
        col(Assessment.framework_version_id).in_(versions),
        not_blind(actor),
    ]
    if f.date_from is not None:
        conds.append(col(Assessment.assessed_on) >= f.date_from)
    if f.date_to is not None:
        conds.append(col(Assessment.assessed_on) <= f.date_to)
    if f.region_id is not None:
        conds.append(col(Assessment.region_id) == f.region_id)
    if f.team_id is not None:
        conds.append(col(Assessment.team_id) == f.team_id)
    if f.service_area_id is not None:
        teams = select(col(OrgUnit.id)).where(col(OrgUnit.parent_id) == f.service_area_id)
        conds.append(col(Assessment.team_id).in_(teams))
    if f.kind is not None:
        conds.append(col(Assessment.kind) == f.kind.value)
    if f.law_type or f.case_type:
        cases = select(col(Case.id))
        if f.law_type:
            cases = cases.where(col(Case.law_type) == f.law_type)
        if f.case_type:
            cases = cases.where(col(Case.case_type) == f.case_type)
        conds.append(col(Assessment.case_id).in_(cases))
    return conds


def _grade_query(conds: list[ColumnElement[bool]], teams: Sequence[uuid.UUID],
                 part: ColumnElement[bool] | None = None) -> Any:  # a Select
    """Grade counts by team x standard x quarter x grade. The assessments in view (their
    id, team and quarter, from the scope index alone) are worked out once, into a small
    materialised table, so the quarter is computed once per assessment and not once per
    rating; each team is numbered (its place in `teams`) so the GROUP BY sorts small
    integers, not 32-character ids; then each assessment's grades come from the covering
    rating index."""
    quarter = quarter_expression().label("quarter")
    number = case({team: i for i, team in enumerate(teams)}, value=col(Assessment.team_id),
                  else_=None).label("team_no") if teams else cast(
                      literal_column("NULL"), Integer).label("team_no")
    where = [*conds, part] if part is not None else conds
    in_view = (select(col(Assessment.id).label("id"), number, quarter).where(and_(*where))
               .cte("in_view").prefix_with("MATERIALIZED"))
    v = in_view.c
    return (
        select(v.team_no, col(Rating.standard_id), v.quarter, col(Rating.grade), func.count())
        .select_from(in_view)
        .join(Rating, col(Rating.assessment_id) == v.id)
        .where(col(Rating.grade).is_not(None))
        .group_by(v.team_no, col(Rating.standard_id), v.quarter, col(Rating.grade))
    )


PARALLEL_FROM = 2_000
"""From this many assessments in view, the grade counts are read in `PARTS` pieces side
by side (each on its own connection: SQLite and PostgreSQL readers run in parallel, and
the drivers release the GIL while a statement runs)."""
PARTS = 2


def _id_parts(parts: int) -> list[ColumnElement[bool]]:
    """Conditions that split assessments into `parts` near-equal shares by id (ids are
    random UUIDs, so any range of them is a random sample)."""
    cuts = [uuid.UUID(int=(2**128 * i) // parts) for i in range(1, parts)]
    out: list[ColumnElement[bool]] = []
    for i in range(parts):
        bounds = []
        if i > 0:
            bounds.append(col(Assessment.id) >= cuts[i - 1])
        if i < parts - 1:
            bounds.append(col(Assessment.id) < cuts[i])
        out.append(and_(*bounds))
    return out


def _read_grades(store: Store, conds: list[ColumnElement[bool]],
                 part: ColumnElement[bool] | None = None
                 ) -> list[tuple[uuid.UUID | None, str, str, str, int]]:
    with store.reading() as session:
        return _grade_rows(session, conds, part)


def _grade_rows(session: Session, conds: list[ColumnElement[bool]],
                part: ColumnElement[bool] | None = None,
                teams: list[uuid.UUID] | None = None
                ) -> list[tuple[uuid.UUID | None, str, str, str, int]]:
    """The grade counts through the connection (no ORM rows: thousands of small groups).
    `teams`: every team's id, if already read."""
    if teams is None:
        teams = list(session.connection().execute(
            select(col(OrgUnit.id)).where(col(OrgUnit.kind) == OrgUnitKind.TEAM)).scalars())
    return [(None if number is None else teams[int(number)], sid, quarter, grade, int(n))
            for number, sid, quarter, grade, n in session.connection().execute(
                _grade_query(conds, teams, part)).all()]


# -- the dashboard ---------------------------------------------------------------------------
@dataclass(frozen=True)
class StandardRow:
    id: str
    title: str
    counts: dict[str, int]
    """Grade code (and "N/A") -> number of assessments so graded."""

    @property
    def graded(self) -> int:
        return sum(n for code, n in self.counts.items() if code != NOT_APPLICABLE)


@dataclass(frozen=True)
class HeatCell:
    team_id: uuid.UUID
    standard_id: str
    good: int
    """Assessments graded at the scale's second-best grade or better."""
    graded: int

    @property
    def too_few(self) -> bool:
        return self.graded < TOO_FEW

    @property
    def share(self) -> float | None:
        return self.good / self.graded if self.graded else None

    @property
    def withheld(self) -> bool:
        """The share may not be shown (domain/disclosure.py): too few graded, or from 1 to
        4 on one side of the second-best grade."""
        return bool(self.graded) and protect_split(self.good, self.graded).any_hidden


@dataclass(frozen=True)
class Development:
    standard_id: str
    title: str
    below: int
    """Assessments graded below the scale's second-best grade."""
    graded: int


@dataclass(frozen=True)
class ActionTally:
    open: int
    done: int
    overdue: int
    """Open actions past their due date (a subset of `open`)."""


@dataclass(frozen=True)
class TeamDelay:
    team_id: uuid.UUID
    cases: int
    allocated: int
    allocated_late: int
    """Allocated more than the benchmark's working days after issue."""
    allocation_days_total: int
    public_cases: int
    over_timescale: int
    """Public-law cases that ran, or have been running, longer than 26 weeks."""
    duration_days_total: int

    @property
    def mean_allocation_days(self) -> float | None:
        return self.allocation_days_total / self.allocated if self.allocated else None

    @property
    def mean_duration_weeks(self) -> float | None:
        return self.duration_days_total / 7 / self.public_cases if self.public_cases else None


@dataclass(frozen=True)
class Dashboard:
    filter: ThemeFilter
    framework_title: str
    bands: tuple[GradeBand, ...]
    """The scale, best first, each with the colour it is drawn in."""
    good_codes: tuple[str, ...]
    """The scale's best and second-best grades."""
    assessments: int
    standards: tuple[StandardRow, ...]
    teams: dict[uuid.UUID, str]
    cells: tuple[HeatCell, ...]
    quarters: tuple[tuple[str, dict[str, int]], ...]
    """Every quarter of the period in order, with the grades given in it (empty if none)."""
    development: tuple[Development, ...]
    actions: ActionTally
    delay: tuple[TeamDelay, ...]
    benchmark_days: int
    timescale_weeks: int = PUBLIC_LAW_WEEKS
    notes: tuple[str, ...] = field(default=())

    def cell(self, team_id: uuid.UUID, standard_id: str) -> HeatCell | None:
        return self._cells_by_key.get((team_id, standard_id))

    @cached_property
    def _cells_by_key(self) -> dict[tuple[uuid.UUID, str], HeatCell]:
        return {(c.team_id, c.standard_id): c for c in self.cells}


def allocation_benchmark(store: Store) -> int:
    """Working days from issue to allocation that count as on time (a database setting)."""
    with store.reading() as session:
        row = session.get(Setting, ALLOCATION_SETTING)
    return int(json.loads(row.value)) if row else ALLOCATION_WORKING_DAYS


def set_allocation_benchmark(store: Store, actor: Actor, days: int) -> None:
    check(actor, Action.MANAGE_TEAMS)
    if not 0 <= days <= 60:
        raise InvalidInput("The allocation benchmark is a number of working days from 0 to 60.")
    with store.unit_of_work() as session:
        row = session.get(Setting, ALLOCATION_SETTING) or Setting(key=ALLOCATION_SETTING,
                                                                  value="")
        row.value = json.dumps(days)
        session.add(row)
        audit_log.record(session, actor, "set_allocation_benchmark", "setting")


def _newest_version(session: Session, f: ThemeFilter) -> uuid.UUID:
    query = select(col(FrameworkVersion.id)).where(
        col(FrameworkVersion.framework_id) == f.framework_id)
    if f.version:
        query = query.where(col(FrameworkVersion.version) == f.version)
    found: uuid.UUID | None = session.execute(
        query.order_by(col(FrameworkVersion.imported_at).desc()).limit(1)).scalar()
    if found is None:
        raise NotFound("That framework (or version) is not in this database.")
    return found


def newest_version(store: Store, f: ThemeFilter) -> uuid.UUID:
    """The version whose scale and standards the dashboard is drawn with."""
    with store.reading() as session:
        return _newest_version(session, f)


def framework_of(store: Store, version_id: uuid.UUID) -> Framework:
    """A framework version, parsed once per process (by `get_framework`'s cache)."""
    return get_framework(store, version_id)


def bands_of(fw: Framework) -> tuple[GradeBand, ...]:
    plain = tuple(GradeBand(g.code, g.label, g.score, g.colour) for g in fw.scale.grades)
    return tuple(GradeBand(b.code, b.label, b.score, colour_of(plain, b.code)) for b in plain)


def dashboard(store: Store, actor: Actor, f: ThemeFilter, *, today: dt.date | None = None
              ) -> Dashboard:
    """Every figure of the Themes view for the assessments in view."""
    check(actor, Action.VIEW_THEMES)
    f.check()
    today = today or dt.date.today()
    conds = _conditions(actor, f)
    with ThreadPoolExecutor(max_workers=PARTS) as pool, store.reading() as session:
        conn = session.connection()  # Core statements: the rows are small tuples
        version = _newest_version(session, f)
        setting = conn.execute(select(col(Setting.value)).where(
            col(Setting.key) == ALLOCATION_SETTING)).scalar()
        benchmark = int(json.loads(setting)) if setting else ALLOCATION_WORKING_DAYS
        total, *span = conn.execute(
            select(func.count(), func.min(Assessment.assessed_on),
                   func.max(Assessment.assessed_on)).where(and_(*conds))).one()
        # The grade counts are the one big GROUP BY: over many assessments they are read
        # in parts on connections of their own while this one reads the rest.
        parts = [pool.submit(_read_grades, store, conds, part) for part in _id_parts(PARTS)
                 ] if total >= PARALLEL_FROM else []
        action_rows = conn.execute(_action_query(conds, today)).all()
        delay_rows = conn.execute(_delay_query(store, conds, benchmark),
                                  {"themes_today": today}).all()
        teams = dict(conn.execute(
            select(col(OrgUnit.id), col(OrgUnit.name)).where(
                col(OrgUnit.kind) == OrgUnitKind.TEAM)
        ).all())
        grade_rows = (_grade_rows(session, conds, teams=list(teams)) if not parts
                      else [row for part in parts for row in part.result()])
    fw = framework_of(store, version)
    good = fw.scale.codes[:2]

    by_standard: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_cell: dict[tuple[uuid.UUID | None, str], list[int]] = defaultdict(lambda: [0, 0])
    by_quarter: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for team_id, sid, quarter, grade, n in grade_rows:
        by_standard[sid][grade] += n
        if grade == NOT_APPLICABLE:
            continue
        cell = by_cell[(team_id, sid)]
        cell[0] += n if grade in good else 0
        cell[1] += n
        by_quarter[quarter][grade] += n
    standards = tuple(StandardRow(s.id, s.title, dict(by_standard.get(s.id, {})))
                      for s in fw.standards())
    titles = {s.id: s.title for s in fw.standards()}
    cells = tuple(HeatCell(t, s, g, n) for (t, s), (g, n) in sorted(
        by_cell.items(), key=lambda kv: (teams.get(kv[0][0], "") if kv[0][0] else "", kv[0][1]))
        if s in titles and t is not None)
    first = f.date_from or span[0]
    last = f.date_to or span[1]
    quarters = quarters_between(first, last) if first and last else sorted(by_quarter)
    development = sorted(
        (Development(s.id, s.title, s.graded - sum(s.counts.get(c, 0) for c in good), s.graded)
         for s in standards if s.graded),
        key=lambda d: (-d.below, d.title))
    return Dashboard(
        filter=f, framework_title=f"{fw.title} {fw.version}" if f.version else fw.title,
        bands=bands_of(fw), good_codes=good, assessments=int(total), standards=standards,
        teams={t: teams.get(t, "") for t in {c.team_id for c in cells}
               | {r[0] for r in delay_rows}},
        cells=cells,
        quarters=tuple((q, dict(by_quarter.get(q, {}))) for q in quarters),
        development=tuple(d for d in development if d.below)[:5],
        actions=_tally(action_rows),
        delay=tuple(TeamDelay(r[0], *(int(v or 0) for v in r[1:])) for r in
                    sorted(delay_rows, key=lambda r: teams.get(r[0], ""))),
        benchmark_days=benchmark)


def _action_query(conds: list[ColumnElement[bool]], today: dt.date) -> Any:  # a Select
    in_view = select(col(Assessment.id)).where(and_(*conds))
    overdue = and_(col(ActionItem.status) == ActionStatus.OPEN, col(ActionItem.due_on) < today)
    late = case((overdue, 1), else_=0).label("overdue")
    return (select(col(ActionItem.status), late, func.count())
            .where(col(ActionItem.assessment_id).in_(in_view),
                   col(ActionItem.status) != "cancelled")
            .group_by(col(ActionItem.status), late))


def _tally(rows: Sequence[Any]) -> ActionTally:
    open_ = sum(int(n) for status, _late, n in rows if status == ActionStatus.OPEN)
    done = sum(int(n) for status, _late, n in rows if status == ActionStatus.DONE)
    overdue = sum(int(n) for status, late, n in rows if status == ActionStatus.OPEN and late)
    return ActionTally(open_, done, overdue)


# -- delay: working days and weeks, in SQL ---------------------------------------------------
def day_number(store: Store | str, value: Any) -> ColumnElement[int]:
    """Days since a Monday (2000-01-03) of a date column or value, as integer SQL (for a
    store, or a dialect's name)."""
    dialect = store if isinstance(store, str) else store.engine.dialect.name
    if dialect == "sqlite":
        return cast(func.julianday(value) - func.julianday(
            literal_column(f"'{_EPOCH.isoformat()}'", String)), Integer)
    return cast(value - literal(_EPOCH), Integer)  # PostgreSQL: date - date is days


def _weekdays_before(n: ColumnElement[int]) -> ColumnElement[int]:
    """Monday-to-Friday days from the epoch up to, not including, day number n."""
    rest = n % _n(7)
    return (n // _n(7)) * _n(5) + case((rest < _n(5), rest), else_=_n(5))


def working_days_sql(store: Store | str, start: Any, end: Any) -> ColumnElement[int]:
    """SQL twin of timescales.working_days_between: weekdays after start up to end."""
    a, b = day_number(store, start), day_number(store, end)
    days = _weekdays_before(b + _n(1)) - _weekdays_before(a + _n(1))
    return case((b <= a, _n(0)), else_=days)


_TODAY = bindparam("themes_today", type_=Date)
"""Today, for the delay figures: bound when the statement runs, so the per-case
expressions below are built once per dialect and reused."""


@cache
def _per_case(dialect: str) -> tuple[ColumnElement[int], ...]:
    """Each audited case's figures: allocated (0/1), working days from issue to allocation,
    public law (0/1) and days from issue to conclusion (or today). Built once per dialect:
    the working-days arithmetic is a large expression to build on every call."""
    on = dialect
    issued = col(Case.issued_on).is_not(None)
    allocated = and_(issued, col(Case.allocated_on).is_not(None))
    public = and_(issued, col(Case.law_type) == "public")
    end = func.coalesce(col(Case.concluded_on), _TODAY)
    zero, one = _n(0), _n(1)
    return (case((allocated, one), else_=zero).label("allocated"),
            case((allocated, working_days_sql(on, col(Case.issued_on),
                                              col(Case.allocated_on))),
                 else_=zero).label("days"),
            case((public, one), else_=zero).label("public"),
            case((public, day_number(on, end) - day_number(on, col(Case.issued_on))),
                 else_=zero).label("duration"))


def _delay_query(store: Store, conds: list[ColumnElement[bool]], benchmark: int
                 ) -> Any:  # a Select
    """Per team: cases audited, allocated, allocated late, working days to allocation,
    public-law cases, over 26 weeks, days of duration. Each case's figures are worked out
    once in a subquery, then summed. Run it with {"themes_today": today}."""
    audited = (select(col(Assessment.team_id).label("team_id"),
                      col(Assessment.case_id).label("case_id"))
               .where(and_(*conds), col(Assessment.case_id).is_not(None))
               .distinct().subquery())
    per_case = (
        select(audited.c.team_id, *_per_case(store.engine.dialect.name))
        .select_from(audited).join(Case, col(Case.id) == audited.c.case_id).subquery())
    c = per_case.c
    zero, one = _n(0), _n(1)
    return (
        select(c.team_id, func.count(), func.sum(c.allocated),
               func.sum(case((and_(c.allocated == one, c.days > _n(benchmark)), one),
                             else_=zero)),
               func.sum(c.days), func.sum(c.public),
               func.sum(case((and_(c.public == one, c.duration > _n(PUBLIC_LAW_WEEKS * 7)),
                              one), else_=zero)),
               func.sum(c.duration))
        .group_by(c.team_id))


# -- click-through: the assessments behind a chart element ------------------------------------
class Element(StrEnum):
    GRADE = "grade"  # standard + grade
    CELL = "cell"  # team + standard, graded at the second-best grade or better
    CELL_ALL = "cell_all"  # team + standard, every graded assessment
    QUARTER = "quarter"  # quarter + grade (any standard)
    DEVELOPMENT = "development"  # standard, graded below the second-best grade
    ACTIONS_OPEN = "actions_open"
    ACTIONS_DONE = "actions_done"
    ACTIONS_OVERDUE = "actions_overdue"
    ALLOCATED_LATE = "allocated_late"  # team
    OVER_TIMESCALE = "over_timescale"  # team


@dataclass(frozen=True)
class Pick:
    """One chart element: what the user clicked."""

    element: Element
    standard_id: str | None = None
    grade: str | None = None
    team_id: uuid.UUID | None = None
    quarter: str | None = None


def assessment_ids_behind(store: Store, actor: Actor, f: ThemeFilter, pick: Pick, *,
                          limit: int = 500, today: dt.date | None = None) -> list[uuid.UUID]:
    """The assessments a chart element counts, newest first (at most `limit`)."""
    check(actor, Action.VIEW_THEMES)
    today = today or dt.date.today()
    conds = _conditions(actor, f)
    e = pick.element
    if pick.team_id is not None:
        conds.append(col(Assessment.team_id) == pick.team_id)
    if e in (Element.GRADE, Element.CELL, Element.CELL_ALL, Element.QUARTER,
             Element.DEVELOPMENT):
        good = framework_of(store, newest_version(store, f)).scale.codes[:2]
        rated = select(col(Rating.assessment_id))
        if pick.standard_id is not None:
            rated = rated.where(col(Rating.standard_id) == pick.standard_id)
        if e is Element.GRADE or e is Element.QUARTER:
            rated = rated.where(col(Rating.grade) == pick.grade)
        elif e is Element.CELL:
            rated = rated.where(col(Rating.grade).in_(good))
        elif e is Element.CELL_ALL:
            rated = rated.where(col(Rating.grade).is_not(None),
                                col(Rating.grade) != NOT_APPLICABLE)
        else:
            rated = rated.where(col(Rating.grade).is_not(None),
                                col(Rating.grade) != NOT_APPLICABLE,
                                col(Rating.grade).not_in(good))
        conds.append(col(Assessment.id).in_(rated))
        if e is Element.QUARTER and pick.quarter:
            conds.append(quarter_expression() == pick.quarter)
    elif e in (Element.ACTIONS_OPEN, Element.ACTIONS_DONE, Element.ACTIONS_OVERDUE):
        acts = select(col(ActionItem.assessment_id)).where(
            col(ActionItem.status) == (ActionStatus.DONE if e is Element.ACTIONS_DONE
                                       else ActionStatus.OPEN))
        if e is Element.ACTIONS_OVERDUE:
            acts = acts.where(col(ActionItem.due_on) < today)
        conds.append(col(Assessment.id).in_(acts))
    else:
        cases = select(col(Case.id)).where(col(Case.issued_on).is_not(None))
        if e is Element.ALLOCATED_LATE:
            days = working_days_sql(store, col(Case.issued_on), col(Case.allocated_on))
            cases = cases.where(col(Case.allocated_on).is_not(None),
                                days > allocation_benchmark(store))
        else:
            end = func.coalesce(col(Case.concluded_on), literal(today))
            duration = day_number(store, end) - day_number(store, col(Case.issued_on))
            cases = cases.where(col(Case.law_type) == "public",
                                duration > PUBLIC_LAW_WEEKS * 7)
        conds.append(col(Assessment.case_id).in_(cases))
    query = (select(col(Assessment.id)).where(and_(true(), *conds))
             .order_by(col(Assessment.assessed_on).desc(), col(Assessment.id)).limit(limit))
    with store.reading() as session:
        return list(session.execute(query).scalars())


# -- the themes table (CSV / XLSX / CLI) -----------------------------------------------------
BY_CHOICES = ("team", "standard", "quarter", "grade")


def themes_table(store: Store, actor: Actor, f: ThemeFilter, by: tuple[str, ...]
                 ) -> tuple[list[str], list[tuple[object, ...]]]:
    """Counts of graded assessments grouped by any of team, standard, quarter and grade,
    with the number and share at the scale's second-best grade or better, and `too_few`
    (1) where domain/disclosure.py hides figures, which are then left empty: without
    grade, the number at the second-best grade or better and its share (the number graded
    shows, as the Themes view's "too few (n)" does); by grade, each group's grades are a
    protected row, every grade of the scale listed, zeros too."""
    if not by or any(b not in BY_CHOICES for b in by):
        raise InvalidInput(f"Group by one or more of: {', '.join(BY_CHOICES)}.")
    check(actor, Action.VIEW_THEMES)
    f.check()
    fw = framework_of(store, newest_version(store, f))
    good_codes = fw.scale.codes[:2]
    good = set(good_codes)
    titles = {s.id: s.title for s in fw.standards()}
    rows: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0])
    with store.reading() as session:
        grade_rows = _grade_rows(session, _conditions(actor, f))
        teams = dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.name))).all())
    for team_id, sid, quarter, grade, n in grade_rows:
        if grade == NOT_APPLICABLE or sid not in titles:
            continue
        parts = {"team": teams.get(team_id, ""), "standard": titles[sid], "quarter": quarter,
                 "grade": grade}
        key = tuple(parts[b] for b in by)
        rows[key][0] += int(n)
        rows[key][1] += int(n) if grade in good else 0
    header = [*by, "graded", f"at {good_codes[-1]} or better", "share", "too_few"]
    order = {s.title: i for i, s in enumerate(fw.standards())}
    grade_order = {code: i for i, code in enumerate(fw.scale.codes)}

    def sort_key(key: tuple[object, ...]) -> tuple[object, ...]:
        out: list[object] = []
        for b, v in zip(by, key, strict=True):
            out.append(order.get(str(v), 0) if b == "standard"
                       else grade_order.get(str(v), 0) if b == "grade" else str(v))
        return tuple(out)

    if "grade" in by:
        rows = _every_grade(rows, by.index("grade"), fw.scale.codes)
    table = [_protected(key, n, g, "grade" in by)
             for key, (n, g) in sorted(rows.items(), key=lambda kv: sort_key(kv[0]))]
    return header, table


def _every_grade(rows: dict[tuple[object, ...], list[int]], at: int, codes: Sequence[str]
                 ) -> dict[tuple[object, ...], list[int]]:
    """Each group's row of grades, zeros included (a missing grade is a shown 0), with
    the cells domain/disclosure.py hides marked by a count of -1."""
    groups: dict[tuple[object, ...], dict[str, list[int]]] = defaultdict(dict)
    for key, figures in rows.items():
        groups[(*key[:at], *key[at + 1:])][str(key[at])] = figures
    out: dict[tuple[object, ...], list[int]] = {}
    for group, by_code in groups.items():
        cells = [by_code.get(code, [0, 0]) for code in codes]
        row = protect_row([n for n, _ in cells])
        for i, code in enumerate(codes):
            n, g = cells[i]
            out[(*group[:at], code, *group[at:])] = [n, g] if row.shown[i] else [-1, -1]
    return out


def _protected(key: tuple[object, ...], n: int, good: int, by_grade: bool
               ) -> tuple[object, ...]:
    if by_grade:  # (the group's row was protected in _every_grade)
        if n < 0:
            return (*key, "", "", "", 1)
        return (*key, n, good, round(good / n, 4) if n else "", 0)
    if protect_split(good, n).any_hidden:
        return (*key, n, "", "", 1)
    return (*key, n, good, round(good / n, 4) if n else "", 0)


SMALL_COUNTS_NOTE = (
    f"1 where a figure is left empty so that no practitioner can be picked out: fewer than "
    f"{THRESHOLD} graded, or fewer than {THRESHOLD} on one side of the second-best grade; by "
    "grade, a count from 1 to 4 and any count that would give one away")


def _describe(f: ThemeFilter) -> str:
    parts = [f"framework {f.framework_id}" + (f" version {f.version}" if f.version else "")]
    if f.date_from or f.date_to:
        parts.append(f"from {f.date_from or 'the start'} to {f.date_to or 'today'}")
    for name, value in (("law type", f.law_type), ("case type", f.case_type),
                        ("kind", f.kind.value if f.kind else None)):
        if value:
            parts.append(f"{name} {value}")
    if f.region_id or f.service_area_id or f.team_id:
        parts.append("one region, service area or team")
    return "; ".join(parts)


def export_table(store: Store, actor: Actor, f: ThemeFilter, by: tuple[str, ...], out: Path,
                 marking: str = "OFFICIAL-SENSITIVE") -> Path:
    """The themes table as CSV (out ends .csv) or a workbook (.xlsx) with an About sheet.
    Names no one: the finest grain is a team."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidInput("Save the themes table as a .csv or .xlsx file.")
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder: give a file name to save the table as.")
    if not out.parent.is_dir():
        raise InvalidInput(f"The folder {out.parent} does not exist.")
    header, rows = themes_table(store, actor, f, by)
    try:
        if suffix == ".csv":
            write_csv(out, header, rows)
        else:
            write_xlsx(out, [("Export", "qa_audit themes table (counts of graded "
                                        "assessments; no one is named)"),
                             ("Protective marking", marking), ("Filters", _describe(f)),
                             ("too_few", SMALL_COUNTS_NOTE),
                             ("Produced", f"{dt.datetime.now(dt.UTC):%d %b %Y %H:%M} UTC")],
                       [("Themes", header, rows)])
    except OSError as exc:
        raise StoreError(f"The table could not be written to {out}: {exc.strerror or exc}. "
                         "Nothing was saved there.") from exc
    with store.unit_of_work() as session:
        audit_log.record(session, actor, f"export_themes_{suffix[1:]}", "database",
                         uuid.UUID(int=0))
    return out


@dataclass(frozen=True)
class FrameworkChoice:
    framework_id: str
    title: str
    versions: tuple[str, ...]
    assessments: int
    """Submitted-or-later assessments in the actor's view (the busiest is offered first)."""


def framework_choices(store: Store, actor: Actor) -> list[FrameworkChoice]:
    """The frameworks to filter themes by, busiest first."""
    check(actor, Action.VIEW_THEMES)
    counts = (select(col(Assessment.framework_version_id), func.count())
              .where(_scope(actor), col(Assessment.status) != Status.DRAFT.value)
              .group_by(col(Assessment.framework_version_id)))
    with store.reading() as session:
        used = dict(session.execute(counts).all())
        versions = session.execute(
            select(col(FrameworkVersion.id), col(FrameworkVersion.framework_id),
                   col(FrameworkVersion.version), col(FrameworkVersion.title))
            .order_by(col(FrameworkVersion.imported_at).desc())).all()
    out: dict[str, FrameworkChoice] = {}
    for vid, fid, version, title in versions:
        old = out.get(fid)
        n = int(used.get(vid, 0))
        out[fid] = FrameworkChoice(fid, old.title if old else title,
                                   (*(old.versions if old else ()), version),
                                   n + (old.assessments if old else 0))
    return sorted(out.values(), key=lambda c: (-c.assessments, c.title))
