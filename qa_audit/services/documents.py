"""One entry point for every PDF the app makes (so the desktop app can preview before it
saves), and batch export of assessment summaries with progress and cancel."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path

from qa_audit.domain.permissions import Actor
from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput, UserError
from qa_audit.reports.model import AssessmentReport, Profile
from qa_audit.store.database import Store

from . import summaries
from .listing import AssessmentQuery, page_details, page_ids
from .pseudonyms import scrubber
from .report_data import (
    DEFAULT_MARKING,
    BatchMemo,
    Pseudonym,
    assessment_report,
    assessment_reports,
    pseudonymiser,
    record_exports,
)

log = logging.getLogger(__name__)


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
    return anchored(store, partial(_render_pdf, store, actor, request))


def anchored(store: Store, make: Callable[[], bytes]) -> bytes:
    """`make()` with the audit log's head as the PDF's anchor."""
    from qa_audit.reports.pdf_common import audit_anchor

    from .audit_log import chain_head

    token = audit_anchor.set(chain_head(store).text)
    try:
        return make()
    finally:
        audit_anchor.reset(token)


def _render_pdf(store: Store, actor: Actor, request: PdfRequest) -> bytes:
    from qa_audit.reports import pdf_assessment, pdf_session, pdf_summaries

    marking = request.marking.strip() or DEFAULT_MARKING
    if request.kind is DocumentKind.ASSESSMENT:
        return pdf_assessment.render_assessment(assessment_report(
            store, actor, request.target, request.profile, marking))
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
class BatchFailure:
    """A document the batch could not make, and why (in words a person can act on)."""

    assessment_id: uuid.UUID
    file_name: str
    reason: str


@dataclass(frozen=True)
class BatchResult:
    written: tuple[Path, ...]
    total: int
    cancelled: bool
    failed: tuple[BatchFailure, ...] = ()
    index: Path | None = None  # index.csv: one line per document, written or not


INDEX_NAME = "index.csv"
INDEX_HEADER = ("file", "assessment_date", "case_reference", "status", "result", "detail")


def _file_name(day: dt.date, reference: str, aid: uuid.UUID, profile: Profile,
               alias: Pseudonym) -> str:
    ref = (alias(reference) if profile is Profile.PSEUDONYMISED else reference) or "obs"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in ref)[:60]
    return f"{day:%Y-%m-%d}-{safe}-{str(aid)[:8]}-{profile.value}.pdf"


def batch_count(store: Store, actor: Actor, query: AssessmentQuery) -> int:
    from .listing import count_assessments

    return count_assessments(store, actor, query)


def _reason(exc: Exception) -> str:
    """Why one document failed, without case text: a known error's own message, else its
    kind (the log has the rest)."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"could not be written ({exc.strerror or type(exc).__name__})"
    return f"could not be made ({type(exc).__name__}); the other documents are unaffected"


def export_batch(
    store: Store, actor: Actor, query: AssessmentQuery, out_dir: Path, profile: Profile,
    marking: str = DEFAULT_MARKING, *,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> BatchResult:
    """A reflective-supervision summary for every assessment `query` finds (within what the
    actor may see), one file each, written whole. A document that fails is listed and the
    batch goes on; `stop` is asked between files (files already made are written). The
    folder gets an index.csv of every document: written, failed or not reached. Each
    export is in the audit log before its file is written, and only if it was made.
    (Worker processes were tried for the layout: on a busy two-core machine they gained
    nothing, and a frozen app's spawned workers would start the app again.)"""
    from .audit_log import chain_head

    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"{out_dir} is a file, not a folder: choose a folder to save into.")
    ids = page_ids(store, actor, query, 0, 1_000_000)
    hide = profile is Profile.PSEUDONYMISED
    alias = pseudonymiser(store) if hide else str
    scrub = scrubber(store, alias) if hide else None
    rows = {r.id: r for r in page_details(store, ids)}
    out_dir.mkdir(parents=True, exist_ok=True)
    batch = _Batch(out_dir, len(ids), progress)
    memo = BatchMemo()
    marking = marking.strip() or DEFAULT_MARKING
    for aid in ids:
        row = rows[aid]
        name = _file_name(row.assessed_on, row.case_reference, aid, profile, alias)
        batch.lines[aid] = (name, f"{row.assessed_on:%Y-%m-%d}", alias(row.case_reference),
                            Status(row.status).label, "not made", "cancelled")
        batch.names[aid] = name
    # Files are written (and fsynced) by one thread while the next documents are laid out.
    with ThreadPoolExecutor(1, thread_name_prefix="qa-audit-batch-writer") as writer:
        for start in range(0, len(ids), BATCH_CHUNK):
            chunk = ids[start:start + BATCH_CHUNK]
            if batch.cancelled or (stop is not None and stop()):
                batch.cancelled = True
                break
            batch.run(chunk, partial(assessment_reports, store, actor, chunk, profile,
                                     marking, scrub=scrub, memo=memo),
                      partial(record_exports, store, actor, profile=profile),
                      lambda: chain_head(store).text, stop, writer)
        batch.settle()
    if progress is not None and not batch.cancelled:
        progress(len(ids), len(ids))
    index = write_index(out_dir / INDEX_NAME, list(batch.lines.values()), profile, marking)
    return BatchResult(tuple(batch.written), len(ids), batch.cancelled, tuple(batch.failed),
                       index)


# Documents read, laid out and recorded together: the data of a chunk in a few queries, and
# its exports in the audit log in one unit of work, before its files are written.
BATCH_CHUNK = 25


class _Batch:
    """What a batch has made so far: files written in order, failures, index lines."""

    def __init__(self, out_dir: Path, total: int,
                 progress: Callable[[int, int], None] | None) -> None:
        self.out_dir, self.total, self.progress = out_dir, total, progress
        self.written: list[Path] = []
        self.failed: list[BatchFailure] = []
        self.lines: dict[uuid.UUID, tuple[str, ...]] = {}  # in the order listed
        self.names: dict[uuid.UUID, str] = {}
        self.writing: list[tuple[uuid.UUID, Future[Path]]] = []
        self.cancelled = False
        self.done = 0

    def run(self, chunk: list[uuid.UUID],
            read: Callable[[], dict[uuid.UUID, AssessmentReport | UserError]],
            record: Callable[[list[uuid.UUID]], None], head: Callable[[], str],
            stop: Callable[[], bool] | None, writer: Executor) -> None:
        """Read a chunk of documents, lay each out (`stop` is asked before each), record
        the exports of those made, then hand them to `writer`; a failure is listed and the
        batch goes on."""
        from qa_audit.reports.pdf_assessment import render_assessment
        from qa_audit.reports.pdf_common import audit_anchor

        try:
            anchor = head()  # the audit log's head, printed in each PDF's metadata
            reports = read()
        except Exception as exc:  # e.g. the database went away: each is listed as failed
            for aid in chunk:
                self.fail(aid, exc)
            self.done += len(chunk)
            return
        made: list[tuple[uuid.UUID, bytes]] = []
        token = audit_anchor.set(anchor)
        try:
            for n, aid in enumerate(chunk):
                if n and stop is not None and stop():
                    self.cancelled = True
                    break
                if self.progress is not None:
                    self.progress(self.done, self.total)
                self.done += 1
                report = reports[aid]
                try:
                    if isinstance(report, UserError):
                        raise report
                    made.append((aid, render_assessment(report)))
                except Exception as exc:  # one bad document must not stop the rest
                    self.fail(aid, exc)
        finally:
            audit_anchor.reset(token)
        try:
            record([aid for aid, _ in made])
        except Exception as exc:
            for aid, _ in made:
                self.fail(aid, exc)
            return
        for aid, data in made:
            self.writing.append((aid, writer.submit(save_pdf, data,
                                                    self.out_dir / self.names[aid])))

    def settle(self) -> None:
        """Wait for the files handed to the writer: each written, or listed as failed."""
        for aid, written in self.writing:
            try:
                self.written.append(written.result())
                self.lines[aid] = (*self.lines[aid][:4], "written", "")
            except Exception as exc:
                self.fail(aid, exc)
        self.writing.clear()

    def fail(self, aid: uuid.UUID, exc: Exception) -> None:
        # (no traceback: it could quote case text, which never goes in the log)
        log.warning("batch export: assessment %s failed (%s)", aid, type(exc).__name__)
        self.failed.append(BatchFailure(aid, self.names[aid], _reason(exc)))
        self.lines[aid] = (*self.lines[aid][:4], "failed", _reason(exc))


def write_index(path: Path, lines: list[tuple[str, ...]], profile: Profile, marking: str
                ) -> Path:
    """The batch's index: a comment line with the marking and audience, then one line per
    document."""
    from qa_audit.reports.tabular import write_csv

    write_csv(path, INDEX_HEADER, lines, preamble=marking_line(marking, profile))
    return path


def marking_line(marking: str, profile: Profile) -> str:
    """The first line of every CSV file the app writes: how to handle it, and whom it is
    for (spreadsheets show it as the first row; about.txt explains it)."""
    return f"# {marking.strip() or DEFAULT_MARKING} · {profile.label}"


def quarter(day: dt.date, back: int = 0) -> tuple[dt.date, dt.date]:
    """First and last day of the calendar quarter holding `day`, or `back` quarters before."""
    index = (day.year * 4 + (day.month - 1) // 3) - back
    year, q = divmod(index, 4)
    first = dt.date(year, q * 3 + 1, 1)
    next_first = dt.date(year + (q == 3), (q * 3 + 3) % 12 + 1, 1)
    return first, next_first - dt.timedelta(days=1)
