"""What waits for a person: the home page's list and the navigation's counts.

One home for "what is waiting for me", by what the person may do (`domain.permissions`):

- to grade: their own drafts, and assessments returned to them for changes;
- to respond to: assessments submitted to them (the practitioner);
- to sign: supervision records whose next signature is theirs;
- to finalise: their assessments the practitioner has responded to;
- overdue actions they own.

Each part is read through the listing and supervision services, so it sees exactly the
records those pages show, with the same scope rules.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

from qa_audit.domain.permissions import Action, Actor, allowed
from qa_audit.domain.workflow import Status
from qa_audit.store.database import Store

from . import supervision
from .listing import (
    AssessmentQuery,
    AssessmentRow,
    SortKey,
    count_assessments,
    list_assessments,
)
from .listing import open_actions as _open_actions

SHOWN = 50
"""Rows listed per kind (the count says how many there are in all)."""


class Waiting(StrEnum):
    """A kind of thing that waits for a person, in the order the home page lists them."""

    GRADE = "grade"
    RESPOND = "respond"
    SIGN = "sign"
    FINALISE = "finalise"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {"grade": "To grade", "respond": "To respond to", "sign": "To sign",
                "finalise": "To finalise", "overdue": "Overdue action"}[self.value]

    def phrase(self, count: int) -> str:
        """The count in words: "3 to grade", "1 overdue action"."""
        if self is Waiting.OVERDUE:
            return f"{count} overdue action{'' if count == 1 else 's'}"
        return f"{count} {self.label[0].lower()}{self.label[1:]}"


ORDER: tuple[Waiting, ...] = tuple(Waiting)


@dataclass(frozen=True)
class WaitingItem:
    """One thing to do, and what opens it: an assessment, or a supervision record."""

    kind: Waiting
    title: str  # the case reference (or kind of assessment), the session, the action
    person: str  # whom it is about, or who wrote it
    day: dt.date | None  # the assessment's or session's date, or the action's due date
    state: str
    assessment_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None


@dataclass(frozen=True)
class WaitingList:
    """What waits, by kind: how many in all, and the first `SHOWN` of each."""

    counts: dict[Waiting, int]
    items: tuple[WaitingItem, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """In words, e.g. "2 to grade, 1 to sign and 1 overdue action"; "" for nothing."""
        parts = [kind.phrase(self.counts[kind]) for kind in ORDER if self.counts.get(kind)]
        if len(parts) > 1:
            return f"{', '.join(parts[:-1])} and {parts[-1]}"
        return parts[0] if parts else ""


def kinds_for(actor: Actor) -> tuple[Waiting, ...]:
    """The kinds that can wait for this person, from what their role may do. Only
    practitioners own actions (those agreed with them), so only they have overdue ones."""
    may = {
        Waiting.GRADE: allowed(actor, Action.CREATE_ASSESSMENT),
        Waiting.RESPOND: allowed(actor, Action.RESPOND),
        Waiting.SIGN: allowed(actor, Action.SIGN_SUPERVISION),
        Waiting.FINALISE: allowed(actor, Action.FINALISE),
        Waiting.OVERDUE: allowed(actor, Action.RESPOND),
    }
    return tuple(kind for kind in ORDER if may[kind])


def _query(actor: Actor, kind: Waiting) -> AssessmentQuery:
    """The assessments of `kind` waiting for `actor`, the longest waiting first (by when
    each last changed: a draft's last edit, the submission, the response)."""
    statuses, mine = {
        Waiting.GRADE: ((Status.DRAFT, Status.RETURNED), "author"),
        Waiting.FINALISE: ((Status.RESPONDED,), "author"),
        Waiting.RESPOND: ((Status.SUBMITTED,), "subject"),
    }[kind]
    return AssessmentQuery(statuses=statuses, sort=SortKey.UPDATED, descending=False,
                           author_id=actor.user_id if mine == "author" else None,
                           subject_id=actor.user_id if mine == "subject" else None)


def _assessment_item(kind: Waiting, row: AssessmentRow) -> WaitingItem:
    person = row.author_name if kind is Waiting.RESPOND else row.subject_name
    return WaitingItem(kind, row.case_reference or row.kind.label, person, row.assessed_on,
                       row.status.label, assessment_id=row.id)


def counts(store: Store, actor: Actor, today: dt.date | None = None) -> dict[Waiting, int]:
    """How many things of each kind wait for this person (counted in SQL)."""
    return what_waits(store, actor, today, shown=0).counts


def what_waits(store: Store, actor: Actor, today: dt.date | None = None, *,
               shown: int = SHOWN) -> WaitingList:
    """What waits for this person: every kind's count, and its first `shown` items
    (oldest first: what has waited longest)."""
    today = today or dt.date.today()
    found: dict[Waiting, int] = {}
    items: list[WaitingItem] = []
    for kind in kinds_for(actor):
        if kind in (Waiting.GRADE, Waiting.RESPOND, Waiting.FINALISE):
            query = _query(actor, kind)
            found[kind] = count_assessments(store, actor, query)
            if shown and found[kind]:
                items += [_assessment_item(kind, row)
                          for row in list_assessments(store, actor, query, 0, shown)]
        elif kind is Waiting.SIGN:
            sessions = sorted((s for s in supervision.list_sessions(store, actor)
                               if s.waiting_for(actor.user_id)), key=lambda s: s.held_on)
            found[kind] = len(sessions)
            items += [WaitingItem(kind, f"Supervision record of {s.held_on:%d %b %Y}",
                                  s.supervisor_name if s.fca_id == actor.user_id
                                  else s.fca_name, s.held_on, s.state_text(actor.user_id),
                                  session_id=s.id) for s in sessions[:shown]]
        else:
            overdue = sorted((a for a in _open_actions(store, actor) if a.overdue(today)),
                             key=lambda a: (a.due_on or today, a.text))
            found[kind] = len(overdue)
            items += [WaitingItem(kind, a.text, a.owner_name, a.due_on,
                                  _late(a.due_on, today), assessment_id=a.assessment_id,
                                  session_id=a.session_id) for a in overdue[:shown]]
    return WaitingList(found, tuple(items))


def _late(due: dt.date | None, today: dt.date) -> str:
    days = (today - due).days if due else 0
    return f"{days} day{'' if days == 1 else 's'} overdue"
