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
import copy
import datetime as dt
import errno
import json
import os
import secrets
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from qa_audit.errors import StoreError, WrongPassword

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

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
    """The key file of one database, shared by every process that has it open.

    The running app and the command line may change the file at the same time, so this
    object's copy is only a snapshot: every change re-reads the file under an exclusive
    lock, applies that one change and replaces the file atomically (`_change`), and
    `unwrap` re-reads it first, so a password reset or a disabled account elsewhere takes
    effect at the next sign-in here.
    """

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self._data = data

    # -- creating and loading ---------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, database_id: uuid.UUID) -> Keyring:
        """A new, empty key file for a new database, replacing any left at `path`."""
        keyring = cls(path, {"format": FORMAT, "database_id": str(database_id),
                             "entries": {}, "failures": {}})
        with _exclusive_lock(keyring._lock_path):
            keyring._write(keyring._data)
        return keyring

    @classmethod
    def load(cls, path: Path) -> Keyring:
        with _exclusive_lock(_lock_path_for(path)):
            return cls(path, _read(path))

    def reload(self) -> None:
        """Take the file as it is now (another process may have changed it)."""
        with _exclusive_lock(self._lock_path):
            self._data = self._read_own()

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
        """Add or replace the account's wrapped copy of the key."""
        salt, nonce = os.urandom(16), os.urandom(12)
        kek = _kek(password.encode("utf-8"), salt, _kdf)
        sealed = AESGCM(kek).encrypt(nonce, key, self._aad(username))
        entry = {
            "kdf": {"t": _kdf.time_cost, "m": _kdf.memory_cost, "p": _kdf.parallelism},
            "salt": _b64(salt), "nonce": _b64(nonce), "wrapped": _b64(sealed),
        }
        self._change(lambda data: data["entries"].update({username: entry}))

    def wrap_many(self, usernames: list[str], password: str, key: bytes) -> None:
        """Wrap the key for many accounts that share one password (demo and test data),
        spending the costly key derivation once; each entry still has its own nonce and
        associated data."""
        salt = os.urandom(16)
        kek = AESGCM(_kek(password.encode("utf-8"), salt, _kdf))
        entries = {}
        for username in usernames:
            nonce = os.urandom(12)
            entries[username] = {
                "kdf": {"t": _kdf.time_cost, "m": _kdf.memory_cost, "p": _kdf.parallelism},
                "salt": _b64(salt), "nonce": _b64(nonce),
                "wrapped": _b64(kek.encrypt(nonce, key, self._aad(username))),
            }
        self._change(lambda data: data["entries"].update(entries))

    def remove(self, username: str) -> None:
        self._change(lambda data: data["entries"].pop(username, None))

    def unwrap(self, username: str, password: str) -> bytes:
        """The database key, or `WrongPassword` (same message for unknown users).

        Reads the file first: an entry replaced or removed by another process since this
        copy was read must not still open the database."""
        self.reload()
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
        """As of the last read or change (`reload` for the file as it is now)."""
        record = self._data.get("failures", {}).get(username)
        if not record:
            return 0, None
        return int(record["count"]), dt.datetime.fromisoformat(record["last"])

    def note_failure(self, username: str, now: dt.datetime) -> int:
        """Count one more failure (on top of those other processes counted)."""
        def add_one(data: dict[str, Any]) -> None:
            record = data.setdefault("failures", {}).get(username) or {"count": 0}
            data["failures"][username] = {"count": int(record["count"]) + 1,
                                          "last": now.isoformat()}

        self._change(add_one)
        return self.failures(username)[0]

    def clear_failures(self, username: str) -> None:
        self._change(lambda data: data.setdefault("failures", {}).pop(username, None))

    # -- the file ---------------------------------------------------------------------------
    def save(self) -> None:
        """Write this copy if the key file is missing (every change is written as it is
        made, so there is nothing else to save; an existing file is never overwritten
        with this copy, which may be older than the file)."""
        with _exclusive_lock(self._lock_path):
            if not self.path.exists():
                self._write(self._data)

    @property
    def _lock_path(self) -> Path:
        return _lock_path_for(self.path)

    def _read_own(self) -> dict[str, Any]:
        """The file on disk (hold the lock), refused if it belongs to another database."""
        data = _read(self.path)
        if data.get("database_id") != self._data["database_id"]:
            raise StoreError(f"The key file {self.path.name} now belongs to another database; "
                             "restore the database and its key file from the same backup.")
        return data

    def _change(self, apply: Callable[[dict[str, Any]], object]) -> None:
        """Read the file, apply one change, write it back: all under the lock, so no
        change made by another process in between is lost. A missing file is recreated
        from this copy."""
        with _exclusive_lock(self._lock_path):
            data = self._read_own() if self.path.exists() else copy.deepcopy(self._data)
            apply(data)
            self._write(data)
            self._data = data

    def _write(self, data: dict[str, Any]) -> None:
        """Replace the file atomically (hold the lock): a crash leaves the old file or
        the new one, never half."""
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with open(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _sync_folder(self.path.parent)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise StoreError(
            f"The key file {path.name} is missing from {path.parent}. Restore it from the "
            "same backup as the database, or open the database with its recovery key."
        ) from exc
    except (OSError, ValueError) as exc:
        raise StoreError(f"The key file {path.name} is damaged; restore it from the "
                         "same backup as the database, or use the recovery key.") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StoreError(f"{path.name} is not a qa_audit key file.")
    return data


def _lock_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


_LOCK_ATTEMPTS = 6  # Windows: each waits about 10 s (msvcrt.LK_LOCK's own retries)


@contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Hold the key file's lock: a sidecar file, as the key file itself is replaced (a
    lock on it would go with the old file). Released if the process dies."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise StoreError(f"The key file's lock {lock_path.name} cannot be made in "
                         f"{lock_path.parent} ({exc.strerror}); the folder must be writable."
                         ) from exc
    try:
        if sys.platform == "win32":
            for _ in range(_LOCK_ATTEMPTS):
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EDEADLOCK, errno.EACCES):
                        raise
            else:
                raise StoreError(f"The key file {lock_path.stem} stays locked by another "
                                 "program; close other copies of qa_audit and try again.")
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no folder handle to sync)."""
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backoff_seconds(failures: int) -> float:
    """Wait imposed after repeated failures: none for 3, then doubling up to 5 minutes."""
    if failures < 3:
        return 0.0
    return float(min(2 ** (failures - 3) * 5, 300))
