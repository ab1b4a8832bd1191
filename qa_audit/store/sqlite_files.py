"""Whole-file work on SQLite/SQLCipher databases below the units of work: the online
backup API, integrity checks, restoring, moving a clear-text file into an encrypted one.

Every raw DB-API connection and PRAGMA of the product lives in `store/`; the services ask
for these operations by what they do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from .keyring import sqlcipher_passphrase


@cache
def sqlcipher() -> Any:
    """The SQLCipher driver, with its own logging off for the process: a wrong key or a
    damaged file would otherwise print lines of "ERROR CORE sqlcipher_page_cipher" to
    the terminal, beside the one clear message the app gives."""
    import sqlcipher3

    quiet = sqlcipher3.connect(":memory:")
    try:
        quiet.execute("PRAGMA cipher_log_level = NONE")
    finally:
        quiet.close()
    return sqlcipher3


def connect_file(path: Path, key: bytes | None) -> Any:
    """A DB-API connection to a database file: SQLCipher with `key`, plain SQLite without."""
    if key is None:
        return sqlite3.connect(str(path))
    conn = sqlcipher().connect(str(path))  # only an encrypted file needs SQLCipher
    conn.execute(f'PRAGMA key="{sqlcipher_passphrase(key)}"')
    return conn


def backup_into(engine: Engine, path: Path, key: bytes | None,
                progress: Callable[[int, int], None] | None = None) -> None:
    """Copy the live database behind `engine` into the file at `path` with SQLite's online
    backup (consistent while others write), encrypted with `key` if given."""
    raw = engine.raw_connection()
    try:
        dst = connect_file(path, key)
        try:
            raw.driver_connection.backup(  # type: ignore[union-attr]
                dst, pages=256,
                progress=(lambda _s, left, total: progress(total - left, total))
                if progress else None)
        finally:
            dst.close()
    finally:
        raw.close()


def restore_from(engine: Engine, path: Path, key: bytes | None) -> None:
    """Replace the live database's content with the file at `path`, in one step."""
    src = connect_file(path, key)
    raw = engine.raw_connection()
    try:
        src.backup(raw.driver_connection)
    finally:
        raw.close()
        src.close()
    engine.dispose()


def integrity_and_id(path: Path, key: bytes | None) -> tuple[str | None, str | None]:
    """The file's `PRAGMA integrity_check` answer and the database id it carries; raises
    the driver's error if the file cannot be read with `key`."""
    conn = connect_file(path, key)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()
        row = conn.execute("SELECT value FROM setting WHERE key = 'database_id'").fetchone()
    finally:
        conn.close()
    return (result[0] if result else None), (row[0] if row else None)


def checkpoint_and_copy(engine: Engine, path: Path) -> None:
    """Fold the write-ahead log into a clear-text database and copy it to `path` (which
    exists, empty, with the mode wanted)."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        dst = sqlite3.connect(path)
        try:
            raw.driver_connection.backup(dst)  # type: ignore[union-attr]
        finally:
            dst.close()
    finally:
        raw.close()


def export_encrypted(plain: Path, encrypted: Path, key: bytes, database_id: str) -> None:
    """Write an encrypted copy of the clear-text file `plain` into `encrypted`, with
    `database_id` as its identity."""
    conn = sqlcipher().connect(str(plain))
    try:
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY \"{sqlcipher_passphrase(key)}\"",
                     (str(encrypted),))
        conn.execute("SELECT sqlcipher_export('encrypted')")
        conn.execute("INSERT OR REPLACE INTO encrypted.setting(key, value) VALUES (?, ?)",
                     ("database_id", database_id))
        conn.commit()
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()


def set_journal_mode(engine: Engine, mode: str) -> None:
    """Switch a SQLite file's journal mode (bulk loads run faster without the WAL)."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute(f"PRAGMA journal_mode={mode}")  # type: ignore[union-attr]
    finally:
        raw.close()
