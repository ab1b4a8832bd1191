"""Facts about a database file that need no database library: where its key file is,
whether it is clear-text SQLite, and which file a target names. Kept light so the app can
decide how to start before SQLAlchemy is loaded."""

from __future__ import annotations

from pathlib import Path

from qa_audit.atomic_files import (
    PRIVATE_MODE,
    atomic_write,
    atomic_write_bytes,
    check_new_file,
    is_disk_full,
    make_private,
    sync_folder,
    temporary_name,
    under_final_name,
)

SQLITE_HEADER = b"SQLite format 3\x00"


def sqlite_file(target: str | Path) -> Path | None:
    """The file a path target names (resolved), or None for a URL such as PostgreSQL's."""
    text = str(target)
    if "://" in text:
        return None
    return Path(text).expanduser().resolve()


def key_file_for(database: Path) -> Path:
    return database.with_name(database.name + ".keys")


def is_plain_sqlite(path: Path) -> bool:
    """Whether a file starts with SQLite's clear-text header (so it is not encrypted)."""
    with path.open("rb") as fh:
        return fh.read(16) == SQLITE_HEADER


__all__ = [
    "PRIVATE_MODE",
    "atomic_write",
    "atomic_write_bytes",
    "check_new_file",
    "is_disk_full",
    "is_plain_sqlite",
    "key_file_for",
    "make_private",
    "sqlite_file",
    "sync_folder",
    "temporary_name",
    "under_final_name",
]
