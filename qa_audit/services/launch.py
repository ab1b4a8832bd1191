"""Starting the desktop app quickly.

An existing encrypted database is always opened by signing in, so the sign-in window can
be shown before the database layer (SQLAlchemy, the tables, the services: about half a
second) is loaded; `preload` loads it while the person types. This module imports
nothing heavy itself.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from qa_audit.store.files import is_plain_sqlite, key_file_for, sqlite_file

# What signing in and the first page of the main window use. The rest (PDFs, exports,
# the themes view) is loaded when first asked for.
PRELOAD = (
    "qa_audit.services.database",
    "qa_audit.services.accounts",
    "qa_audit.services.listing",
    "qa_audit.services.assessments",
    "qa_audit.services.documents",  # the Reports menu names the documents (no reportlab)
    "sqlalchemy.dialects.sqlite.pysqlcipher",  # the encrypted file's driver and its dialect
    "sqlcipher3",
)


def sign_in_first(target: str | Path) -> Path | None:
    """The database file when it is an existing encrypted one with its key file, so that
    the app can ask for the password before loading the database layer; otherwise None
    (a new database needs setting up, a clear-text or PostgreSQL one is opened first)."""
    path = sqlite_file(target)
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return None
    if not key_file_for(path).is_file() or is_plain_sqlite(path):
        return None
    return path


def preload() -> None:
    """Import what signing in and the main window's first page need (GIL-bound, so it is
    worth doing only while the app would otherwise wait, as for the password)."""
    for name in PRELOAD:
        importlib.import_module(name)
