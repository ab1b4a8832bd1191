"""The append-only, hash-chained audit log. Records who did what to which record, never
case content."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.store.tables import AuditEvent
from qa_audit.store.types import utcnow

from .store import Store

GENESIS = "0" * 64
log = logging.getLogger(__name__)


def _digest(event: AuditEvent) -> str:
    parts = [
        event.prev_hash,
        str(event.id),
        event.at.isoformat(),
        str(event.actor_id or ""),
        event.action,
        event.entity,
        event.entity_id,
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: uuid.UUID | str = "",
) -> None:
    """Append one event in the caller's unit of work.

    On the team store the server's trigger sets the sequence number, time and hashes (app
    roles cannot even read the log), so what is sent for them here is overwritten."""
    if session.get_bind().dialect.name == "postgresql":
        last = None
    else:
        last = session.exec(
            select(AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)
        ).first()
    event = AuditEvent(
        actor_id=actor.user_id if actor else None,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        prev_hash=last or GENESIS,
        hash="",
    )
    event.hash = _digest(event)
    session.add(event)
    # Ids and verbs only: never case text, names or passwords.
    log.info("%s %s %s", action, entity, event.entity_id)


MAX_GAPS_REPORTED = 20


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_at: int | None
    """Sequence number of the first event whose hash does not match, or None if intact."""
    gaps: tuple[tuple[int, int], ...] = ()
    """Missing sequence numbers, as (first, last) ranges (the first few): events are
    numbered one after another, so a gap is a removed event even where the chain was
    recomputed around it."""

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.gaps


def verify(store: Store, actor: Actor) -> ChainReport:
    """Walk the chain and report the first edited, inserted or deleted event."""
    check(actor, Action.VIEW_AUDIT_LOG)
    return verify_chain(store)


def verify_chain(store: Store) -> ChainReport:
    prev = GENESIS
    count = 0
    broken_at: int | None = None
    gaps: list[tuple[int, int]] = []
    last_seq = 0
    with store.reading() as session:
        for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))):
            count += 1
            seq = event.seq or 0
            if seq != last_seq + 1 and len(gaps) < MAX_GAPS_REPORTED:
                gaps.append((last_seq + 1, seq - 1))
            last_seq = seq
            if broken_at is None and (event.prev_hash != prev or _digest(event) != event.hash):
                broken_at = seq
            prev = event.hash
    return ChainReport(count, broken_at, tuple(gaps))


__all__ = ["ChainReport", "record", "utcnow", "verify", "verify_chain"]
