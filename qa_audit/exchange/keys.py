"""Each account's keys for bundles, in one place: an Ed25519 key that signs what the account
sends, and an X25519 key that bundles for it are encrypted to.

Until the database's key file holds a key pair per account, the private keys live in the
`exchange_key` table, sealed with AES-GCM under argon2id of the account's password (the
same derivation as the key file's), so another account of the same database cannot sign
as this one or read its bundles. Other people's public keys sit in the same table; one is
trusted once the person here has compared its fingerprint (first import of a sender) or
taken it from a key card they were given.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlmodel import Session

from qa_audit.errors import BundleRejected, WrongPassword
from qa_audit.store import keyring
from qa_audit.store.tables import ExchangeKey
from qa_audit.store.types import utcnow

CARD_FORMAT = "qa-audit/key-card@1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _raw_public(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)


def _raw_private(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


@dataclass(frozen=True)
class PublicKeys:
    """Who an account is to others: its id and username with its two public keys."""

    user_id: uuid.UUID
    username: str
    signing: bytes
    exchange: bytes

    @property
    def fingerprint(self) -> str:
        """What two people compare by phone: SHA-256 of both keys, in groups of four."""
        digest = hashlib.sha256(b"qa-audit key|" + self.signing + self.exchange).hexdigest()
        return " ".join(digest[i:i + 4] for i in range(0, 32, 4)).upper()

    def card(self) -> dict[str, str]:
        return {"format": CARD_FORMAT, "user_id": str(self.user_id),
                "username": self.username, "signing": _b64(self.signing),
                "exchange": _b64(self.exchange)}

    @classmethod
    def from_card(cls, card: object) -> PublicKeys:
        try:
            assert isinstance(card, dict) and card.get("format") == CARD_FORMAT
            keys = cls(uuid.UUID(card["user_id"]), str(card["username"]),
                       _unb64(card["signing"]), _unb64(card["exchange"]))
            Ed25519PublicKey.from_public_bytes(keys.signing)
            X25519PublicKey.from_public_bytes(keys.exchange)
        except (AssertionError, KeyError, ValueError, TypeError) as exc:
            raise BundleRejected("That is not a qa_audit key card.") from exc
        return keys


@dataclass(frozen=True)
class AccountKeys:
    """An account's private keys (after its password opened them)."""

    user_id: uuid.UUID
    username: str
    signing: Ed25519PrivateKey
    exchange: X25519PrivateKey

    @property
    def public(self) -> PublicKeys:
        return PublicKeys(self.user_id, self.username, _raw_public(self.signing),
                          _raw_public(self.exchange))


def _aad(user_id: uuid.UUID) -> bytes:
    return f"qa-audit exchange keys|{user_id}".encode()


def _seal(keys: AccountKeys, password: str) -> str:
    salt, nonce = os.urandom(16), os.urandom(12)
    params = keyring._kdf
    kek = keyring._kek(password.encode("utf-8"), salt, params)
    sealed = AESGCM(kek).encrypt(nonce, _raw_private(keys.signing) + _raw_private(keys.exchange),
                                 _aad(keys.user_id))
    return json.dumps({"kdf": [params.time_cost, params.memory_cost, params.parallelism],
                       "salt": _b64(salt), "nonce": _b64(nonce), "sealed": _b64(sealed)})


def _unseal(row: ExchangeKey, password: str) -> AccountKeys:
    assert row.sealed_private is not None
    box = json.loads(row.sealed_private)
    params = keyring.KdfParams(*box["kdf"])
    kek = keyring._kek(password.encode("utf-8"), _unb64(box["salt"]), params)
    try:
        raw = AESGCM(kek).decrypt(_unb64(box["nonce"]), _unb64(box["sealed"]), _aad(row.user_id))
    except InvalidTag as exc:
        raise WrongPassword("The password does not open your bundle keys.") from exc
    return AccountKeys(row.user_id, row.username, Ed25519PrivateKey.from_private_bytes(raw[:32]),
                       X25519PrivateKey.from_private_bytes(raw[32:]))


def account_keys(session: Session, user_id: uuid.UUID, username: str, password: str
                 ) -> AccountKeys:
    """This account's keys, opened with its password; made (and stored, sealed) the first
    time. The caller commits."""
    row = session.get(ExchangeKey, user_id)
    if row is not None and row.sealed_private is not None:
        return _unseal(row, password)
    keys = AccountKeys(user_id, username, Ed25519PrivateKey.generate(),
                       X25519PrivateKey.generate())
    public = keys.public
    row = row or ExchangeKey(user_id=user_id, username=username, signing_public="",
                             exchange_public="")
    row.username = username
    row.signing_public, row.exchange_public = _b64(public.signing), _b64(public.exchange)
    row.sealed_private = _seal(keys, password)
    row.trusted_at = utcnow()
    session.add(row)
    return keys


def reseal(session: Session, user_id: uuid.UUID, old: str, new: str) -> None:
    """Seal this account's keys with its new password (a password change keeps them)."""
    row = session.get(ExchangeKey, user_id)
    if row is None or row.sealed_private is None:
        return
    row.sealed_private = _seal(_unseal(row, old), new)
    session.add(row)


def forget(session: Session, user_id: uuid.UUID) -> None:
    """Drop this account's own keys (a password reset: the old password sealed them)."""
    row = session.get(ExchangeKey, user_id)
    if row is not None and row.sealed_private is not None:
        session.delete(row)


def known_keys(session: Session, user_id: uuid.UUID) -> PublicKeys | None:
    """Someone's public keys as trusted here (None: unknown or not yet confirmed)."""
    row = session.get(ExchangeKey, user_id)
    if row is None or row.trusted_at is None:
        return None
    return PublicKeys(row.user_id, row.username, _unb64(row.signing_public),
                      _unb64(row.exchange_public))


def trust(session: Session, keys: PublicKeys, *, replace: bool = False) -> None:
    """Record someone's public keys as confirmed (their fingerprint was checked). Keys of
    an account that already has other trusted keys here are refused unless `replace` (the
    person was told why their keys changed, e.g. a password reset): a changed key is
    never swapped in quietly. This account's own keys are never replaced from a card."""
    row = session.get(ExchangeKey, keys.user_id)
    if row is not None and row.trusted_at is not None:
        if (_unb64(row.signing_public), _unb64(row.exchange_public)) == (keys.signing,
                                                                          keys.exchange):
            return
        if not replace or row.sealed_private is not None:
            raise BundleRejected(
                f"Other keys are already trusted for {row.username} here; a key card with "
                "different keys is refused. Ask them how their keys changed (a password "
                "reset makes new ones), then trust the new card with --replace.")
        row.signing_public, row.exchange_public = _b64(keys.signing), _b64(keys.exchange)
        row.trusted_at = utcnow()
        session.add(row)
        return
    session.add(ExchangeKey(user_id=keys.user_id, username=keys.username,
                            signing_public=_b64(keys.signing),
                            exchange_public=_b64(keys.exchange), trusted_at=utcnow()))
