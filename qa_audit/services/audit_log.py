"""The append-only audit log: hash-chained, signed by each event's actor, and anchored
outside the database. Records who did what to which record, never case content.

- Each event's hash covers the previous event's hash, so an edit, insertion or deletion
  inside the chain breaks it.
- Each event by a signed-in account carries that account's Ed25519 signature of its hash
  (the signing key is unsealed by the account's password at sign-in), so someone who
  holds the database key but not another person's password cannot write events in that
  person's name, nor rewrite theirs.
- The chain's head (the newest event's number and hash) is written after every change to
  a small file beside the database (``NAME.audit-head``), signed by the newest event's
  actor, and printed into exports (`chain_head`): deleting the newest events, or emptying
  the log, no longer leaves a log that checks as intact.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func
from sqlmodel import Session, col, select

from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.errors import DiskFull, PermissionDenied
from qa_audit.store.database import Store
from qa_audit.store.files import atomic_write_bytes
from qa_audit.store.tables import (
    ActionItem,
    Assessment,
    AuditEvent,
    Case,
    FrameworkVersion,
    Rating,
    Response,
    Setting,
    User,
)
from qa_audit.store.types import utcnow
from qa_audit.store.write_rules import finalised_total

GENESIS = "0" * 64
SIGNING_KEYS = "signing_keys"
HEAD_FORMAT = "qa-audit-audit-head@1"
ANCHOR_PATTERN = re.compile(r"qa-audit audit head:\s*(\d+)\s+([0-9a-f]{64})")
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


def _signed_bytes(hash_: str) -> bytes:
    return b"qa-audit audit event|" + hash_.encode("ascii")


def head_file_for(database: Path) -> Path:
    return database.with_name(database.name + ".audit-head")


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: uuid.UUID | str = "",
    *,
    at: dt.datetime | None = None,
) -> None:
    """Append one event in the caller's unit of work, signed by the actor's key if they
    signed in on this store. A disabled account's session is refused here, at its next
    action (every change and export records an event)."""
    if actor is not None and actor.user_id.int != 0:
        user = session.get(User, actor.user_id)
        if user is not None and not user.active:
            raise PermissionDenied("Your account has been disabled, so this was not done. "
                                   "Ask an administrator if you need access again.")
    last = session.exec(
        select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)
    ).first()
    event = AuditEvent(
        seq=int(last[0] or 0) + 1 if last else 1,
        actor_id=actor.user_id if actor else None,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        prev_hash=last[1] if last else GENESIS,
        hash="",
    )
    if at is not None:
        event.at = at
    event.hash = _digest(event)
    signer = session.info.get("signers", {}).get(actor.user_id) if actor else None
    if signer is not None:
        event.signature = base64.b64encode(signer.sign(_signed_bytes(event.hash))).decode()
    session.add(event)
    _anchor_after_commit(session, event, signer,
                         None if last is None else (int(last[0] or 0), str(last[1])))
    # Ids and verbs only: never case text, names or passwords.
    log.info("%s %s %s", action, entity, event.entity_id)


def _anchor_after_commit(session: Session, event: AuditEvent, signer: Any,
                         last: tuple[int, str] | None) -> None:
    """Have the head file written once the unit of work has committed (not before: a
    rolled back change must not move the anchor); `Store.unit_of_work` runs the hooks."""
    database = session.info.get("database_path")
    if database is None:
        return
    first = "audit_head" not in session.info
    session.info["audit_head"] = (event, signer)
    if not first:
        return
    if not _head_agrees(session, head_file_for(Path(database)), last):
        # The log no longer contains what the head file names (events deleted or
        # rewritten since): keep the head file as it is, so that `verify` goes on saying
        # so, instead of anchoring the altered log.
        session.info["audit_head"] = (None, None)
        log.warning("audit log disagrees with its head file; head file kept")

    def write() -> None:
        newest, key = session.info.pop("audit_head", (None, None))
        if newest is None or newest.seq is None:
            return
        try:
            _write_head(Path(database), newest, key)
        except DiskFull:
            # The change itself is committed and safe; the anchor stays one step behind,
            # which the next write catches up and `verify` reports as behind meanwhile.
            log.warning("audit head file not written: the disk is full")

    session.info.setdefault("after_commit", []).append(write)


def _head_agrees(session: Session, path: Path, last: tuple[int, str] | None) -> bool:
    """Whether the log (whose newest event before this change is `last`) still holds the
    event the head file names, unchanged."""
    try:
        body = json.loads(path.read_text("utf-8"))
        seq, hash_ = int(body["seq"]), str(body["hash"])
    except FileNotFoundError:
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if last is None or seq > last[0]:
        return False
    if seq == last[0]:  # the usual case: the head file names the newest event
        return hash_ == last[1]
    stored = session.exec(select(AuditEvent.hash).where(col(AuditEvent.seq) == seq)).first()
    return stored == hash_


def _write_head(database: Path, event: AuditEvent, signer: Any) -> None:
    body = {"format": HEAD_FORMAT, "seq": event.seq, "hash": event.hash,
            "actor_id": str(event.actor_id or ""), "written_at": utcnow().isoformat()}
    if signer is not None:
        body["signature"] = base64.b64encode(signer.sign(_head_bytes(body))).decode()
    # Not fsynced: a crash may leave the anchor one change behind, which verify reports
    # as behind (not as tampering); fsyncing here would cost every autosave.
    atomic_write_bytes(head_file_for(database), json.dumps(body, sort_keys=True).encode(),
                       durable=False)


def _head_bytes(body: dict[str, Any]) -> bytes:
    return f"qa-audit audit head|{body['seq']}|{body['hash']}|{body['actor_id']}".encode()


# -- signing keys ---------------------------------------------------------------------------
def register_signing_key(session: Session, user_id: uuid.UUID, public: bytes) -> None:
    register_signing_keys(session, {user_id: public})


def register_signing_keys(session: Session, publics: dict[uuid.UUID, bytes]) -> None:
    """Record accounts' signing public keys (kept for good: old events stay checkable)."""
    row = session.get(Setting, SIGNING_KEYS)
    keys: dict[str, list[str]] = json.loads(row.value) if row else {}
    changed = False
    for user_id, public in publics.items():
        text = base64.b64encode(public).decode()
        known = keys.setdefault(str(user_id), [])
        if text not in known:
            known.append(text)
            changed = True
    if not changed:
        return
    row = row or Setting(key=SIGNING_KEYS, value="")
    row.value = json.dumps(keys, sort_keys=True)
    session.add(row)


def _signing_keys(session: Session) -> dict[str, list[Ed25519PublicKey]]:
    row = session.get(Setting, SIGNING_KEYS)
    stored: dict[str, list[str]] = json.loads(row.value) if row else {}
    return {user: [Ed25519PublicKey.from_public_bytes(base64.b64decode(k)) for k in keys]
            for user, keys in stored.items()}


def _signed_by(keys: Iterable[Ed25519PublicKey], signature: str, message: bytes) -> bool:
    try:
        raw = base64.b64decode(signature)
    except ValueError:
        return False
    for key in keys:
        try:
            key.verify(raw, message)
            return True
        except InvalidSignature:
            continue
    return False


# -- the head, for exports ------------------------------------------------------------------
@dataclass(frozen=True)
class ChainHead:
    """The newest event of the log: embedded in exports so that a later truncation or
    rewrite of the log disagrees with every copy handed out."""

    seq: int
    hash: str

    @property
    def text(self) -> str:
        return f"qa-audit audit head: {self.seq} {self.hash}"


def chain_head(store: Store) -> ChainHead:
    with store.reading() as session:
        last = session.exec(select(AuditEvent.seq, AuditEvent.hash)
                            .order_by(col(AuditEvent.seq).desc()).limit(1)).first()
    return ChainHead(0, GENESIS) if last is None else ChainHead(int(last[0] or 0), str(last[1]))


# -- verifying ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_at: int | None
    """Sequence number of the first event whose hash does not match, or None if intact."""
    problems: tuple[str, ...] = ()
    """Everything found wrong: chain, numbering, signatures, anchors, content hashes."""
    warnings: tuple[str, ...] = field(default=())
    content_checked: int = 0
    """Finalised assessments whose content hash was recomputed."""
    content_total: int = 0
    """Finalised assessments in the store (on a team store, also those the verifying
    person may not read, which were not checked)."""

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.problems


def verify(store: Store, actor: Actor, anchors: Iterable[Path] = ()) -> ChainReport:
    """Walk the chain and report the first edited, inserted or deleted event, events not
    signed by their actor, gaps in the numbering, anchors (the head file beside the
    database and any exports given) that disagree, and finalised assessments whose
    content no longer matches the hash taken when they were finalised."""
    check(actor, Action.VIEW_AUDIT_LOG)
    return verify_chain(store, anchors)


def verify_chain(store: Store, anchors: Iterable[Path] = ()) -> ChainReport:
    prev = GENESIS
    count = 0
    broken_at: int | None = None
    problems: list[str] = []
    warnings: list[str] = []
    hashes: dict[int, tuple[str, str, str | None]] = {}
    with store.reading() as session:
        keys = _signing_keys(session)
        for ev in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))):
            count += 1
            assert ev.seq is not None
            hashes[ev.seq] = (ev.hash, ev.signature, str(ev.actor_id) if ev.actor_id else None)
            if broken_at is None and (ev.seq != count or ev.prev_hash != prev
                                      or _digest(ev) != ev.hash):
                broken_at = ev.seq
                if ev.seq != count:
                    problems.append(f"event {ev.seq} follows event {count - 1}: events "
                                    f"{count} to {ev.seq - 1} are missing")
                else:
                    problems.append(f"event {ev.seq} was edited, inserted or re-chained")
            prev = ev.hash
            actor_keys = keys.get(str(ev.actor_id)) if ev.actor_id else None
            if ev.signature:
                if not actor_keys or not _signed_by(actor_keys, ev.signature,
                                                    _signed_bytes(ev.hash)):
                    problems.append(f"event {ev.seq} is not signed by its actor's key")
            elif actor_keys:
                problems.append(f"event {ev.seq} names an actor who signs events, but is "
                                "not signed")
        accounts = int(session.exec(select(func.count()).select_from(User)).one())
        content, checked = _check_content_hashes(session)
        total = finalised_total(session.connection()) if store.is_team_store else checked
    if checked < total:
        warnings.append(
            f"finalised content: {checked} of {total} finalised assessments checked; the "
            f"other {total - checked} are outside what this account may read, so their "
            "content hashes were not recomputed (run this as the team store's owner to "
            "check them all)")
    if count == 0 and accounts:
        problems.append("the log is empty although the database has accounts: its events "
                        "were deleted")
    problems.extend(content)
    if store.path is not None:
        _check_head_file(head_file_for(store.path), hashes, keys, count, problems, warnings)
    for anchor in anchors:
        _check_anchor(anchor, hashes, count, problems)
    return ChainReport(count, broken_at, tuple(problems), tuple(warnings), checked, total)


def _check_head_file(path: Path, hashes: dict[int, tuple[str, str, str | None]],
                     keys: dict[str, list[Ed25519PublicKey]], count: int,
                     problems: list[str], warnings: list[str]) -> None:
    if not path.exists():
        if count:
            problems.append(f"the head file {path.name} is missing (it anchors the newest "
                            "event outside the database)")
        return
    try:
        body = json.loads(path.read_text("utf-8"))
        seq, hash_ = int(body["seq"]), str(body["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        problems.append(f"the head file {path.name} is damaged")
        return
    if seq not in hashes:
        problems.append(f"the head file {path.name} names event {seq}, but the log ends at "
                        f"event {count}: newer events were deleted")
        return
    stored_hash, event_signature, actor = hashes[seq]
    if stored_hash != hash_:
        problems.append(f"the head file {path.name} disagrees with event {seq}: the log "
                        "was rewritten")
        return
    signature = body.get("signature")
    if signature:
        if actor is None or not _signed_by(keys.get(actor, []), signature, _head_bytes(body)):
            problems.append(f"the head file {path.name} is not signed by the actor of "
                            f"event {seq}")
    elif event_signature:
        problems.append(f"the head file {path.name} is unsigned, but event {seq} was signed")
    if seq < count:
        warnings.append(f"the head file {path.name} is {count - seq} event(s) behind the "
                        "log (a crash between saving and anchoring, or an older copy)")


def _check_anchor(path: Path, hashes: dict[int, tuple[str, str, str | None]], count: int,
                  problems: list[str]) -> None:
    """An export's embedded head (CSV about.txt, PDF metadata) against the log."""
    found = _read_anchor(path)
    if found is None:
        problems.append(f"{path.name}: no audit head found in it")
        return
    seq, hash_ = found
    if seq not in hashes:
        if seq != 0:
            problems.append(f"{path.name} names event {seq}, but the log ends at event "
                            f"{count}: newer events were deleted")
    elif hashes[seq][0] != hash_:
        problems.append(f"{path.name} disagrees with event {seq}: the log was rewritten")


def _read_anchor(path: Path) -> tuple[int, str] | None:
    try:
        data = path.read_bytes()[:50_000_000]
    except OSError:
        return None
    text = data.decode("latin-1")
    if data.startswith(b"%PDF"):
        try:
            from io import BytesIO

            from pypdf import PdfReader

            meta = PdfReader(BytesIO(data)).metadata
            values = [] if meta is None else [str(v) for v in meta.values()]
            text = " ".join(values) + " " + text
        except Exception:  # a damaged PDF: fall back to its raw bytes
            pass
    match = ANCHOR_PATTERN.search(text)
    return None if match is None else (int(match.group(1)), match.group(2))


def _check_content_hashes(session: Session) -> tuple[list[str], int]:
    """Recompute the content hash of every finalised assessment this session may read (in
    chunks, a few queries each, so that a hundred thousand are checked in seconds): the
    problems found, and how many were checked."""
    from .read_models import RatingInfo, canonical_assessment

    ids = session.exec(select(Assessment.id).where(
        col(Assessment.content_hash).is_not(None),
        col(Assessment.content_hash) != "anonymised")).all()
    shas = dict(session.exec(select(FrameworkVersion.id, FrameworkVersion.sha256)).all())
    problems = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = session.exec(select(Assessment).where(col(Assessment.id).in_(chunk))).all()
        refs = dict(session.exec(select(Case.id, Case.reference).where(col(Case.id).in_(
            [r.case_id for r in rows if r.case_id]))).all())
        ratings: dict[uuid.UUID, dict[str, RatingInfo]] = {}
        for r in session.exec(select(Rating).where(col(Rating.assessment_id).in_(chunk))):
            ratings.setdefault(r.assessment_id, {})[r.standard_id] = RatingInfo.of(r)
        actions: dict[uuid.UUID, list[tuple[str, dt.date | None, uuid.UUID | None]]] = {}
        for a in session.exec(select(ActionItem).where(
                col(ActionItem.assessment_id).in_(chunk))):
            if a.assessment_id is not None:
                actions.setdefault(a.assessment_id, []).append((a.text, a.due_on, a.owner_id))
        responses = {r.assessment_id: (r.reflection, r.agreement, r.reasons) for r in
                     session.exec(select(Response).where(col(Response.assessment_id).in_(chunk)))}
        for row in rows:
            content = canonical_assessment(
                id=row.id, framework_sha256=shas.get(row.framework_version_id, ""),
                case_reference=refs.get(row.case_id, "") if row.case_id else "",
                subject_id=row.subject_id, author_id=row.author_id,
                assessed_on=row.assessed_on, context=json.loads(row.context),
                childs_voice=row.childs_voice, impact_of_delay=row.impact_of_delay,
                strengths=row.strengths, areas_for_development=row.areas_for_development,
                overall_grade=row.overall_grade, ratings=ratings.get(row.id, {}),
                actions=actions.get(row.id, []), response=responses.get(row.id))
            if hashlib.sha256(content.encode("utf-8")).hexdigest() != row.content_hash:
                problems.append(f"finalised assessment {row.id} was changed after "
                                "finalisation (its content no longer matches its hash)")
    return problems, len(ids)


__all__ = ["ChainHead", "ChainReport", "chain_head", "record", "utcnow", "verify",
           "verify_chain"]
