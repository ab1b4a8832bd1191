"""The reflective-supervision summary of one assessment, as a PDF."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qa_audit.domain.disclosure import HIDDEN, count_text

from .model import ActionEntry, AssessmentReport, Profile, TeamContext
from .pdf_charts import grade_bar_pages
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
    signed,
    table,
    text,
    when,
)

TITLE = "Reflective supervision summary"
SIGNING_MEANS = (
    "<b>What signing means.</b> The practitioner's signature records that they have read "
    "this summary and agreed the actions, and that the reflection, agreement and reasons "
    "above are theirs; it does not mean they agree with every judgement. The supervisor's "
    "signature (the assessment finalised) records that the summary is complete and final: "
    "later corrections are made only as dated addenda.")


# Room for an area heading, a standard's title and grade, its indicators and the first
# lines of its evidence: with less left on the page, the standard starts on the next one.
STANDARD_START = 90


def _standards(report: AssessmentReport) -> list[Any]:
    """Each standard: its title and grade kept on the page where its evidence starts (a
    conditional page break: cheaper than keeping the whole evidence together, which may
    run over pages anyway)."""
    from reportlab.platypus import CondPageBreak, Spacer

    p = para
    out: list[Any] = []
    area = None
    for entry in report.standards:
        out.append(CondPageBreak(STANDARD_START))
        if entry.area != area:
            area = entry.area
            out.append(p(text(area), "h3"))
        out.append(p(f"<b>{text(entry.title)}</b> — {text(entry.grade_label)}"))
        if entry.indicators:
            out.append(p("Indicators seen: " + "; ".join(text(i) for i in entry.indicators),
                         "small"))
        out.append(p(f"<b>Evidence:</b> {or_none(entry.evidence)}"))
        out.append(p(f"<b>Commentary:</b> {or_none(entry.commentary)}"))
        if entry.practitioner_comment:
            out.append(p(f"<b>Practitioner's comment:</b> {text(entry.practitioner_comment)}"))
        out.append(Spacer(1, 4))
    return out


def _response(report: AssessmentReport) -> list[Any]:
    """The reflection, agreement and reasons, and the supervisor's reply to them."""
    p = para
    out: list[Any] = [p("The practitioner's reflection", "h2"), p(or_none(report.reflection))]
    if report.agreement:
        out.append(p(f"<b>Agreement:</b> {text(report.agreement)}"))
    if report.reasons.strip():
        out.append(p(f"<b>Reasons:</b> {text(report.reasons)}"))
        out.append(p("The supervisor's reply", "h3"))
        if report.reply.strip():
            by = f"{text(report.reply_by)}, {signed(report.reply_at)}"
            out += [p(text(report.reply)), p(f"Replied by {by}.", "small")]
        else:
            out.append(p("<i>No reply recorded yet.</i>"))
    if report.moderation:
        out += [p("Moderation", "h2"), p(text(report.moderation))]
    return out


def _team_context(context: TeamContext, width: float) -> list[Any]:
    p = para
    out: list[Any] = [p("Team context", "h2"), p(
        f"Overall judgements of {text(context.team)}'s submitted assessments against this "
        f"framework in {text(context.quarter)} ({_count(context.total)} in all). Counts "
        "under 5 are not shown (a dash), nor any other count that would give one away: "
        "too few to read.", "small")]
    if not context.overall:
        return [*out, p("<i>No overall judgements yet this quarter.</i>")]
    rows: list[list[Any]] = [header_row("Overall judgement", "Assessments")]
    rows += [[p(text(label)), p(str(n) if n is not None else HIDDEN)]
             for label, n in context.overall]
    return [*out, table(rows, [width * 0.6, width * 0.4], header=True)]


def _count(n: int | None) -> str:
    return "not shown" if n is None else count_text(n)


def story(report: AssessmentReport, width: float) -> list[Any]:
    from reportlab.platypus import CondPageBreak, Spacer

    p = para
    out: list[Any] = [
        p(TITLE, "h1"),
        p(f"{text(report.kind)} · {text(report.profile.label)}"
          + (f" · <b>{text(report.note)}</b>" if report.note else ""), "small"),
        p(text(report.profile.purpose) + (" Includes the team context."
                                           if report.team_context is not None else ""),
          "small"),
        Spacer(1, 6),
    ]
    if report.scanned:
        out.append(scanned_note())
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
    out += [p("Grades by standard", "h2"),
            *grade_bar_pages(report.standards, report.scale, width)]
    out.append(p("Standards", "h2"))
    out += _standards(report)
    for heading, value in (("The child's voice", report.childs_voice),
                           ("Impact of delay", report.impact_of_delay),
                           ("Strengths", report.strengths),
                           ("Areas for development", report.areas_for_development)):
        out += [p(heading, "h2"), p(or_none(value))]
    out.append(p("Actions", "h2"))
    out.append(actions_table(report.actions, width) if report.actions
               else p("<i>None recorded</i>"))
    out += _response(report)
    if report.addenda:
        out.append(p("Addenda", "h2"))
        for addendum in report.addenda:
            out += [CondPageBreak(40),  # who and when, on the page where the text starts
                    p(f"<b>{text(addendum.author)}</b>, {signed(addendum.written_at)}"),
                    p(text(addendum.text)), Spacer(1, 3)]
    if report.team_context is not None and report.profile is Profile.MANAGER:
        out += _team_context(report.team_context, width)
    out.append(sign_off([("Practitioner", report.practitioner, report.practitioner_signed),
                         ("Supervisor", report.supervisor, report.supervisor_signed)], width,
                        SIGNING_MEANS, footnote(report.marking, report.generated_at)))
    return out


def _status(action: ActionEntry) -> str:
    if action.status == "Done" and action.completed is not None:
        return f"Done {action.completed:%d %b %Y}"
    return text(action.status)


def actions_table(actions: Sequence[ActionEntry], width: float) -> Any:
    """Action, standard, owner, due, status (done actions with their completion date); the
    header repeats across pages. Without any action tied to a standard, the Standard
    column is left out."""
    with_standard = any(a.standard not in ("", "—") for a in actions)
    heads = ["Action", *(["Standard"] if with_standard else []), "Owner", "Due", "Status"]
    rows: list[list[Any]] = [header_row(*heads)]
    for a in actions:
        rows.append([para(text(a.text)), *([para(text(a.standard))] if with_standard else []),
                     para(text(a.owner)), para(when(a.due)), para(_status(a))])
    widths = ([0.38, 0.22, 0.16, 0.12, 0.12] if with_standard
              else [0.52, 0.2, 0.13, 0.15])
    return table(rows, [width * w for w in widths], header=True)


def render_assessment(report: AssessmentReport) -> bytes:
    """The PDF as bytes (the caller writes it whole)."""
    return build_pdf(
        story(report, content_width()), header_title=TITLE,
        marking=report.marking, audience=report.profile.label, draft=report.draft,
        title=f"{TITLE} — {report.case_reference}",
        author=report.supervisor, subject=f"{report.framework} · {report.profile.label}",
        note=report.note)
