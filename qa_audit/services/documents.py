"""One entry point for every PDF the app makes (so the desktop app can preview before it
saves), and batch export of assessment summaries with progress and cancel."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from qa_audit.domain.permissions import Actor
from qa_audit.errors import InvalidInput
from qa_audit.reports.model import Profile

from . import summaries
from .listing import AssessmentQuery, page_details, page_ids
from .report_data import DEFAULT_MARKING, Pseudonym, assessment_report, pseudonymiser
from .store import Store


class DocumentKind(StrEnum):
    ASSESSMENT = "assessment"
    SESSION = "session"
    PERIOD = "period"
    TEAM = "team"

    @property
    def label(self) -> str:
        return {
            "assessment": "Reflective supervision summary",
            "session": "Supervision session record",
            "period": "Practitioner period summary",
            "team": "Team practice summary",
        }[self.value]


@dataclass(frozen=True)
class PdfRequest:
    kind: DocumentKind
    target: uuid.UUID  # the assessment, session, practitioner or team
    profile: Profile = Profile.MANAGER
    marking: str = DEFAULT_MARKING
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def period(self) -> tuple[dt.date, dt.date]:
        if self.date_from is None or self.date_to is None:
            raise InvalidInput("Choose the first and last day of the period.")
        return self.date_from, self.date_to


def render_pdf(store: Store, actor: Actor, request: PdfRequest) -> bytes:
    """The document as PDF bytes (permission-checked; the export is recorded), with the
    audit log's head in its metadata (keywords) as an anchor for `audit-log verify`."""
    from qa_audit.reports.pdf_common import audit_anchor

    from .audit_log import chain_head

    token = audit_anchor.set(chain_head(store).text)
    try:
        return _render_pdf(store, actor, request)
    finally:
        audit_anchor.reset(token)


def _render_pdf(store: Store, actor: Actor, request: PdfRequest) -> bytes:
    from qa_audit.reports import pdf_assessment, pdf_session, pdf_summaries

    marking = request.marking.strip() or DEFAULT_MARKING
    if request.kind is DocumentKind.ASSESSMENT:
        return pdf_assessment.render_assessment(
            assessment_report(store, actor, request.target, request.profile, marking))
    if request.kind is DocumentKind.SESSION:
        return pdf_session.render_session(
            summaries.session_report(store, actor, request.target, request.profile, marking))
    date_from, date_to = request.period()
    if request.kind is DocumentKind.PERIOD:
        return pdf_summaries.render_period(summaries.period_report(
            store, actor, request.target, date_from, date_to, request.profile, marking))
    return pdf_summaries.render_team(summaries.team_report(
        store, actor, request.target, date_from, date_to, request.profile, marking))


def save_pdf(data: bytes, out: Path) -> Path:
    from qa_audit.reports.pdf_common import write_pdf

    return write_pdf(data, out)


def export_pdf(store: Store, actor: Actor, request: PdfRequest, out: Path) -> Path:
    """Make the document and write it whole to `out`."""
    return save_pdf(render_pdf(store, actor, request), out)


@dataclass(frozen=True)
class BatchResult:
    written: tuple[Path, ...]
    total: int
    cancelled: bool


def _file_name(day: dt.date, reference: str, aid: uuid.UUID, profile: Profile,
               alias: Pseudonym) -> str:
    ref = (alias(reference) if profile is Profile.PSEUDONYMISED else reference) or "obs"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in ref)
    return f"{day:%Y-%m-%d}-{safe}-{str(aid)[:8]}-{profile.value}.pdf"


def batch_count(store: Store, actor: Actor, query: AssessmentQuery) -> int:
    from .listing import count_assessments

    return count_assessments(store, actor, query)


def export_batch(
    store: Store, actor: Actor, query: AssessmentQuery, out_dir: Path, profile: Profile,
    marking: str = DEFAULT_MARKING, *,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> BatchResult:
    """A reflective-supervision summary for every assessment `query` finds (within what the
    actor may see), one file each, written whole. `stop` is asked between files; files
    already written are kept and listed."""
    ids = page_ids(store, actor, query, 0, 1_000_000)
    alias = pseudonymiser(store) if profile is Profile.PSEUDONYMISED else str
    rows = {r.id: r for r in page_details(store, ids)}
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for done, aid in enumerate(ids):
        if stop is not None and stop():
            return BatchResult(tuple(written), len(ids), True)
        if progress is not None:
            progress(done, len(ids))
        row = rows[aid]
        out = out_dir / _file_name(row.assessed_on, row.case_reference, aid, profile, alias)
        data = render_pdf(store, actor, PdfRequest(DocumentKind.ASSESSMENT, aid, profile,
                                                   marking))
        written.append(save_pdf(data, out))
    if progress is not None:
        progress(len(ids), len(ids))
    return BatchResult(tuple(written), len(ids), False)


def quarter(day: dt.date, back: int = 0) -> tuple[dt.date, dt.date]:
    """First and last day of the calendar quarter holding `day`, or `back` quarters before."""
    index = (day.year * 4 + (day.month - 1) // 3) - back
    year, q = divmod(index, 4)
    first = dt.date(year, q * 3 + 1, 1)
    next_first = dt.date(year + (q == 3), (q * 3 + 3) % 12 + 1, 1)
    return first, next_first - dt.timedelta(days=1)
