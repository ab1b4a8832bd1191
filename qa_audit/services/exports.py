"""Data exports of assessments, ratings and actions for analysts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, case, select, true
from sqlalchemy.orm import aliased
from sqlmodel import col

from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.errors import InvalidInput
from qa_audit.reports.model import SCANNED_NOTE, Profile
from qa_audit.reports.tabular import write_csv, write_text, write_xlsx
from qa_audit.store.database import Store
from qa_audit.store.scope import Kind, visible
from qa_audit.store.tables import (
    ActionItem,
    Assessment,
    Case,
    FrameworkVersion,
    OrgUnit,
    Rating,
    Response,
    ResponseComment,
    User,
)

from . import audit_log
from .audit_log import chain_head
from .blinding import not_blind
from .documents import marking_line
from .pseudonyms import Scrubber, role_names, scrubber
from .report_data import DEFAULT_MARKING, Pseudonym, pseudonymiser

ASSESSMENT_HEADER = (
    "assessment_id",
    "kind",
    "status",
    "assessed_on",
    "framework_id",
    "framework_version",
    "case_reference",
    "law_type",
    "case_type",
    "team",
    "practitioner",
    "author",
    "overall_grade",
    "submitted_at",
    "finalised_at",
)
RATING_HEADER = ("assessment_id", "standard_id", "grade", "evidence", "commentary",
                 "practitioner_comment")
ACTION_HEADER = (
    "action_id",
    "assessment_id",
    "standard_id",
    "text",
    "owner",
    "due_on",
    "status",
    "completed_on",
)


@dataclass(frozen=True)
class ExportResult:
    files: tuple[Path, ...]
    counts: dict[str, int]


def _visible(actor: Actor | None) -> ColumnElement[bool]:
    # An assessment the actor is moderating blind is left out until they submit.
    return true() if actor is None else and_(
        visible(actor, Action.EXPORT_DATA, Kind.ASSESSMENT), not_blind(actor))


# Pseudonymised copies read two more columns at the end of every row (the assessment's
# practitioner and author), to give the people named in free text their role; `shaped`
# drops them.
PEOPLE = (col(Assessment.subject_id), col(Assessment.author_id))


def assessment_rows(store: Store, actor: Actor | None, people: bool = False
                    ) -> Iterator[Sequence[Any]]:
    subject, author = aliased(User), aliased(User)
    query = (
        select(
            col(Assessment.id),
            col(Assessment.kind),
            col(Assessment.status),
            col(Assessment.assessed_on),
            col(FrameworkVersion.framework_id),
            col(FrameworkVersion.version),
            col(Case.reference),
            col(Case.law_type),
            col(Case.case_type),
            col(OrgUnit.name),
            col(subject.display_name),
            col(author.display_name),
            col(Assessment.overall_grade),
            col(Assessment.submitted_at),
            col(Assessment.finalised_at),
            *(PEOPLE if people else ()),
        )
        .join(FrameworkVersion, col(FrameworkVersion.id) == col(Assessment.framework_version_id))
        .join(Case, col(Case.id) == col(Assessment.case_id), isouter=True)
        .join(OrgUnit, col(OrgUnit.id) == col(Assessment.team_id), isouter=True)
        .join(subject, col(subject.id) == col(Assessment.subject_id))
        .join(author, col(author.id) == col(Assessment.author_id))
        .where(_visible(actor))
        .order_by(col(Assessment.assessed_on), col(Assessment.id))
    )
    with store.reading() as session:
        yield from session.execute(query).yield_per(2000)


def rating_rows(store: Store, actor: Actor | None, people: bool = False
                ) -> Iterator[Sequence[Any]]:
    query = (
        select(
            col(Rating.assessment_id),
            col(Rating.standard_id),
            col(Rating.grade),
            col(Rating.evidence),
            col(Rating.commentary),
            # The practitioner's comment under the standard, once she has signed (hers
            # until then, as her reflection is).
            case((col(Response.signed_at).is_not(None), col(ResponseComment.text)), else_=""),
            *(PEOPLE if people else ()),
        )
        .join(Assessment, col(Assessment.id) == col(Rating.assessment_id))
        .join(Response, col(Response.assessment_id) == col(Rating.assessment_id),
              isouter=True)
        .join(ResponseComment, and_(
            col(ResponseComment.assessment_id) == col(Rating.assessment_id),
            col(ResponseComment.standard_id) == col(Rating.standard_id)), isouter=True)
        .where(_visible(actor))
        .order_by(col(Rating.assessment_id), col(Rating.standard_id))
    )
    with store.reading() as session:
        yield from session.execute(query).yield_per(5000)


def action_rows(store: Store, actor: Actor | None, people: bool = False
                ) -> Iterator[Sequence[Any]]:
    owner = aliased(User)
    query = (
        select(
            col(ActionItem.id),
            col(ActionItem.assessment_id),
            col(ActionItem.standard_id),
            col(ActionItem.text),
            col(owner.display_name),
            col(ActionItem.due_on),
            col(ActionItem.status),
            col(ActionItem.completed_on),
            *(PEOPLE if people else ()),
        )
        .join(Assessment, col(Assessment.id) == col(ActionItem.assessment_id))
        .join(owner, col(owner.id) == col(ActionItem.owner_id), isouter=True)
        .where(and_(_visible(actor)))
        .order_by(col(ActionItem.assessment_id), col(ActionItem.created_at))
    )
    with store.reading() as session:
        yield from session.execute(query).yield_per(5000)


# Dropped from pseudonymised copies: names. Free text is kept, scanned for every known
# person and case reference (see `pseudonyms`).
NAME_COLUMNS = frozenset({"practitioner", "author", "owner"})
FREE_TEXT_COLUMNS = frozenset({"evidence", "commentary", "practitioner_comment", "text"})


@dataclass(frozen=True)
class Sheet:
    name: str
    header: tuple[str, ...]
    rows: Iterable[Sequence[Any]]


def shaped(sheet: Sheet, profile: Profile, alias: Pseudonym,
           scrub: Scrubber | None = None) -> Sheet:
    """The sheet as `profile` may see it: a pseudonymised copy drops names, replaces case
    references with a stable hash, and passes free text through `scrub` (its rows end with
    the assessment's practitioner and author ids, which give people in the text their
    role; they are dropped here)."""
    if profile is not Profile.PSEUDONYMISED:
        return sheet
    assert scrub is not None
    keep = [i for i, h in enumerate(sheet.header) if h not in NAME_COLUMNS]
    ref = sheet.header.index("case_reference") if "case_reference" in sheet.header else -1
    free = {i for i, h in enumerate(sheet.header) if h in FREE_TEXT_COLUMNS}
    width = len(sheet.header)

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in sheet.rows:
            roles = role_names(row[width], row[width + 1])
            yield tuple(alias(row[i] or "") if i == ref
                        else scrub.scrub(row[i] or "", roles) if i in free else row[i]
                        for i in keep)

    return Sheet(sheet.name, tuple(sheet.header[i] for i in keep), rows())


def _sheets(store: Store, actor: Actor | None, profile: Profile) -> list[Sheet]:
    hide = profile is Profile.PSEUDONYMISED
    alias = pseudonymiser(store) if hide else str
    scrub = scrubber(store, alias) if hide else None
    return [shaped(s, profile, alias, scrub) for s in (
        Sheet("assessments", ASSESSMENT_HEADER, assessment_rows(store, actor, hide)),
        Sheet("ratings", RATING_HEADER, rating_rows(store, actor, hide)),
        Sheet("actions", ACTION_HEADER, action_rows(store, actor, hide)),
    )]


def about(actor: Actor | None, profile: Profile, marking: str, fmt: str) -> list[tuple[str, str]]:
    """Who the export is for and what it holds; written with every data export."""
    scope = "the whole database (command line, recovery key)" if actor is None else (
        f"what a {actor.role.label} may see")
    rows = [("Export", f"qa_audit {fmt} export of assessments, ratings and actions"),
            ("Protective marking", marking), ("Copy", profile.label),
            ("For", profile.purpose),
            ("Scope", scope),
            ("Produced", f"{dt.datetime.now(dt.UTC):%d %b %Y %H:%M} UTC")]
    if actor is not None and profile is not Profile.PSEUDONYMISED:
        rows.append(("Produced for", actor.display_name))
    if fmt == "CSV":
        rows.append(("First line of each file", "A comment line starting with '#': the "
                     "protective marking and whom the copy is for; the column names follow "
                     "on the second line (skip one line when reading the files)."))
    else:
        rows.append(("Printing", "Every sheet prints with the protective marking in its "
                     "page header and footer."))
    if profile is Profile.PSEUDONYMISED:
        rows.append(("Left out", "names of people (practitioner, author and owner columns); "
                                 "case references replaced by REF- stand-ins (a keyed hash: "
                                 "the same in every export from this database, not "
                                 "reversible without its key)"))
        rows.append(("Free text", SCANNED_NOTE))
    rows.append(("Handling", f"{marking}: handle and store according to your service's rules"))
    return rows


def _may_export(actor: Actor | None) -> None:
    if actor is not None:
        check(actor, Action.EXPORT_DATA)


def _record(store: Store, actor: Actor | None, action: str) -> None:
    with store.unit_of_work() as session:
        audit_log.record(session, actor, action, "database", uuid.UUID(int=0))


def export_csv(store: Store, actor: Actor | None, out_dir: Path,
               profile: Profile = Profile.MANAGER, marking: str = DEFAULT_MARKING
               ) -> ExportResult:
    """Write assessments.csv, ratings.csv, actions.csv and about.txt (who the export is for).
    `actor` None: the whole database (command-line use by whoever holds the recovery key)."""
    _may_export(actor)
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"{out_dir} is a file; a CSV export is written into a folder.")
    out_dir.mkdir(parents=True, exist_ok=True)
    info = out_dir / "about.txt"
    # about.txt is written last and marks a whole set: an old one goes first, and a set
    # that fails part-way (a full disk) is removed, so no half set looks complete.
    info.unlink(missing_ok=True)
    written: list[Path] = []
    counts: dict[str, int] = {}
    try:
        for sheet in _sheets(store, actor, profile):
            path = out_dir / f"{sheet.name}.csv"
            counts[sheet.name] = write_csv(path, sheet.header, sheet.rows,
                                           preamble=marking_line(marking, profile))
            written.append(path)
        rows = [*about(actor, profile, marking, "CSV"), ("Audit log", chain_head(store).text)]
        write_text(info, "".join(f"{k}: {v}\n" for k, v in rows))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    _record(store, actor, f"export_csv_{profile.value}")
    files = (*(out_dir / f"{name}.csv" for name in counts), info)
    return ExportResult(files, counts)


def export_xlsx(store: Store, actor: Actor | None, out: Path,
                profile: Profile = Profile.MANAGER, marking: str = DEFAULT_MARKING
                ) -> ExportResult:
    """One workbook: an About sheet (marking, who it is for), then assessments, ratings and
    actions."""
    _may_export(actor)
    about_rows = [*about(actor, profile, marking, "XLSX"), ("Audit log", chain_head(store).text)]
    counts = write_xlsx(out, about_rows, [(s.name.capitalize(), s.header, s.rows)
                                          for s in _sheets(store, actor, profile)],
                        marking=f"{marking} · {profile.label}")
    _record(store, actor, f"export_xlsx_{profile.value}")
    return ExportResult((out,), {k.lower(): v for k, v in counts.items()})
