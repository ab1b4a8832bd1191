"""Importing framework versions as immutable snapshots, and reading them back."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlmodel import col, select

from qa_audit.domain.framework import Framework, framework_from_dict
from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.errors import FrameworkConflict, NotFound
from qa_audit.store.tables import FrameworkVersion

from . import audit_log
from .store import Store


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


def import_framework_text(
    store: Store, actor: Actor, text: bytes | str, filename: str
) -> ImportResult:
    from qa_audit.domain.loader import parse_framework

    return import_framework(store, actor, parse_framework(text, filename))


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
    """The framework an assessment was scored against (snapshots never change)."""
    with store.reading() as session:
        row = session.get(FrameworkVersion, version_id)
        if row is None:
            raise NotFound("That framework version is not in this database.")
        return _parse_snapshot(row.snapshot)


def get_version_info(store: Store, version_id: uuid.UUID) -> FrameworkVersionInfo:
    with store.reading() as session:
        row = session.get(FrameworkVersion, version_id)
        if row is None:
            raise NotFound("That framework version is not in this database.")
        return _info(row)


@lru_cache(maxsize=64)
def _parse_snapshot(snapshot: str) -> Framework:
    return framework_from_dict(json.loads(snapshot))


def _info(row: FrameworkVersion) -> FrameworkVersionInfo:
    return FrameworkVersionInfo(
        row.id, row.framework_id, row.version, row.title, row.sha256, row.imported_at
    )
