"""The reflective-supervision summary of one assessment, as a PDF."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from .model import AssessmentReport
from .pdf_common import FONT, or_none, page_frame, styles, text

MARGIN = 48


def grade_chart(report: AssessmentReport, width: float) -> Any:
    """Horizontal bars of each graded standard's score, labelled with the grade in words
    (colour from the framework helps but never carries the meaning alone)."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors

    rows = [s for s in report.standards if s.score is not None]
    top = max((b.score for b in report.scale), default=1.0) or 1.0
    label_w, bar_w, row_h = width * 0.42, width * 0.3, 14
    drawing = Drawing(width, row_h * max(1, len(rows)) + 6)
    colour_of = {b.code: b.colour for b in report.scale}
    for i, entry in enumerate(rows):
        y = drawing.height - (i + 1) * row_h
        title = entry.title if len(entry.title) <= 60 else entry.title[:59] + "…"
        drawing.add(String(0, y + 3, title, fontName=FONT, fontSize=7.5))
        length = bar_w * (entry.score or 0) / top
        fill = colors.HexColor(colour_of.get(entry.grade_code or "") or "#2f6fb3")
        drawing.add(Rect(label_w, y + 1, length, row_h - 4, fillColor=fill, strokeWidth=0))
        drawing.add(String(label_w + length + 4, y + 3, entry.grade_label, fontName=FONT,
                           fontSize=7.5))
    if not rows:
        drawing.add(String(0, 4, "No standard graded yet", fontName=FONT, fontSize=8))
    return drawing


def _table(rows: list[list[Any]], widths: list[float], header: bool = False) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d7de")),
             ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eaeef2")))
    table.setStyle(TableStyle(style))
    return table


def story(report: AssessmentReport, width: float) -> list[Any]:
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    s = styles()
    def p(value: str, style: str = "body") -> Any:
        return Paragraph(value, s[style])

    out: list[Any] = [
        p("Reflective supervision summary", "h1"),
        p(f"{text(report.kind)} · {text(report.profile.label)}", "small"),
        Spacer(1, 6),
    ]
    details = [
        ["Practitioner", report.practitioner], ["Supervisor", report.supervisor],
        ["Date", report.assessed_on.strftime("%d %B %Y")],
        ["Case reference", report.case_reference or "—"],
        ["Case type", f"{report.case_type or '—'} ({report.law_type or '—'} law)"],
        ["Framework", f"{report.framework} · #{report.framework_hash}"],
        ["Status", report.status], ["Overall judgement", report.overall],
    ]
    details += [[label, value] for label, value in report.context]
    out.append(_table([[p(text(a), "label"), p(text(b))] for a, b in details],
                      [width * 0.3, width * 0.7]))
    out += [p("Grades by standard", "h2"), grade_chart(report, width)]
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
        rows: list[list[Any]] = [[p("Action", "label"), p("Standard", "label"),
                                  p("Owner", "label"), p("Due", "label"), p("Status", "label")]]
        for a in report.actions:
            due = a.due.strftime("%d %b %Y") if a.due else "—"
            rows.append([p(text(a.text)), p(text(a.standard)), p(text(a.owner)), p(due),
                         p(text(a.status))])
        out.append(_table(rows, [width * 0.38, width * 0.22, width * 0.16, width * 0.12,
                                 width * 0.12], header=True))
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

    def signed(when: Any) -> str:
        return when.strftime("%d %b %Y %H:%M UTC") if when else "Not signed"

    out.append(_table([[p("Practitioner", "label"), p(text(report.practitioner)),
                        p(signed(report.practitioner_signed))],
                       [p("Supervisor", "label"), p(text(report.supervisor)),
                        p(signed(report.supervisor_signed))]],
                      [width * 0.25, width * 0.4, width * 0.35]))
    out.append(Spacer(1, 8))
    out.append(p(f"Produced {report.generated_at:%d %b %Y %H:%M} UTC by qa_audit. "
                 f"{text(report.marking)}: handle and store according to your service's "
                 "rules.", "small"))
    return out


def render_assessment(report: AssessmentReport) -> bytes:
    """The PDF as bytes (the caller writes it whole)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=56,
        bottomMargin=48, title=f"Reflective supervision summary — {report.case_reference}",
        author=report.supervisor, subject=f"{report.framework} · {report.profile.label}",
        creator="qa_audit",
    )
    width = A4[0] - 2 * MARGIN
    canvas = page_frame(report.marking, report.profile.label, report.draft,
                        "Reflective supervision summary")
    doc.build(story(report, width), canvasmaker=canvas)
    return buffer.getvalue()


def write_pdf(data: bytes, out: Path) -> Path:
    """Write atomically so a crash never leaves half a PDF under the final name."""
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out

