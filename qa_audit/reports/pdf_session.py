"""The record of one reflective supervision session, as a PDF."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .model import DiscussedAssessment, SessionReport
from .pdf_assessment import actions_table
from .pdf_common import (
    build_pdf,
    content_width,
    details_table,
    footnote,
    header_row,
    or_none,
    para,
    scanned_note,
    sign_off,
    table,
    text,
)

TITLE = "Supervision session record"
SIGNING_MEANS = (
    "<b>What signing means.</b> Each signature records that its signer agrees this is a "
    "fair record of the session and of the actions agreed; any later change withdraws both "
    "signatures. Once both have signed, the record is closed.")


def assessments_table(items: Sequence[DiscussedAssessment], width: float,
                      with_grades: bool = True) -> Any:
    """Date, case, framework, overall and status; with `with_grades`, each standard's
    grade under the row."""
    rows: list[list[Any]] = [header_row("Date", "Case reference", "Kind / framework",
                                        "Overall", "Status")]
    for a in items:
        rows.append([para(a.assessed_on.strftime("%d %b %Y")), para(text(a.case_reference)
                     or "—"), para(f"{text(a.kind)}<br/>{text(a.framework)}", "small"),
                     para(text(a.overall)), para(text(a.status))])
        if with_grades and a.grades:
            grades = "; ".join(f"{text(title)}: <b>{text(grade)}</b>"
                               for title, grade in a.grades)
            rows.append([para("", "small"), para(grades, "small"), "", "", ""])
    grid = table(rows, [width * 0.15, width * 0.2, width * 0.28, width * 0.22, width * 0.15],
                 header=True)
    from reportlab.platypus import TableStyle

    spans = [("SPAN", (1, r), (-1, r)) for r, row in enumerate(rows) if row[2] == ""]
    grid.setStyle(TableStyle(spans))
    return grid


def story(report: SessionReport, width: float) -> list[Any]:
    from reportlab.platypus import Spacer

    p = para
    out: list[Any] = [p(TITLE, "h1"),
                      p(text(report.profile.label)
                        + (f" · <b>{text(report.note)}</b>" if report.note else ""), "small"),
                      p(text(report.profile.purpose), "small"), Spacer(1, 6)]
    if report.scanned:
        out.append(scanned_note())
    out.append(details_table([("Date", report.held_on.strftime("%d %B %Y")),
                              ("Supervisor", report.supervisor),
                              ("Practitioner", report.practitioner)], width))
    for label, notes in report.notes:
        out += [p(text(label), "h2"), p(or_none(notes))]
    out += [p("The practitioner's reflection", "h2"), p(or_none(report.practitioner_reflection))]
    out.append(p("Assessments discussed", "h2"))
    if report.assessments:
        out.append(assessments_table(report.assessments, width))
    else:
        out.append(p("<i>None recorded</i>"))
    out.append(p("Reflective prompts used", "h2"))
    if report.prompts:
        out.append(p("From the standards graded below the framework's second-best grade.",
                     "small"))
        # One row per standard and grade, its prompts listed together (a standard with
        # four prompts is not named four times).
        grouped: dict[tuple[str, str], list[str]] = {}
        for x in report.prompts:
            grouped.setdefault((x.standard, x.grade), []).append(x.text)
        rows: list[list[Any]] = [header_row("Standard", "Grade", "Prompts")]
        rows += [[p(text(standard)), p(text(grade)),
                  p("<br/>".join(f"• {text(prompt)}" for prompt in prompts))]
                 for (standard, grade), prompts in grouped.items()]
        out.append(table(rows, [width * 0.3, width * 0.18, width * 0.52], header=True))
    else:
        out.append(p("<i>None recorded</i>"))
    out.append(p("Actions agreed", "h2"))
    out.append(actions_table(report.actions, width) if report.actions
               else p("<i>None recorded</i>"))
    out.append(sign_off([("Supervisor", report.supervisor, report.supervisor_signed),
                         ("Practitioner", report.practitioner, report.practitioner_signed)],
                        width, SIGNING_MEANS,
                        footnote(report.marking, report.generated_at, report.prepared_by)))
    return out


def render_session(report: SessionReport) -> bytes:
    return build_pdf(
        story(report, content_width()), header_title=TITLE, marking=report.marking,
        audience=report.profile.label, draft=report.draft,
        title=f"{TITLE} — {report.held_on:%d %b %Y}", author=report.supervisor,
        subject=f"{TITLE} · {report.profile.label}", note=report.note)
