"""Bundles: exchange records as a file, signed by the sender and encrypted to the recipient.

Inside (the *sealed* part): a zip of ``records/<kind>.json``, a ``manifest.json`` naming
the schema, the bundle's id and sequence number, the sender (with their public keys), the
recipient and the SHA-256 of every records file, and ``manifest.sig``, the sender's
Ed25519 signature of the manifest's bytes.

Outside, every byte covered by a check: a magic line, the length of the envelope (4 bytes,
big-endian), the envelope (JSON: format, recipient, an ephemeral X25519 public key, a
nonce), then the inner zip encrypted with AES-256-GCM under a key made by HKDF-SHA256
from an X25519 exchange between the ephemeral key and the recipient's key; the envelope is
the associated data, so changing any byte of it breaks the decryption.

Opening checks everything before anything is read as records: recipient, decryption,
signature, the sender's known key, schema, hashes. Any failure is `BundleRejected`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import secrets
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from qa_audit.errors import BundleRejected, InvalidInput

from .keys import AccountKeys, PublicKeys
from .records import KINDS, SCHEMA, Payload

FORMAT = "qa-audit/bundle@1"
MAGIC = b"qa-audit bundle\n"
VERSIONS = "records/versions.json"
MAX_UNPACKED = 2 * 1024**3  # a bundle bigger than this unpacked is refused (zip bombs)


@dataclass(frozen=True)
class Header:
    """What the signed manifest says about a bundle."""

    bundle_id: uuid.UUID
    seq: int
    created_at: dt.datetime
    sender: PublicKeys
    recipient_id: uuid.UUID
    counts: dict[str, int]


@dataclass(frozen=True)
class Opened:
    header: Header
    payload: Payload


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _wrap_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"qa-audit bundle|" + ephemeral + recipient).derive(shared)


def _zip(files: dict[str, bytes], compress: bool) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method, compresslevel=1 if compress else None) as zf:
        for name in sorted(files):
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), files[name],
                        compress_type=method)
    return buffer.getvalue()


def _unzip(data: bytes, what: str) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_UNPACKED:
                raise BundleRejected(f"The {what} is too large to unpack.")
            names = [i.filename for i in infos]
            if len(set(names)) != len(names):
                raise BundleRejected(f"The {what} holds a file twice.")
            return {i.filename: zf.read(i) for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise BundleRejected(f"The {what} is damaged or not a qa_audit bundle.") from exc


def pack(payload: Payload, sender: AccountKeys, recipient: PublicKeys, seq: int,
         bundle_id: uuid.UUID | None = None) -> bytes:
    """The bundle's bytes: records signed by `sender`, encrypted to `recipient`."""
    files = {f"records/{kind}.json": json.dumps(payload.records[kind], ensure_ascii=False,
                                                separators=(",", ":")).encode("utf-8")
             for kind in KINDS}
    files[VERSIONS] = json.dumps({"have": payload.have, "bases": payload.bases},
                                 separators=(",", ":")).encode("utf-8")
    manifest = {
        "schema": SCHEMA,
        "bundle_id": str(bundle_id or uuid.uuid4()),
        "seq": seq,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "sender": sender.public.card(),
        "recipient": str(recipient.user_id),
        "counts": {kind: payload.count(kind) for kind in KINDS},
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, indent=1).encode("utf-8")
    files["manifest.json"] = manifest_bytes
    files["manifest.sig"] = sender.signing.sign(manifest_bytes)
    inner = _zip(files, compress=True)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _raw(ephemeral.public_key())
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient.exchange))
    nonce = os.urandom(12)
    envelope = json.dumps({"format": FORMAT, "recipient": str(recipient.user_id),
                           "recipient_name": recipient.username,
                           "ephemeral": _b64(ephemeral_public), "nonce": _b64(nonce)},
                          sort_keys=True).encode("utf-8")
    sealed = AESGCM(_wrap_key(shared, ephemeral_public, recipient.exchange)).encrypt(
        nonce, inner, envelope)
    return MAGIC + len(envelope).to_bytes(4, "big") + envelope + sealed


def _split(data: bytes) -> tuple[bytes, bytes]:
    """The envelope's bytes and the sealed part."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise BundleRejected("This file is damaged or not a qa_audit bundle.")
    start = len(MAGIC) + 4
    size = int.from_bytes(data[len(MAGIC):start], "big")
    if size > 4096 or start + size > len(data):
        raise BundleRejected("This file is damaged or not a qa_audit bundle.")
    return data[start:start + size], data[start + size:]


def envelope_recipient(data: bytes) -> tuple[uuid.UUID, str]:
    """Whom a bundle is for (read without opening it)."""
    envelope = _envelope(_split(data)[0])
    return uuid.UUID(envelope["recipient"]), str(envelope.get("recipient_name", ""))


def _envelope(raw: bytes) -> dict[str, Any]:
    try:
        envelope = json.loads(raw)
        uuid.UUID(envelope["recipient"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleRejected("The bundle's envelope is damaged.") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise BundleRejected("This bundle was made in a format this version of qa_audit does "
                             "not know; update the app.")
    return envelope


def open_bundle(data: bytes, me: AccountKeys,
                known_keys: Callable[[uuid.UUID], PublicKeys | None]) -> Opened:
    """Check and decrypt a bundle for `me`. `known_keys` gives a sender's keys as trusted
    here (None: unknown; the caller shows the fingerprint before trusting it)."""
    raw_envelope, sealed = _split(data)
    envelope = _envelope(raw_envelope)
    if uuid.UUID(envelope["recipient"]) != me.user_id:
        name = envelope.get("recipient_name") or "someone else"
        raise BundleRejected(f"This bundle is for another person ({name}), not for you; it "
                             "was not opened.")
    try:
        ephemeral = base64.b64decode(envelope["ephemeral"], validate=True)
        nonce = base64.b64decode(envelope["nonce"], validate=True)
        shared = me.exchange.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        inner = AESGCM(_wrap_key(shared, ephemeral, me.public.exchange)).decrypt(
            nonce, sealed, raw_envelope)
    except (InvalidTag, ValueError, KeyError, TypeError) as exc:
        raise BundleRejected("The bundle does not decrypt with your key: it was altered or "
                             "damaged on the way, or made for an older key of yours.") from exc
    files = _unzip(inner, "bundle's contents")
    manifest_bytes, signature = files.pop("manifest.json", b""), files.pop("manifest.sig", b"")
    try:
        manifest = json.loads(manifest_bytes)
        sender = PublicKeys.from_card(manifest["sender"])
    except (ValueError, KeyError, TypeError, BundleRejected) as exc:
        raise BundleRejected("The bundle's manifest is missing or damaged.") from exc
    known_sender = known_keys(sender.user_id)
    if known_sender is not None and (known_sender.signing, known_sender.exchange) != (
            sender.signing, sender.exchange):
        raise BundleRejected(
            f"This bundle is signed with other keys than those of {known_sender.username} "
            "known here: someone else made it. It was not imported.")
    try:
        Ed25519PublicKey.from_public_bytes(sender.signing).verify(signature, manifest_bytes)
    except (InvalidSignature, ValueError) as exc:
        raise BundleRejected("The bundle's signature does not match its contents: it was "
                             "altered. It was not imported.") from exc
    if manifest.get("schema") != SCHEMA:
        raise BundleRejected(f"The bundle's records are in a schema this version does not "
                             f"know ({manifest.get('schema')!s:.40}); update the app.")
    header = _header(manifest, sender)
    if header.recipient_id != me.user_id:
        raise BundleRejected("The bundle's signed recipient is not you; it was not imported.")
    listed = manifest.get("files")
    if not isinstance(listed, dict) or set(listed) != set(files):
        raise BundleRejected("The bundle's files are not those its manifest lists.")
    for name, content in files.items():
        if hashlib.sha256(content).hexdigest() != listed[name]:
            raise BundleRejected(f"{name} in the bundle does not match its hash.")
    payload = Payload()
    for kind in KINDS:
        try:
            records = json.loads(files[f"records/{kind}.json"])
        except (KeyError, ValueError) as exc:
            raise BundleRejected(f"The bundle's {kind} records cannot be read.") from exc
        if not isinstance(records, list):
            raise BundleRejected(f"The bundle's {kind} records are not a list.")
        payload.records[kind] = records
    try:
        versions = json.loads(files[VERSIONS])
        payload.have, payload.bases = dict(versions["have"]), dict(versions["bases"])
    except (KeyError, ValueError, TypeError) as exc:
        raise BundleRejected("The bundle's versions cannot be read.") from exc
    return Opened(header, payload)


def _header(manifest: dict[str, Any], sender: PublicKeys) -> Header:
    try:
        counts = {str(k): int(v) for k, v in dict(manifest["counts"]).items()}
        seq = manifest["seq"]
        if not isinstance(seq, int) or seq < 1:
            raise ValueError("seq")
        created = dt.datetime.fromisoformat(manifest["created_at"])
        return Header(uuid.UUID(manifest["bundle_id"]), seq, created, sender,
                      uuid.UUID(manifest["recipient"]), counts)
    except (KeyError, ValueError, TypeError) as exc:
        raise BundleRejected("The bundle's manifest is damaged.") from exc


def write_file(out: Path, data: bytes) -> Path:
    """Write a bundle atomically (temporary file in the same folder, fsync, rename), mode
    0600; nothing is left behind on failure."""
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder; give a file name for the bundle.")
    if not out.parent.is_dir():
        raise InvalidInput(f"The folder {out.parent} does not exist.")
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"The bundle could not be written to {out}: {exc.strerror}.") from exc
    return out


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError as exc:
        raise InvalidInput(f"{path} is a folder, not a bundle file.") from exc
    except OSError as exc:
        raise InvalidInput(f"The bundle {path} cannot be read: {exc.strerror}.") from exc
