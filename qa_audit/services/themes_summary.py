"""The Themes view exported as the team practice summary PDF: the same document as the
team summary, drawn from the view's filters (period, region, service area, team or teams,
framework and the rest) with the view's own figures added (the heatmap with too-few cells
marked, grades by quarter, delay by team). Teams and standards only: no one is named."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from sqlalchemy import and_, func, select
from sqlmodel import col

from qa_audit.domain.framework import NOT_APPLICABLE
from qa_audit.domain.permissions import Actor
from qa_audit.domain.timescales import CASE_TYPES
from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput, StoreError
from qa_audit.reports.model import (
    DelayFigure,
    FrameworkSection,
    HeatFigure,
    Profile,
    StandardTally,
    TeamReport,
    ThemesFigures,
)
from qa_audit.store.database import Store
from qa_audit.store.tables import ActionItem, Assessment, OrgUnit

from . import audit_log
from .read_models import actions_of
from .report_data import DEFAULT_MARKING
from .summaries import count_actions, overdue_entries
from .themes import (
    TOO_FEW,
    Dashboard,
    ThemeFilter,
    _conditions,
    dashboard,
    framework_of,
    newest_version,
    quarter_expression,
)


def _names(store: Store, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    with store.reading() as session:
        return dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.name)).where(
            col(OrgUnit.id).in_(ids))).all())


def _figures(board: Dashboard, f: ThemeFilter, names: dict[uuid.UUID, str],
             per_quarter: dict[str, int]) -> ThemesFigures:
    def period() -> str:
        return f"{f.date_from:%d %b %Y} to {f.date_to:%d %b %Y}"

    filters: list[tuple[str, str]] = [
        ("Framework", board.framework_title), ("Version", f.version or "all versions"),
        ("Period", period())]
    for label, unit in (("Region", f.region_id), ("Service area", f.service_area_id),
                        ("Team", f.team_id)):
        filters.append((label, names.get(unit, "") if unit else "any"))
    case_type = CASE_TYPES[f.case_type].label if f.case_type in CASE_TYPES else f.case_type
    for label, value in (("Law", f.law_type), ("Case type", case_type),
                         ("Assessment kind", f.kind.label if f.kind else None)):
        filters.append((label, value or "any"))
    teams = sorted({c.team_id for c in board.cells}, key=lambda t: board.teams.get(t, ""))
    cells = tuple(
        tuple((HeatFigure(c.good, c.graded, c.too_few, c.withheld) if c is not None else None)
              for c in (board.cell(t, s.id) for s in board.standards))
        for t in teams)
    return ThemesFigures(
        filters=tuple(filters), good_code=board.good_codes[-1], too_few=TOO_FEW,
        standards=tuple(s.title for s in board.standards),
        teams=tuple(board.teams.get(t, "") for t in teams), cells=cells,
        quarters=tuple((q, tuple((b.code, counts.get(b.code, 0)) for b in board.bands))
                       for q, counts in board.quarters),
        quarter_assessments=tuple(per_quarter.get(q, 0) for q, _ in board.quarters),
        benchmark_days=board.benchmark_days, timescale_weeks=board.timescale_weeks,
        delay=tuple(DelayFigure(board.teams.get(d.team_id, ""), d.cases, d.allocated,
                                d.allocated_late, d.mean_allocation_days, d.public_cases,
                                d.over_timescale, d.mean_duration_weeks) for d in board.delay))


def summary_report(store: Store, actor: Actor, f: ThemeFilter, profile: Profile,
                   marking: str = DEFAULT_MARKING, *, today: dt.date | None = None
                   ) -> TeamReport:
    """The team practice summary of the assessments the Themes view shows with `f`."""
    if f.date_from is None or f.date_to is None:
        raise InvalidInput("Choose the first and last day of the period.")
    today = today or dt.date.today()
    board = dashboard(store, actor, f, today=today)  # checks VIEW_THEMES and the filter
    fw = framework_of(store, newest_version(store, f))
    conds = _conditions(actor, f)
    in_view = select(col(Assessment.id)).where(and_(*conds))
    with store.unit_of_work() as session:
        statuses = dict(session.execute(select(col(Assessment.status), func.count())
                                        .where(and_(*conds))
                                        .group_by(col(Assessment.status))).all())
        quarter = quarter_expression()
        per_quarter = {str(q): int(n) for q, n in session.execute(
            select(quarter, func.count()).where(and_(*conds)).group_by(quarter)).all()}
        actions = actions_of(session, col(ActionItem.assessment_id).in_(in_view))
        audit_log.record(session, actor, f"export_themes_pdf_{profile.value}", "database",
                         uuid.UUID(int=0))
    names = _names(store, {u for u in (f.region_id, f.service_area_id, f.team_id) if u})
    by_id = {s.id: s for s in board.standards}
    tallies = tuple(
        StandardTally(area.title, s.title,
                      tuple((b.code, by_id[s.id].counts.get(b.code, 0) if s.id in by_id else 0)
                            for b in board.bands),
                      by_id[s.id].counts.get(NOT_APPLICABLE, 0) if s.id in by_id else 0)
        for area in fw.areas for s in area.standards)
    teams_in_view = {d.team_id for d in board.delay} | {c.team_id for c in board.cells}
    if f.team_id is not None:
        team = names.get(f.team_id, "")
    else:
        shown = sorted(board.teams.get(t, "") for t in teams_in_view)
        team = (f"{len(shown)} teams: " + ", ".join(shown)) if len(shown) != 1 else shown[0]
    region = names.get(f.region_id, "") if f.region_id else (
        "as filtered" if f.service_area_id or f.team_id else "all in your view")
    order = [s.value for s in Status]
    return TeamReport(
        profile=profile, marking=marking, team=team or "no team in view", region=region,
        date_from=f.date_from, date_to=f.date_to,
        status_counts=tuple((Status(s).label, int(statuses[s])) for s in order
                            if s in statuses),
        sections=(FrameworkSection(board.framework_title, board.bands, tallies),),
        action_counts=count_actions(actions, today),
        overdue=overdue_entries(store, actions, today), scanned=True,
        prepared_by="" if profile is Profile.PSEUDONYMISED else actor.display_name,
        themes=_figures(board, f, names, per_quarter))


def export_summary(store: Store, actor: Actor, f: ThemeFilter, out: Path,
                   profile: Profile = Profile.MANAGER, marking: str = DEFAULT_MARKING) -> Path:
    """Write the Themes view's team practice summary to `out` (a .pdf file), whole."""
    from qa_audit.reports.pdf_common import write_pdf
    from qa_audit.reports.pdf_summaries import render_team

    if out.is_dir():
        raise InvalidInput(f"{out} is a folder: give a file name to save the summary as.")
    if out.suffix.lower() != ".pdf":
        raise InvalidInput("Save the team summary as a .pdf file.")
    if not out.parent.is_dir():
        raise InvalidInput(f"The folder {out.parent} does not exist.")
    data = render_team(summary_report(store, actor, f, profile, marking.strip() or
                                      DEFAULT_MARKING))
    try:
        return write_pdf(data, out)
    except OSError as exc:
        raise StoreError(f"The summary could not be written to {out}: "
                         f"{exc.strerror or exc}. Nothing was saved there.") from exc
