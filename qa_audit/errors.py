"""Errors a user can act on.

Every error that a user can fix by doing something different is a `UserError`
subclass whose message says what to do. Anything else is a bug and goes to the
crash handler (see ``qa_audit.ui.crash``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class UserError(Exception):
    """An error the user can act on; its message is shown as it is."""


@dataclass(frozen=True)
class Problem:
    """One problem in a framework file, located by line and column (1-based)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class FrameworkError(UserError):
    """A framework file is malformed or invalid; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class FrameworkConflict(UserError):
    """A framework id and version already exist with different content."""


class NotFound(UserError):
    """The record asked for does not exist (or is not visible to this user)."""


class PermissionDenied(UserError):
    """The acting user's role does not allow this action."""


class TransitionNotAllowed(UserError):
    """The assessment's status does not allow this step."""


class InvalidInput(UserError):
    """A value is not acceptable (unknown grade code, empty text, bad date...)."""


class ReadOnly(UserError):
    """The record is finalised; corrections are made as addenda."""


class StaleRecord(UserError):
    """Someone else saved this record since it was opened (its row_version moved on), so
    this write was refused and nothing was overwritten; `record` names it in words."""

    def __init__(self, record: str = "this record") -> None:
        self.record = record
        super().__init__(
            f"Someone else changed {record} after you opened it (in another window, on "
            "another computer or with a qa-audit command), so your change was not saved and "
            "theirs was not overwritten. Reload to see the record as it is now.")


class SubmitBlocked(UserError):
    """An assessment cannot be submitted yet; `missing` lists what is needed."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing: tuple[str, ...] = tuple(missing)
        lines = "\n".join(f"- {m}" for m in self.missing)
        super().__init__(f"This assessment is not ready to submit:\n{lines}")


class WrongPassword(UserError):
    """Sign-in failed: unknown user or wrong password."""


class TooManyAttempts(UserError):
    """Sign-in is paused after repeated wrong passwords."""


class StoreError(UserError):
    """The database cannot be opened or used (damaged, locked, newer schema...)."""


class DatabaseBusy(StoreError):
    """Another program holds the database's write lock (SQLite BUSY/LOCKED)."""


class DatabaseReadOnly(StoreError):
    """The database file, or its folder or file system, cannot be written to."""


class DiskFull(StoreError):
    """The disk (or the user's quota) is full: what was being written was not saved, and
    nothing half-written was left under its name."""


class DiskError(StoreError):
    """The operating system reported an input/output error on the database file."""


class DatabaseDamaged(StoreError):
    """The database file is damaged or is not a database at all (CORRUPT, NOTADB)."""


class DatabaseUnavailable(StoreError):
    """The database file cannot be opened (missing, or a folder where a file should be)."""


class BundleRejected(UserError):
    """A bundle failed a check (signature, hashes, recipient, schema, replay...); nothing
    of it was written."""
