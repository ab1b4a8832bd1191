"""The database key and the accounts' keys: revocable, one key pair per account.

The SQLCipher key is random (a new database's first key is derived from its recovery
secret, so the recovery key opens it even without the key file). Each account has an
X25519 key pair and an Ed25519 signing key pair; both private keys are sealed together
with AES-GCM under a key-encryption key made by argon2id from the account's password.
The database key is sealed to each account's X25519 public key (an ephemeral X25519
exchange, HKDF-SHA256, AES-GCM), and to the recovery key's public key. So:

- a password unwraps that account's private keys, which unseal the database key;
- an administrator can give a new key to every remaining account with no one else's
  password (sealing needs only the public keys): disabling an account or resetting a
  password re-keys the database (`PRAGMA rekey`) and seals the new key to the others, so
  an old copy of the key file and an old password open nothing;
- accounts are named in the file by a keyed hash of the username, never in the clear.

Re-keying is crash-safe in three steps: the new key is sealed beside the current one
(``generation`` n+1 next to n), the database is re-keyed, then generation n is dropped.
Whichever step a crash interrupts, one of the sealed keys opens the database.

The key file sits beside the database (``NAME.keys``), mode 0600, and holds no secret
in the clear. Failed sign-ins are counted in it (see `Keyring.note_failure`).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import errno
import hashlib
import hmac
import json
import os
import secrets
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from qa_audit.errors import StoreError, WrongPassword

from .files import atomic_write_bytes

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

FORMAT = "qa-audit-keyring@2"
LEGACY_FORMAT = "qa-audit-keyring@1"
KEY_BYTES = 32
PENDING_FAILURES = 100  # failed sign-ins kept for the audit log, newest last
WRONG = "The username or password is not right."


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


def new_database_key() -> bytes:
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


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(secret)


def database_key(recovery_secret: bytes) -> bytes:
    """A new database's first key (generation 0), derived from its recovery secret."""
    return _hkdf(recovery_secret, b"qa-audit sqlcipher database key")


def recovery_private_key(recovery_secret: bytes) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(
        _hkdf(recovery_secret, b"qa-audit recovery x25519 key"))


def recovery_public_key(recovery_secret: bytes) -> bytes:
    return _raw_public(recovery_private_key(recovery_secret))


def sqlcipher_passphrase(key: bytes) -> str:
    """SQLCipher's raw-key form (no key derivation inside SQLCipher)."""
    return f"x'{key.hex()}'"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _raw_public(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)


def _raw_private(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def _kek(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(secret, salt, params.time_cost, params.memory_cost,
                           params.parallelism, KEY_BYTES, Type.ID)


def seal(recipient_public: bytes, message: bytes, aad: bytes) -> dict[str, str]:
    """Encrypt `message` to an X25519 public key (anyone may seal; only its owner opens)."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _raw_public(ephemeral)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    wrap = _hkdf(shared, b"qa-audit seal|" + ephemeral_public + recipient_public)
    nonce = os.urandom(12)
    return {"ephemeral": _b64(ephemeral_public), "nonce": _b64(nonce),
            "sealed": _b64(AESGCM(wrap).encrypt(nonce, message, aad))}


def unseal(private: X25519PrivateKey, box: dict[str, str], aad: bytes) -> bytes:
    ephemeral_public = _unb64(box["ephemeral"])
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    wrap = _hkdf(shared, b"qa-audit seal|" + ephemeral_public + _raw_public(private))
    return AESGCM(wrap).decrypt(_unb64(box["nonce"]), _unb64(box["sealed"]), aad)


@dataclass
class AccountKeys:
    """What a password unlocks: the account's private keys and the database keys sealed
    to it (newest generation first; more than one only while a re-key is under way)."""

    exchange: X25519PrivateKey
    signing: Ed25519PrivateKey
    database_keys: list[bytes] = field(default_factory=list)

    @property
    def signing_public(self) -> bytes:
        return _raw_public(self.signing)


class Keyring:
    """The key file of one database, shared by every process that has it open.

    The running app and the command line may change the file at the same time, so this
    object's copy is only a snapshot: every change re-reads the file under an exclusive
    lock, applies that one change and replaces the file atomically (`_change`), and
    `unlock` re-reads it first, so a password reset or a disabled account elsewhere takes
    effect at the next sign-in here.
    """

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self._data = data

    # -- creating and loading ---------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, database_id: uuid.UUID,
               recovery_public: bytes | None = None) -> Keyring:
        """A new, empty key file for a new database, replacing any left at `path`."""
        data: dict[str, Any] = {"format": FORMAT, "database_id": str(database_id),
                                "generation": 0, "accounts": {}, "attempts": {}}
        if recovery_public is not None:
            data["recovery"] = {"public": _b64(recovery_public), "sealed": {}}
        keyring = cls(path, data)
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
    def generation(self) -> int:
        return int(self._data.get("generation", 0))

    @property
    def has_recovery(self) -> bool:
        return "recovery" in self._data

    def account_id(self, username: str) -> str:
        """How the file names an account: a keyed hash, so the file lists no usernames."""
        key = f"qa-audit account|{self._data['database_id']}".encode()
        return hmac.new(key, username.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def has_account(self, username: str) -> bool:
        account = self.account_id(username)
        return account in self._data["accounts"] or account in self._data.get("legacy", {})

    @property
    def account_count(self) -> int:
        return len(self._data["accounts"]) + len(self._data.get("legacy", {}))

    def signing_public(self, username: str) -> bytes | None:
        entry = self._data["accounts"].get(self.account_id(username))
        return None if entry is None else _unb64(entry["signing_public"])

    # -- sealing ----------------------------------------------------------------------------
    def _aad(self, account: str, generation: int | str) -> bytes:
        return f"{FORMAT}|{self._data['database_id']}|{account}|{generation}".encode()

    def _new_entry(self, account: str, password: str, key: bytes, generation: int,
                   signing: Ed25519PrivateKey | None = None, *, salt: bytes | None = None,
                   kek: bytes | None = None) -> dict[str, Any]:
        exchange = X25519PrivateKey.generate()
        signing = signing or Ed25519PrivateKey.generate()
        salt = salt or os.urandom(16)
        kek = kek or _kek(password.encode("utf-8"), salt, _kdf)
        nonce = os.urandom(12)
        public = _raw_public(exchange)
        entry: dict[str, Any] = {
            "kdf": {"t": _kdf.time_cost, "m": _kdf.memory_cost, "p": _kdf.parallelism},
            "salt": _b64(salt), "nonce": _b64(nonce),
            "public": _b64(public), "signing_public": _b64(_raw_public(signing)),
            "sealed": {str(generation): seal(public, key, self._aad(account, generation))},
        }
        entry["private"] = _b64(AESGCM(kek).encrypt(
            nonce, _raw_private(exchange) + _raw_private(signing),
            self._private_aad(account, entry)))
        return entry

    def _private_aad(self, account: str, entry: dict[str, Any]) -> bytes:
        """The sealed private keys are bound to their public keys: swapping a public key
        in the file (to have the key sealed to someone else, or events checked against
        another signing key) makes the entry fail to open."""
        return self._aad(account, f"private|{entry['public']}|{entry['signing_public']}")

    def add_account(self, username: str, password: str, key: bytes,
                    signing: Ed25519PrivateKey | None = None) -> bytes:
        """Give an account new key pairs, sealed by its password, and the database key
        sealed to it; replaces any entry it had. Returns its signing public key.

        `key` is the database key of the current generation (the caller has it open).
        `signing` keeps an existing signing key (a password change) instead of a new one.
        """
        account = self.account_id(username)
        entry = self._new_entry(account, password, key, self.generation, signing)

        def put(data: dict[str, Any]) -> None:
            data["accounts"][account] = _reseal_generation(entry, data, self)
            data.get("legacy", {}).pop(account, None)

        self._change(put)
        return _unb64(entry["signing_public"])

    def add_accounts(self, usernames: list[str], password: str, key: bytes
                     ) -> dict[str, Ed25519PrivateKey]:
        """Entries for many accounts that share one password (demo and test data), spending
        the costly key derivation once; each still has its own key pairs and nonces.
        Returns their signing keys (the demo generator signs its scripted work with them)."""
        salt = os.urandom(16)
        kek = _kek(password.encode("utf-8"), salt, _kdf)
        signing = {u: Ed25519PrivateKey.generate() for u in usernames}
        entries = {self.account_id(u): self._new_entry(self.account_id(u), password, key,
                                                       self.generation, signing[u],
                                                       salt=salt, kek=kek)
                   for u in usernames}
        self._change(lambda data: data["accounts"].update(entries))
        return signing

    def remove(self, username: str) -> None:
        account = self.account_id(username)

        def drop(data: dict[str, Any]) -> None:
            data["accounts"].pop(account, None)
            data.get("legacy", {}).pop(account, None)
            data.get("attempts", {}).pop(account, None)

        self._change(drop)

    def seal_recovery(self, recovery_public: bytes, key: bytes) -> None:
        """Seal the current database key to a (new) recovery key."""
        box = seal(recovery_public, key, self._aad("recovery", self.generation))
        self._change(lambda data: data.update(recovery={
            "public": _b64(recovery_public), "sealed": {str(self.generation): box}}))

    # -- re-keying --------------------------------------------------------------------------
    def stage_generation(self, key: bytes) -> tuple[int, list[str]]:
        """Seal `key`, the next generation's database key, to every account entry and the
        recovery key, beside the current generation. Returns the new generation and the
        accounts dropped because they have no public key (entries from before key pairs:
        their holders need a new password)."""
        dropped: list[str] = []
        staged = [0]

        def add(data: dict[str, Any]) -> None:
            generation = int(data.get("generation", 0)) + 1
            staged[0] = generation
            for account, entry in data["accounts"].items():
                public = _unb64(entry["public"])
                entry["sealed"][str(generation)] = seal(public, key,
                                                        self._aad(account, generation))
            dropped.extend(data.pop("legacy", {}))
            recovery = data.get("recovery")
            if recovery is not None:
                recovery["sealed"][str(generation)] = seal(
                    _unb64(recovery["public"]), key, self._aad("recovery", generation))

        self._change(add)
        return staged[0], dropped

    def commit_generation(self, generation: int) -> None:
        """The database now uses `generation`'s key: forget the older sealed keys."""
        def keep_only(data: dict[str, Any]) -> None:
            data["generation"] = generation
            boxes = [e["sealed"] for e in data["accounts"].values()]
            if "recovery" in data:
                boxes.append(data["recovery"]["sealed"])
            for sealed in boxes:
                for gen in [g for g in sealed if int(g) != generation]:
                    del sealed[gen]

        self._change(keep_only)

    # -- unlocking --------------------------------------------------------------------------
    def unlock(self, username: str, password: str) -> AccountKeys:
        """The account's keys and the database keys sealed to it, or `WrongPassword` (the
        same message, after the same effort, for an unknown username).

        Reads the file first: an entry replaced or removed by another process since this
        copy was read must not still open the database."""
        self.reload()
        account = self.account_id(username)
        entry = self._data["accounts"].get(account)
        if entry is None:
            legacy = self._data.get("legacy", {}).get(account)
            if legacy is not None:
                return self._unlock_legacy(username, legacy, password)
            # Spend the same effort so timing does not tell which usernames exist.
            _kek(password.encode("utf-8"), os.urandom(16), _kdf)
            raise WrongPassword(WRONG)
        params = KdfParams(entry["kdf"]["t"], entry["kdf"]["m"], entry["kdf"]["p"])
        kek = _kek(password.encode("utf-8"), _unb64(entry["salt"]), params)
        try:
            raw = AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["private"]),
                                      self._private_aad(account, entry))
        except InvalidTag as exc:
            raise WrongPassword(WRONG) from exc
        keys = AccountKeys(X25519PrivateKey.from_private_bytes(raw[:32]),
                           Ed25519PrivateKey.from_private_bytes(raw[32:]))
        for generation in sorted(entry["sealed"], key=int, reverse=True):
            try:
                keys.database_keys.append(unseal(keys.exchange, entry["sealed"][generation],
                                                 self._aad(account, generation)))
            except (InvalidTag, ValueError) as exc:
                raise StoreError(f"The key file {self.path.name} has been altered: this "
                                 "account's sealed key does not open. Restore the key file "
                                 "from the same backup as the database.") from exc
        return keys

    def _unlock_legacy(self, username: str, entry: dict[str, Any], password: str
                       ) -> AccountKeys:
        """An entry from before key pairs: the password wraps the database key itself.
        It is replaced by a key-pair entry at this sign-in (`upgrade_legacy`)."""
        params = KdfParams(entry["kdf"]["t"], entry["kdf"]["m"], entry["kdf"]["p"])
        kek = _kek(password.encode("utf-8"), _unb64(entry["salt"]), params)
        aad = f"{LEGACY_FORMAT}|{self._data['database_id']}|{username}".encode()
        try:
            key = AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]), aad)
        except InvalidTag as exc:
            raise WrongPassword(WRONG) from exc
        return AccountKeys(X25519PrivateKey.generate(), Ed25519PrivateKey.generate(), [key])

    def database_keys_for(self, username: str, exchange: X25519PrivateKey) -> list[bytes]:
        """The database keys sealed in this file to the account, if `exchange` is still its
        key pair here (an older copy of the key file, as beside a backup)."""
        account = self.account_id(username)
        entry = self._data["accounts"].get(account)
        if entry is None or _unb64(entry["public"]) != _raw_public(exchange):
            return []
        keys = []
        for generation in sorted(entry["sealed"], key=int, reverse=True):
            try:
                keys.append(unseal(exchange, entry["sealed"][generation],
                                   self._aad(account, generation)))
            except (InvalidTag, ValueError):
                continue
        return keys

    def is_legacy(self, username: str) -> bool:
        return self.account_id(username) in self._data.get("legacy", {})

    def recovery_keys(self, recovery_secret: bytes) -> list[bytes]:
        """Database keys the recovery key opens: those sealed to it, newest first, then a
        new database's first key."""
        keys: list[bytes] = []
        recovery = self._data.get("recovery")
        if recovery is not None:
            private = recovery_private_key(recovery_secret)
            if _raw_public(private) == _unb64(recovery["public"]):
                for generation in sorted(recovery["sealed"], key=int, reverse=True):
                    try:
                        keys.append(unseal(private, recovery["sealed"][generation],
                                           self._aad("recovery", generation)))
                    except (InvalidTag, ValueError):
                        continue
        return [*keys, database_key(recovery_secret)]

    # -- failed attempts --------------------------------------------------------------------
    def failures(self, username: str) -> tuple[int, dt.datetime | None]:
        """Failures since the last successful sign-in, as of the last read or change."""
        record = self._data.get("attempts", {}).get(self.account_id(username))
        if not record or not record.get("count"):
            return 0, None
        return int(record["count"]), dt.datetime.fromisoformat(record["last"])

    def failure_total(self, username: str) -> int:
        """Every failure ever counted for the account (never goes down, so a file edited to
        clear the count is seen at the next sign-in: see `accounts.sign_in`)."""
        record = self._data.get("attempts", {}).get(self.account_id(username)) or {}
        return int(record.get("total", 0))

    def pending_failures(self, username: str) -> list[dt.datetime]:
        record = self._data.get("attempts", {}).get(self.account_id(username)) or {}
        return [dt.datetime.fromisoformat(t) for t in record.get("pending", [])]

    def note_failure(self, username: str, now: dt.datetime) -> int:
        """Count one more failure (on top of those other processes counted). An unknown
        username is not added: the file is rewritten unchanged, so that it costs the same."""
        account = self.account_id(username)

        def add_one(data: dict[str, Any]) -> None:
            if account not in data["accounts"] and account not in data.get("legacy", {}):
                return
            record = data.setdefault("attempts", {}).get(account) or {}
            pending = [*record.get("pending", []), now.isoformat()][-PENDING_FAILURES:]
            data["attempts"][account] = {
                "count": int(record.get("count", 0)) + 1, "last": now.isoformat(),
                "total": int(record.get("total", 0)) + 1, "pending": pending}

        self._change(add_one)
        return self.failures(username)[0]

    def take_pending(self) -> None:
        """The pending failures are in the audit log now: forget them (counts stay)."""
        def clear(data: dict[str, Any]) -> None:
            for record in data.get("attempts", {}).values():
                record["pending"] = []

        self._change(clear)

    def clear_failures(self, username: str) -> None:
        """After a successful sign-in: the count restarts; the total stays."""
        account = self.account_id(username)

        def clear(data: dict[str, Any]) -> None:
            record = data.setdefault("attempts", {}).get(account)
            if record:
                data["attempts"][account] = {"count": 0, "total": int(record.get("total", 0)),
                                             "pending": []}

        self._change(clear)

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
        the new one, never half, and no temporary file."""
        atomic_write_bytes(self.path, json.dumps(data, indent=1, sort_keys=True).encode())


def _reseal_generation(entry: dict[str, Any], data: dict[str, Any], keyring: Keyring
                       ) -> dict[str, Any]:
    """An entry made for the generation this copy knew, checked against the file's: a
    re-key by another process since then makes the entry's key stale."""
    if str(data.get("generation", 0)) not in entry["sealed"]:
        raise StoreError("The database was re-keyed by another program meanwhile; sign in "
                         "again and repeat this change.")
    return entry


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
    if isinstance(data, dict) and data.get("format") == LEGACY_FORMAT:
        return _from_legacy(data)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StoreError(f"{path.name} is not a qa_audit key file.")
    return data


def _from_legacy(data: dict[str, Any]) -> dict[str, Any]:
    """A key file from before key pairs: its entries (named by username) are kept under
    hashed names until each account signs in once and gets key pairs."""
    upgraded = Keyring(Path(), {"database_id": data["database_id"]})
    legacy = {upgraded.account_id(name): entry for name, entry in data["entries"].items()}
    return {"format": FORMAT, "database_id": data["database_id"], "generation": 0,
            "accounts": {}, "legacy": legacy, "attempts": {}}


def _lock_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


_LOCK_ATTEMPTS = 6  # Windows: each waits about 10 s (msvcrt.LK_LOCK's own retries)


@contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Hold the key file's lock: a sidecar file, as the key file itself is replaced (a
    lock on it would go with the old file). Released if the process dies."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
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


def backoff_seconds(failures: int) -> float:
    """Wait imposed after repeated failures: none for 3, then doubling up to 5 minutes."""
    if failures < 3:
        return 0.0
    return float(min(2 ** (failures - 3) * 5, 300))


