"""The database key and its wrappings: one per account, plus the recovery key.

The SQLCipher key is derived from a random recovery secret (HKDF-SHA256), so the
recovery key shown once at setup can always reopen the database, even without the
key file. Each account's password unwraps a copy of the key: argon2id turns the
password into a key-encryption key, and AES-GCM (with the database id and the
username as associated data) seals the database key. Changing a password rewraps one
entry; the data is never re-encrypted. The key file sits beside the database
(``NAME.keys``) and holds no secret in the clear.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from qa_audit.errors import StoreError, WrongPassword

FORMAT = "qa-audit-keyring@1"
KEY_BYTES = 32


@dataclass(frozen=True)
class KdfParams:
    time_cost: int = 3
    memory_cost: int = 65536  # KiB
    parallelism: int = 2


DEFAULT_KDF = KdfParams()
FAST_KDF = KdfParams(time_cost=1, memory_cost=1024, parallelism=1)
_kdf = DEFAULT_KDF


def use_fast_kdf() -> None:
    """Cheap argon2 parameters for test suites and benchmarks only."""
    global _kdf
    _kdf = FAST_KDF


def new_recovery_secret() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def format_recovery_key(secret: bytes) -> str:
    text = base64.b32encode(secret).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    clean = "".join(ch for ch in text.upper() if ch.isalnum())
    try:
        secret = base64.b32decode(clean + "=" * (-len(clean) % 8))
    except ValueError as exc:
        raise WrongPassword("That is not a recovery key (52 letters and digits).") from exc
    if len(secret) != KEY_BYTES:
        raise WrongPassword("That is not a recovery key (52 letters and digits).")
    return secret


def database_key(recovery_secret: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=b"qa-audit sqlcipher database key")
    return hkdf.derive(recovery_secret)


def sqlcipher_passphrase(key: bytes) -> str:
    """SQLCipher's raw-key form (no key derivation inside SQLCipher)."""
    return f"x'{key.hex()}'"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _kek(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(secret, salt, params.time_cost, params.memory_cost,
                           params.parallelism, KEY_BYTES, Type.ID)


class Keyring:
    """The key file of one database."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self._data = data

    # -- creating and loading ---------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, database_id: uuid.UUID) -> Keyring:
        return cls(path, {"format": FORMAT, "database_id": str(database_id), "entries": {},
                          "failures": {}})

    @classmethod
    def load(cls, path: Path) -> Keyring:
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError as exc:
            raise StoreError(
                f"The key file {path.name} is missing from {path.parent}. Restore it from the "
                "backup, or open the database with its recovery key."
            ) from exc
        except (OSError, ValueError) as exc:
            raise StoreError(f"The key file {path.name} is damaged; restore it from the "
                             "backup, or use the recovery key.") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StoreError(f"{path.name} is not a qa_audit key file.")
        return cls(path, data)

    @property
    def database_id(self) -> uuid.UUID:
        return uuid.UUID(self._data["database_id"])

    @property
    def usernames(self) -> list[str]:
        return sorted(self._data["entries"])

    # -- wrapping ---------------------------------------------------------------------------
    def _aad(self, username: str) -> bytes:
        return f"{FORMAT}|{self._data['database_id']}|{username}".encode()

    def wrap(self, username: str, password: str, key: bytes) -> None:
        """Add or replace the account's wrapped copy of the key (then `save`)."""
        salt, nonce = os.urandom(16), os.urandom(12)
        kek = _kek(password.encode("utf-8"), salt, _kdf)
        sealed = AESGCM(kek).encrypt(nonce, key, self._aad(username))
        self._data["entries"][username] = {
            "kdf": {"t": _kdf.time_cost, "m": _kdf.memory_cost, "p": _kdf.parallelism},
            "salt": _b64(salt), "nonce": _b64(nonce), "wrapped": _b64(sealed),
        }

    def wrap_many(self, usernames: list[str], password: str, key: bytes) -> None:
        """Wrap the key for many accounts that share one password (demo and test data),
        spending the costly key derivation once; each entry still has its own nonce and
        associated data."""
        salt = os.urandom(16)
        kek = AESGCM(_kek(password.encode("utf-8"), salt, _kdf))
        for username in usernames:
            nonce = os.urandom(12)
            self._data["entries"][username] = {
                "kdf": {"t": _kdf.time_cost, "m": _kdf.memory_cost, "p": _kdf.parallelism},
                "salt": _b64(salt), "nonce": _b64(nonce),
                "wrapped": _b64(kek.encrypt(nonce, key, self._aad(username))),
            }

    def remove(self, username: str) -> None:
        self._data["entries"].pop(username, None)

    def unwrap(self, username: str, password: str) -> bytes:
        """The database key, or `WrongPassword` (same message for unknown users)."""
        entry = self._data["entries"].get(username)
        if entry is None:
            # Spend the same effort so timing does not tell which usernames exist.
            _kek(password.encode("utf-8"), os.urandom(16), _kdf)
            raise WrongPassword("The username or password is not right.")
        params = KdfParams(entry["kdf"]["t"], entry["kdf"]["m"], entry["kdf"]["p"])
        kek = _kek(password.encode("utf-8"), _unb64(entry["salt"]), params)
        try:
            return AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]),
                                       self._aad(username))
        except InvalidTag as exc:
            raise WrongPassword("The username or password is not right.") from exc

    # -- failed attempts --------------------------------------------------------------------
    def failures(self, username: str) -> tuple[int, dt.datetime | None]:
        record = self._data.setdefault("failures", {}).get(username)
        if not record:
            return 0, None
        return int(record["count"]), dt.datetime.fromisoformat(record["last"])

    def note_failure(self, username: str, now: dt.datetime) -> int:
        count, _ = self.failures(username)
        self._data["failures"][username] = {"count": count + 1, "last": now.isoformat()}
        return count + 1

    def clear_failures(self, username: str) -> None:
        self._data.setdefault("failures", {}).pop(username, None)

    # -- saving -----------------------------------------------------------------------------
    def save(self) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(self._data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)


def backoff_seconds(failures: int) -> float:
    """Wait imposed after repeated failures: none for 3, then doubling up to 5 minutes."""
    if failures < 3:
        return 0.0
    return float(min(2 ** (failures - 3) * 5, 300))
