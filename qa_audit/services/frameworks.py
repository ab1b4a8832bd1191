"""Importing framework versions as immutable snapshots, and reading them back."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from qa_audit.domain.framework import Framework, framework_from_dict
from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.errors import FrameworkConflict, NotFound
from qa_audit.store.database import Store
from qa_audit.store.tables import FrameworkVersion

from . import audit_log


@dataclass(frozen=True)
class FrameworkVersionInfo:
    id: uuid.UUID
    framework_id: str
    version: str
    title: str
    sha256: str
    imported_at: dt.datetime

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]


@dataclass(frozen=True)
class ImportResult:
    version: FrameworkVersionInfo
    created: bool
    """False when the same id, version and content were already stored."""


def import_framework_file(store: Store, actor: Actor, path: str | Path) -> ImportResult:
    """Validate a YAML file and store it; raises `FrameworkError` with every problem."""
    from qa_audit.domain.loader import load_framework  # YAML only when importing

    return import_framework(store, actor, load_framework(path))


def import_framework(store: Store, actor: Actor, framework: Framework) -> ImportResult:
    """Store a snapshot; the same id+version with other content is refused."""
    check(actor, Action.IMPORT_FRAMEWORK)
    digest = framework.sha256()
    with store.unit_of_work() as session:
        existing = session.exec(
            select(FrameworkVersion).where(
                FrameworkVersion.framework_id == framework.id,
                FrameworkVersion.version == framework.version,
            )
        ).first()
        if existing is not None:
            if existing.sha256 == digest:
                return ImportResult(_info(existing), created=False)
            raise FrameworkConflict(
                f"Framework '{framework.id}' version {framework.version} is already stored "
                f"with different content (stored {existing.sha256[:12]}, this file "
                f"{digest[:12]}). Give the changed framework a new version."
            )
        row = FrameworkVersion(
            framework_id=framework.id,
            version=framework.version,
            title=framework.title,
            sha256=digest,
            snapshot=framework.canonical_json(),
            imported_by=actor.user_id if actor.user_id.int else None,
        )
        session.add(row)
        audit_log.record(session, actor, "import", "framework_version", row.id)
        return ImportResult(_info(row), created=True)


def list_versions(store: Store) -> list[FrameworkVersionInfo]:
    with store.reading() as session:
        rows = session.exec(
            select(FrameworkVersion).order_by(
                col(FrameworkVersion.framework_id), col(FrameworkVersion.imported_at).desc()
            )
        )
        return [_info(r) for r in rows]


def latest_versions(store: Store) -> list[FrameworkVersionInfo]:
    """The newest imported version of each framework."""
    seen: dict[str, FrameworkVersionInfo] = {}
    for info in list_versions(store):
        seen.setdefault(info.framework_id, info)
    return list(seen.values())


def get_framework(store: Store, version_id: uuid.UUID) -> Framework:
    """The framework an assessment was scored against. Snapshots never change, so each
    version is read and parsed once and kept (the app's one framework cache)."""
    cached = _CACHE.get(version_id)
    if cached is not None:
        return cached
    with store.reading() as session:
        row = session.get(FrameworkVersion, version_id)
        if row is None:
            raise NotFound("That framework version is not in this database.")
        snapshot = row.snapshot
    return _CACHE.put(version_id, framework_from_dict(json.loads(snapshot)))


class _FrameworkCache:
    """Parsed frameworks by version id, the least recently used dropped past `size`.
    Version ids are random UUIDs naming immutable snapshots, so one id is one content
    whichever database it was read from. Workers read it too, hence the lock."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[uuid.UUID, Framework] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version_id: uuid.UUID) -> Framework | None:
        with self._lock:
            framework = self._items.get(version_id)
            if framework is not None:
                self._items.move_to_end(version_id)
            return framework

    def put(self, version_id: uuid.UUID, framework: Framework) -> Framework:
        with self._lock:
            self._items[version_id] = framework
            self._items.move_to_end(version_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return framework


_CACHE = _FrameworkCache(size=64)


def _info(row: FrameworkVersion) -> FrameworkVersionInfo:
    return FrameworkVersionInfo(
        row.id, row.framework_id, row.version, row.title, row.sha256, row.imported_at
    )
