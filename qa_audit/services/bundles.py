"""Sending and receiving bundles: records travel as signed, encrypted files when there is
no server. Each step checks the acting person's permissions and is written to the audit
log (a refused bundle too); an import previews first and then commits in one
transaction, all or nothing."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.errors import BundleRejected, InvalidInput, NotFound
from qa_audit.exchange import bundle as bundles
from qa_audit.exchange import keys as exchange_keys
from qa_audit.exchange.apply import Plan, Resolution, execute, plan_payload
from qa_audit.exchange.keys import AccountKeys, PublicKeys
from qa_audit.exchange.records import KINDS, Payload, collect, known_versions
from qa_audit.store.database import Store
from qa_audit.store.tables import ExchangeBundle, ExchangePeer, User
from qa_audit.store.types import utcnow

from . import audit_log
from .accounts import actor_for
from .blinding import not_blind


@dataclass(frozen=True)
class ExportResult:
    path: Path
    recipient: str
    seq: int
    counts: dict[str, int]


@dataclass(frozen=True)
class Conflict:
    record_id: uuid.UUID
    kind: str
    description: str


@dataclass(frozen=True)
class BundlePreview:
    """What importing a bundle would do, before anything is written."""

    bundle_id: uuid.UUID
    seq: int
    created_at: dt.datetime
    sender_id: uuid.UUID
    sender_name: str
    sender_fingerprint: str
    sender_known: bool
    counts: dict[str, dict[str, int]]
    conflicts: tuple[Conflict, ...]
    ignored: tuple[str, ...]
    digest: str

    @property
    def changes_anything(self) -> bool:
        return any(n for per in self.counts.values()
                   for decision, n in per.items() if decision in ("new", "update", "conflict"))


@dataclass(frozen=True)
class ImportResult:
    preview: BundlePreview
    written: int


def _me(session: Session, actor: Actor, password: str) -> AccountKeys:
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound("Bundles are sent and received by a named account; sign in as one.")
    return exchange_keys.account_keys(session, user.id, user.username, password)


def my_key_card(store: Store, actor: Actor, password: str) -> PublicKeys:
    """The signed-in person's public keys (made the first time), to give to the people who
    will send them bundles."""
    with store.unit_of_work() as session:
        keys = _me(session, actor, password).public
        audit_log.record(session, actor, "export_key_card", "user", actor.user_id)
        return keys


def read_key_card(path: Path) -> PublicKeys:
    try:
        return PublicKeys.from_card(json.loads(bundles.read_file(path)))
    except ValueError as exc:
        raise BundleRejected(f"{path.name} is not a qa_audit key card.") from exc


def trust_key_card(store: Store, actor: Actor, card: PublicKeys, *, replace: bool = False
                   ) -> None:
    """Keep someone's public keys as confirmed (the person compared the fingerprint);
    `replace` swaps in new keys for someone already trusted (after a password reset)."""
    if actor.user_id.int == 0:
        raise InvalidInput("Sign in as yourself (--user) to trust someone's keys.")
    if card.user_id == actor.user_id:
        raise InvalidInput("That is your own key card; give it to the people who send to you.")
    with store.unit_of_work() as session:
        exchange_keys.trust(session, card, replace=replace)
        audit_log.record(session, actor, "trust_key", "user", card.user_id)


def export_bundle(store: Store, actor: Actor, password: str, to: str | uuid.UUID, out: Path,
                  assessment_ids: Sequence[uuid.UUID] | None = None) -> ExportResult:
    """Write a bundle for `to` (a username or an account id) of what both may see and
    changed since the last bundle to them (or the assessments named, whole)."""
    check(actor, Action.EXPORT_ASSESSMENT)
    with store.unit_of_work() as session:
        recipient_row = session.get(User, to) if isinstance(to, uuid.UUID) else session.exec(
            select(User).where(User.username == to.strip().lower())).first()
        if recipient_row is None or not recipient_row.active:
            raise NotFound(f"No active account is called '{to}'.")
        if recipient_row.id == actor.user_id:
            raise InvalidInput("A bundle goes to someone else; choose another person.")
        recipient = actor_for(session, recipient_row)
        their_keys = exchange_keys.known_keys(session, recipient.user_id)
        if their_keys is None:
            raise InvalidInput(
                f"No keys are known here for {recipient_row.username}. Ask them for their key "
                f"card (qa-audit bundle key --out FILE), check its fingerprint with them, "
                "and trust it (qa-audit bundle trust FILE).")
        me = _me(session, actor, password)
        # An assessment either of them is moderating blind stays out: its grades must not
        # reach the moderator before they submit their own (services/blinding.py).
        payload = collect(session, actor, recipient, known_versions(session, recipient.user_id),
                          assessment_ids, also=and_(not_blind(actor), not_blind(recipient)))
        if assessment_ids and payload.count("assessment") < len(set(assessment_ids)):
            raise NotFound(f"{recipient_row.display_name} may not see that assessment yet (a "
                           "practitioner sees it once it is submitted), or you may not.")
        if not any(payload.count(k) for k in ("assessment", "response", "addendum",
                                               "supervision_session")):
            raise InvalidInput(f"Nothing new to send to {recipient_row.display_name} since "
                               "the last bundle.")
        peer = session.get(ExchangePeer, recipient.user_id) or ExchangePeer(
            peer_id=recipient.user_id)
        peer.sent_seq += 1
        peer.last_exchange_at = utcnow()
        session.add(peer)
        bundle_id = uuid.uuid4()
        data = bundles.pack(payload, me, their_keys, peer.sent_seq, bundle_id)
        audit_log.record(session, actor, "bundle_export", "bundle", bundle_id)
        bundles.write_file(out, data)  # inside the transaction: no file, nothing recorded
        counts = {k: payload.count(k) for k in KINDS}
        # Actions travel inside their assessment or supervision record; the import's
        # preview lists them apart, so the sender's summary does too.
        counts["action"] = sum(len(r.get("actions", [])) for kind in ("assessment",
                                                                    "supervision_session")
                               for r in payload.records.get(kind, []))
        return ExportResult(out, recipient_row.username, peer.sent_seq, counts)


@dataclass
class _Opened:
    preview: BundlePreview
    plan: Plan
    header: bundles.Header


def _open(session: Session, actor: Actor, password: str, data: bytes) -> _Opened:
    me = _me(session, actor, password)
    recipient_id, name = bundles.envelope_recipient(data)
    if recipient_id != actor.user_id:
        raise BundleRejected(f"This bundle is for another person ({name or 'someone else'}), "
                             "not for you; it was not opened.")
    opened = bundles.open_bundle(data, me, lambda i: exchange_keys.known_keys(session, i))
    header = opened.header
    known_sender = exchange_keys.known_keys(session, header.sender.user_id)
    seen = session.get(ExchangeBundle, header.bundle_id)
    if seen is not None:
        raise BundleRejected(f"This bundle was imported already, on "
                             f"{seen.imported_at:%Y-%m-%d %H:%M} UTC; nothing to do.")
    peer = session.get(ExchangePeer, header.sender.user_id)
    if peer is not None and header.seq <= peer.received_seq:
        raise BundleRejected(
            f"This bundle is older than one already imported from {header.sender.username} "
            f"(number {header.seq}; the last was {peer.received_seq}): a replay. Nothing was "
            "imported.")
    plan = plan_payload(session, opened.payload, header.sender.user_id, actor)
    preview = BundlePreview(
        header.bundle_id, header.seq, header.created_at, header.sender.user_id,
        header.sender.username, header.sender.fingerprint, known_sender is not None,
        plan.counts(),
        tuple(Conflict(c.record_id, c.kind, c.describe()) for c in plan.conflicts),
        tuple(c.describe() for c in plan.ignored), plan.digest())
    return _Opened(preview, plan, header)


def _refused(store: Store, actor: Actor, exc: BundleRejected) -> BundleRejected:
    with store.unit_of_work() as session:
        audit_log.record(session, actor, "bundle_refused", "bundle")
    return exc


def preview_bundle(store: Store, actor: Actor, password: str, path: Path) -> BundlePreview:
    """Open and check a bundle and say what importing it would change; writes nothing but
    the audit event of a refusal."""
    data = bundles.read_file(path)
    try:
        with store.reading() as session:
            return _open(session, actor, password, data).preview
    except BundleRejected as exc:
        raise _refused(store, actor, exc) from None


def import_bundle(store: Store, actor: Actor, password: str, path: Path, *,
                  resolutions: Mapping[uuid.UUID, Resolution] | Resolution | None = None,
                  trust_sender: bool = False, previewed: str | None = None) -> ImportResult:
    """Import a bundle in one transaction: all of it, or (on any refusal) nothing.

    `resolutions` says, per conflict (or one for all), take theirs or keep mine; a sender
    not yet trusted here needs `trust_sender` (after the person compared the fingerprint);
    `previewed` is the digest of the preview the person saw: if the bundle would now do
    something else, nothing is written."""
    data = bundles.read_file(path)
    try:
        with store.unit_of_work() as session:
            opened = _open(session, actor, password, data)
            preview, header = opened.preview, opened.header
            if previewed is not None and previewed != preview.digest:
                raise BundleRejected("The database changed since the preview; preview the "
                                     "bundle again.")
            if not preview.sender_known:
                if not trust_sender:
                    raise BundleRejected(
                        f"{header.sender.username} is not known here yet. Compare this "
                        f"fingerprint with them (by phone, in person): "
                        f"{header.sender.fingerprint}; then import again, trusting it.")
                exchange_keys.trust(session, header.sender)
                audit_log.record(session, actor, "trust_key", "user", header.sender.user_id)
            chosen = ({c.record_id: resolutions for c in preview.conflicts}
                      if isinstance(resolutions, Resolution) else dict(resolutions or {}))
            try:
                execute(session, opened.plan, actor, header.sender.user_id, chosen,
                        header.sender.username)
            except IntegrityError as exc:
                raise BundleRejected("The bundle's records do not fit this database (they "
                                     "name a record that is neither here nor in the "
                                     "bundle). Nothing was imported.") from exc
            peer = session.get(ExchangePeer, header.sender.user_id) or ExchangePeer(
                peer_id=header.sender.user_id)
            peer.received_seq = header.seq
            peer.last_exchange_at = utcnow()
            session.add(peer)
            session.add(ExchangeBundle(id=header.bundle_id, sender_id=header.sender.user_id,
                                       recipient_id=actor.user_id, seq=header.seq))
            audit_log.record(session, actor, "bundle_import", "bundle", header.bundle_id)
            written = sum(n for per in preview.counts.values()
                          for d, n in per.items() if d in ("new", "update", "conflict"))
            return ImportResult(preview, written)
    except BundleRejected as exc:
        raise _refused(store, actor, exc) from None


__all__ = ["BundlePreview", "Conflict", "ExportResult", "ImportResult", "Payload",
           "Resolution", "export_bundle", "import_bundle", "my_key_card", "preview_bundle",
           "read_key_card", "trust_key_card"]
