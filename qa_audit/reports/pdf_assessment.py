"""The reflective-supervision summary of one assessment, as a PDF."""

from __future__ import annotations

from typing import Any

from .model import AssessmentReport
from .pdf_charts import grade_bars
from .pdf_common import (
    build_pdf,
    content_width,
    details_table,
    footnote,
    header_row,
    or_none,
    para,
    sign_off,
    table,
    text,
    when,
)


def story(report: AssessmentReport, width: float) -> list[Any]:
    from reportlab.platypus import KeepTogether, Spacer

    p = para
    out: list[Any] = [
        p("Reflective supervision summary", "h1"),
        p(f"{text(report.kind)} · {text(report.profile.label)}", "small"),
        Spacer(1, 6),
    ]
    details = [
        ("Practitioner", report.practitioner), ("Supervisor", report.supervisor),
        ("Date", report.assessed_on.strftime("%d %B %Y")),
        ("Case reference", report.case_reference or "—"),
        ("Case type", f"{report.case_type or '—'}"
                      + (f" ({report.law_type} law)" if report.law_type else "")),
        ("Framework", f"{report.framework} · #{report.framework_hash}"),
        ("Status", report.status), ("Overall judgement", report.overall),
    ]
    details += [(label, value) for label, value in report.context]
    out.append(details_table(details, width))
    out += [p("Grades by standard", "h2"), grade_bars(report.standards, report.scale, width)]
    out.append(p("Standards", "h2"))
    area = None
    for entry in report.standards:
        block = []
        if entry.area != area:
            area = entry.area
            block.append(p(text(area), "h3"))
        block.append(p(f"<b>{text(entry.title)}</b> — {text(entry.grade_label)}"))
        if entry.indicators:
            block.append(p("Indicators seen: " + "; ".join(text(i) for i in entry.indicators),
                           "small"))
        out.append(KeepTogether(block))
        out.append(p(f"<b>Evidence:</b> {or_none(entry.evidence)}"))
        out.append(p(f"<b>Commentary:</b> {or_none(entry.commentary)}"))
        out.append(Spacer(1, 4))
    for heading, value in (("The child's voice", report.childs_voice),
                           ("Impact of delay", report.impact_of_delay),
                           ("Strengths", report.strengths),
                           ("Areas for development", report.areas_for_development)):
        out += [p(heading, "h2"), p(or_none(value))]
    out.append(p("Actions", "h2"))
    if report.actions:
        out.append(actions_table(report.actions, width))
    else:
        out.append(p("<i>None recorded</i>"))
    out += [p("The practitioner's reflection", "h2"), p(or_none(report.reflection))]
    if report.agreement:
        out.append(p(f"<b>Agreement:</b> {text(report.agreement)}"))
    if report.reasons.strip():
        out.append(p(f"<b>Reasons:</b> {text(report.reasons)}"))
    if report.addenda:
        out.append(p("Addenda", "h2"))
        out += [p(text(a)) for a in report.addenda]
    out.append(p("Sign-off", "h2"))
    out.append(sign_off([("Practitioner", report.practitioner, report.practitioner_signed),
                         ("Supervisor", report.supervisor, report.supervisor_signed)], width))
    out += [Spacer(1, 8), footnote(report.marking, report.generated_at)]
    return out


def actions_table(actions: Any, width: float) -> Any:
    """Action, standard, owner, due, status; the header repeats across pages."""
    rows: list[list[Any]] = [header_row("Action", "Standard", "Owner", "Due", "Status")]
    for a in actions:
        rows.append([para(text(a.text)), para(text(a.standard)), para(text(a.owner)),
                     para(when(a.due)), para(text(a.status))])
    return table(rows, [width * 0.38, width * 0.22, width * 0.16, width * 0.12, width * 0.12],
                 header=True)


def render_assessment(report: AssessmentReport) -> bytes:
    """The PDF as bytes (the caller writes it whole)."""
    return build_pdf(
        story(report, content_width()), header_title="Reflective supervision summary",
        marking=report.marking, audience=report.profile.label, draft=report.draft,
        title=f"Reflective supervision summary — {report.case_reference}",
        author=report.supervisor, subject=f"{report.framework} · {report.profile.label}")
