"""Summaries over a period: one practitioner's reflective cycle, and a team's themes.

The team summary shows distributions and trends for the team as a whole; it names and
ranks no one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from qa_audit.domain.disclosure import (
    HIDDEN,
    THRESHOLD,
    ProtectedRow,
    is_small,
    protect_row,
    protect_split,
)
from qa_audit.domain.disclosure import TOO_FEW as TOO_FEW_TEXT
from qa_audit.domain.disclosure import count_text as alone

from .model import (
    ActionCounts,
    ActionEntry,
    FrameworkSection,
    PeriodReport,
    SessionEntry,
    TeamReport,
)
from .pdf_assessment import actions_table
from .pdf_charts import distribution_bar_pages, legend, tally_rows, timeline
from .pdf_common import (
    FONT,
    FONT_BOLD,
    build_pdf,
    content_width,
    details_table,
    footnote,
    header_row,
    para,
    scanned_note,
    table,
    text,
    when,
)
from .pdf_session import assessments_table

PERIOD_TITLE = "Practitioner period summary"
TEAM_TITLE = "Team practice summary"


def _period(date_from: Any, date_to: Any) -> str:
    return f"{date_from:%d %B %Y} to {date_to:%d %B %Y}"


def _none() -> Any:
    return para("<i>None recorded</i>")


SMALLEST_COUNT = THRESHOLD  # a team summary marks counts under this as too few to read
TOO_FEW = TOO_FEW_TEXT


def count_text(n: int, small: bool) -> str:
    """A count standing alone as a team summary prints it: 1 to 4 withheld."""
    return alone(n) if small else str(n)


def protected_actions(counts: ActionCounts) -> tuple[ProtectedRow, ProtectedRow, ProtectedRow]:
    """Action completion as a team summary may show it (domain/disclosure.py): done and
    open of all actions; done by the due date and later of those done; overdue and not yet
    due of those open. A part whose whole is hidden is hidden with it."""
    top = protect_row((counts.done, counts.open))
    done = protect_row((counts.done_on_time, counts.done - counts.done_on_time))
    still = protect_row((counts.overdue, counts.open - counts.overdue))
    return top, (done if top.shown[0] else _all_hidden(done)), (
        still if top.shown[1] else _all_hidden(still))


def _all_hidden(row: ProtectedRow) -> ProtectedRow:
    return ProtectedRow(row.counts, (False,) * len(row.counts), False)


def overdue_shown(counts: ActionCounts) -> bool:
    """Whether a team summary may print the number of overdue actions (and so list them)."""
    return protected_actions(counts)[2].shown[0]


def action_counts_table(counts: ActionCounts, width: float, small: bool = False) -> Any:
    """Counts of actions and their shares of all actions; with `small` (a team summary),
    what domain/disclosure.py hides is printed as a dash, with no share."""
    def figure(n: int | None) -> str:
        if n is None:
            return HIDDEN
        return f"{n} ({round(100 * n / counts.total)}%)" if counts.total else str(n)

    if small:
        top, done, still = protected_actions(counts)
        cells = [top.total_text(), figure(top.value(0)), figure(done.value(0)),
                 figure(top.value(1)), figure(still.value(0))]
    else:
        cells = [str(counts.total), figure(counts.done), figure(counts.done_on_time),
                 figure(counts.open), figure(counts.overdue)]
    rows = [header_row("Actions", "Done", "Done by the due date", "Open", "Overdue"),
            [para(c) for c in cells]]
    return table(rows, [width * 0.2] * 5, header=True)


def grade_table(section: FrameworkSection, width: float, small: bool = False) -> Any:
    """Standards × grades: count and share of each grade, N/A apart; header repeats. With
    `small` (a team summary) each standard's grades are a row protected by
    domain/disclosure.py: hidden cells print a dash and no share."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    codes = [b.code for b in section.scale]
    heads = [*codes, "N/A", "Graded"]
    # Each figure column as wide as its heading (bold, plus the cell's padding) and "100%";
    # the standard's title takes the rest, but never less than a fifth of the width.
    wanted = [max(stringWidth(h, FONT_BOLD, 9.5), stringWidth("100%", FONT, 8)) + 14
              for h in heads]
    fit = min(1.0, width * 0.8 / sum(wanted))
    columns = [w * fit for w in wanted]
    first = width - sum(columns)
    rows: list[list[Any]] = [header_row("Standard", *heads)]
    for t in section.standards:
        counts = dict(t.counts)
        row = protect_row([counts.get(c, 0) for c in codes])
        if not small:
            row = ProtectedRow(row.counts, (True,) * len(codes), True)
        cells = [para(_cell(row, i), "small") for i in range(len(codes))]
        rows.append([para(text(t.title), "small"), *cells,
                     para(count_text(t.not_applicable, small), "small"),
                     para(row.total_text(), "small")])
    return table(rows, [first, *columns], header=True)


def _cell(row: ProtectedRow, i: int) -> str:
    n = row.value(i)
    if n is None:
        return HIDDEN
    share = row.share(i)
    return f"{n}<br/>{round(100 * share)}%" if share is not None else str(n)


def _section_charts(section: FrameworkSection, width: float, heading: str,
                    small: bool = False) -> list[Any]:
    """Heading, a 100% bar per standard and the legend (kept on one page), then the counts
    table (narrow shares are unlabelled in the bars; the table has every figure)."""
    from reportlab.platypus import KeepTogether, Spacer

    title = para(text(heading), "h3")
    if not any(t.graded for t in section.standards):
        return [title, para("<i>No grades recorded</i>")]
    return [KeepTogether([title, *distribution_bar_pages(tally_rows(section.standards),
                                                         section.scale, width, small),
                          legend(section.scale, width)]),
            Spacer(1, 4), para("Counts and shares", "h3"), grade_table(section, width, small)]


def _sorted_actions(actions: Sequence[ActionEntry]) -> list[ActionEntry]:
    order = {"Overdue": 0, "Open": 1, "Done": 2}
    return sorted(actions, key=lambda a: (order.get(a.status, 3), a.due or dt.date.max))


def period_story(report: PeriodReport, width: float) -> list[Any]:
    from reportlab.platypus import KeepTogether, Spacer

    p = para
    out: list[Any] = [
        p(PERIOD_TITLE, "h1"), p(text(report.profile.label), "small"),
        p(text(report.profile.purpose), "small"), Spacer(1, 6),
        *([scanned_note()] if report.scanned else []),
        details_table([("Practitioner", report.practitioner), ("Team", report.team),
                       ("Period", _period(report.date_from, report.date_to)),
                       ("Assessments", str(len(report.assessments)))], width),
        Spacer(1, 4),
        p("Structured as a reflective cycle: what happened, reflection, analysis, action "
          "plan. Only assessments submitted to the practitioner are included.", "small"),
        p("1. What happened", "h2"),
    ]
    if report.assessments:
        out.append(assessments_table(report.assessments, width, with_grades=False))
    else:
        out.append(p("<i>No assessments in this period</i>"))
    for section in report.sections:
        out.append(KeepTogether([
            p(f"Overall grades over time — {text(section.framework)}", "h3"),
            timeline(section.overall, section.scale, width), legend(section.scale, width)]))
    out += _sessions(report.sessions, width)
    out.append(p("2. Reflection", "h2"))
    if report.reflections:
        rows: list[list[Any]] = [header_row("Date", "Case reference", "Agreement",
                                            "The practitioner's reflection")]
        for r in report.reflections:
            agreement = text(r.agreement) or "—"
            if r.reasons.strip():
                agreement += f"<br/><br/><b>Reasons:</b> {text(r.reasons)}"
            rows.append([p(r.assessed_on.strftime("%d %b %Y")), p(text(r.case_reference) or "—"),
                         p(agreement), p(text(r.reflection) or "<i>None recorded</i>")])
        # (a date and a case reference each on one line, as in the table of assessments)
        out.append(table(rows, [width * 0.15, width * 0.2, width * 0.27, width * 0.38],
                         header=True))
    else:
        out.append(_none())
    out.append(p("3. Analysis", "h2"))
    for heading, items, what in (
            ("Recurring strengths", report.strengths, "At the best grade"),
            ("Recurring areas for development", report.development,
             "Below the second-best grade")):
        out.append(p(heading, "h3"))
        if items:
            rows = [header_row("Standard", what, "Times graded")]
            rows += [[p(text(title)), p(str(n)), p(str(total))] for title, n, total in items]
            out.append(table(rows, [width * 0.6, width * 0.22, width * 0.18], header=True))
        else:
            out.append(_none())
    for section in report.sections:
        out += _section_charts(section, width, f"Grades by standard — {section.framework}")
    out += [p("4. Action plan", "h2"), action_counts_table(report.action_counts, width),
            Spacer(1, 6)]
    out.append(actions_table(_sorted_actions(report.actions), width) if report.actions
               else _none())
    out += [Spacer(1, 8), footnote(report.marking, report.generated_at, report.prepared_by)]
    return out


def _sessions(sessions: Sequence[SessionEntry], width: float) -> list[Any]:
    """The supervision sessions held in the period, each with the actions agreed in it."""
    from reportlab.platypus import CondPageBreak

    p = para
    out: list[Any] = [p("Supervision sessions in the period", "h3")]
    if not sessions:
        return [*out, p("<i>No supervision sessions recorded in this period</i>")]
    for n, entry in enumerate(sessions):
        if n:  # (the heading's own break makes room for the first)
            out.append(CondPageBreak(60))  # the session's line with its first action
        out.append(p(f"<b>{entry.held_on:%d %B %Y}</b> with {text(entry.supervisor)} · "
                     f"{text(entry.signed)}"))
        out.append(actions_table(entry.actions, width) if entry.actions
                   else p("<i>No actions agreed</i>", "small"))
    return out


def team_story(report: TeamReport, width: float) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    p = para
    by_status = protect_row([n for _, n in report.status_counts])
    statuses = ", ".join(f"{text(s)} {by_status.cell_text(i)}"
                         for i, (s, _) in enumerate(report.status_counts)) or "none"
    out: list[Any] = [
        p(TEAM_TITLE, "h1"), p(text(report.profile.label), "small"),
        p(text(report.profile.purpose), "small"), Spacer(1, 6),
        details_table([("Team", report.team), ("Region", report.region),
                       ("Period", _period(report.date_from, report.date_to))], width),
        Spacer(1, 4),
        p(f"Assessments by status: {statuses}.", "small"),
        p("Figures describe the team's practice as a whole. No practitioner is named or "
          "ranked. N/A grades are shown apart and left out of the shares. " + SMALL_COUNTS,
          "small"),
    ]
    if report.scanned:
        out.append(p("Action text was scanned for the names of everyone in this database and "
                     "for case references, which are replaced by stand-ins.", "small"))
    if not report.sections:
        out += [p("Grades", "h2"), p("<i>No submitted assessments in this period</i>")]
    for section in report.sections:
        out += [CondPageBreak(200), p(text(section.framework), "h2"),
                *_section_charts(section, width, "Grades by standard", small=True)]
        if section.quarters:
            out.append(KeepTogether([p("Trend by quarter: overall judgements", "h3"),
                                     *distribution_bar_pages(section.quarters, section.scale,
                                                             width, small=True)]))
    if report.themes is not None:  # exported from the Themes view: its figures too
        from .pdf_themes import themes_story

        scale = report.sections[0].scale if report.sections else ()
        out += themes_story(report.themes, scale, width)
    out.append(p("Top areas for development", "h2"))
    if report.development:
        rows: list[list[Any]] = [header_row("Standard", "Graded below the second-best grade",
                                            "Times graded")]
        rows += [[p(text(title)), p(below), p(graded)]
                 for title, below, graded in development_rows(report)]
        out.append(table(rows, [width * 0.56, width * 0.26, width * 0.18], header=True))
    else:
        out.append(_none())
    out += [p("Action completion", "h2"),
            action_counts_table(report.action_counts, width, small=True)]
    out += [p("Overdue actions", "h2"), *_overdue(report, width)]
    out += [Spacer(1, 8), footnote(report.marking, report.generated_at, report.prepared_by)]
    return out


SMALL_COUNTS = (
    "So that no practitioner can be picked out, a count from 1 to 4 is not shown (a dash, "
    "with no share), nor is a row whose total is under 5 (its total reads \u201cfewer "
    "than 5\u201d), and where the other figures of a row would give a hidden count away, "
    "another count is hidden with it.")


def _overdue(report: TeamReport, width: float) -> list[Any]:
    """The overdue actions, listed only when their number may be printed: a list's length
    is its count, and a team summary travels beyond the team. Supervisors see each action
    in the app."""
    if not overdue_shown(report.action_counts):
        return [para("Not listed: the number of overdue actions is too few to print (see "
                     "Action completion above), and a list would show it. Supervisors see "
                     "them in the app's Actions list.")]
    if report.overdue:
        rows = [header_row("Action", "Due")]
        rows += [[para(text(a.text)), para(when(a.due))] for a in report.overdue]
        return [table(rows, [width * 0.8, width * 0.2], header=True)]
    if report.action_counts.overdue:
        return [para(f"{report.action_counts.overdue} overdue: listed in the app's Actions "
                     "list.")]
    return [_none()]


def development_rows(report: TeamReport) -> list[tuple[str, str, str]]:
    """(standard, times below the second-best grade, times graded) as printed: the count
    below is a sum of grade cells, so it is shown only when every grade table row of that
    standard may show that sum, and as a part of its total (domain/disclosure.py)."""
    out = []
    for title, below, graded in report.development:
        sums: list[int | None] = []
        totals = True  # every grade table row of the standard shows its total
        for section in report.sections:
            second = section.scale[1].score if len(section.scale) > 1 else None
            low = [i for i, b in enumerate(section.scale)
                   if second is not None and b.score < second]
            for t in section.standards:
                if t.title == title:
                    counts = dict(t.counts)
                    row = protect_row([counts.get(b.code, 0) for b in section.scale])
                    sums.append(row.sum_of(low))
                    totals = totals and row.total_shown
        split = protect_split(below, graded)
        shown = split.value(0) is not None and all(v is not None for v in sums)
        graded_text = alone(graded) if is_small(graded) else (
            str(graded) if totals else HIDDEN)
        out.append((title, str(below) if shown else HIDDEN, graded_text))
    return out


def render_period(report: PeriodReport) -> bytes:
    return build_pdf(
        period_story(report, content_width()), header_title=PERIOD_TITLE,
        marking=report.marking, audience=report.profile.label, draft=False,
        title=f"{PERIOD_TITLE} — {report.practitioner}", author=report.prepared_by,
        subject=f"{_period(report.date_from, report.date_to)} · {report.profile.label}")


def render_team(report: TeamReport) -> bytes:
    return build_pdf(
        team_story(report, content_width()), header_title=TEAM_TITLE, marking=report.marking,
        audience=report.profile.label, draft=False, title=f"{TEAM_TITLE} — {report.team}",
        author=report.prepared_by,
        subject=f"{_period(report.date_from, report.date_to)} · {report.profile.label}")
