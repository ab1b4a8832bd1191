"""Writing a file whole or not at all, owner-only (0600), for every file the app writes:
PDFs, CSV sets, workbooks, backups, key files. No database or Qt library here, so every
layer may use it (`qa_audit.store.files` re-exports it for the storage layer)."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from qa_audit.errors import DiskFull, InvalidInput

PRIVATE_MODE = 0o600


def is_disk_full(exc: BaseException) -> bool:
    """Whether an OS error (or a database error wrapping one) means no space is left."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(getattr(exc, "orig", None) or exc).lower()
    return "database or disk is full" in text or "no space left" in text


def temporary_name(path: Path) -> Path:
    """A hidden temporary name beside `path` (same folder, so the rename is atomic), with
    this process's id so that a later write can tell a leftover from a live one."""
    import secrets

    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")


def _remove_leftovers(path: Path) -> None:
    """Temporary files of `path` left by a process that was killed while writing."""
    try:
        candidates = list(path.parent.glob(f".{path.name}.*.part"))
    except OSError:
        return
    for leftover in candidates:
        pid_text = leftover.name[len(path.name) + 2:].split(".")[0]
        if pid_text.isdigit() and not _process_alive(int(pid_text)):
            leftover.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return True  # no cheap check: leave it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _unnamed_file(folder: Path) -> int | None:
    """An unnamed file in `folder` (Linux O_TMPFILE): if the process dies while writing
    it, it vanishes with the process, leaving nothing to clean up."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, PRIVATE_MODE)
    except OSError:
        return None  # a file system without it: a named temporary file instead


@functools.cache
def _libc() -> Any:
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _name_unnamed(fd: int, name: Path) -> None:
    """Give an O_TMPFILE file a name (linkat through /proc, following the fd's link)."""
    import ctypes

    libc = _libc()
    at_fdcwd, at_symlink_follow = -100, 0x400
    if libc.linkat(at_fdcwd, f"/proc/self/fd/{fd}".encode(), at_fdcwd, os.fsencode(name),
                   at_symlink_follow) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), str(name))


def check_new_file(out: Path, what: str) -> None:
    """A clear refusal, before any work, of a name where a new file cannot go."""
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder; give a new file name for the {what}.")
    if out.exists():
        raise InvalidInput(f"{out} exists already; give a new file name for the {what}.")
    for folder in out.parents:
        if folder.exists():
            if not folder.is_dir():
                raise InvalidInput(f"{folder} is a file, not a folder; give a folder to "
                                   f"save the {what} in.")
            break
    if not out.parent.is_dir():
        raise InvalidInput(f"The folder {out.parent} does not exist; create it first or "
                           "choose another.")
    if not os.access(out.parent, os.W_OK):
        raise InvalidInput(f"The folder {out.parent} cannot be written to; choose another.")


def under_final_name(exc: BaseException, tmp: Path, path: Path) -> None:
    """An OS error about the temporary file names the file the person asked for (they
    never saw `.name.1234.abcd.part`)."""
    if isinstance(exc, OSError) and exc.filename in (str(tmp), tmp):
        exc.filename = str(path)


def atomic_write(path: Path, write: Callable[[BinaryIO], object], *, durable: bool = True,
                 overwrite: bool = True) -> Path:
    """Write a file so that it appears whole under its name or not at all.

    The content goes to a temporary file in the same folder (mode 0600; on Linux an
    unnamed one until it is complete), is flushed and fsynced (`durable`), then renamed
    over `path`; on any failure (a full disk, an exception in `write`) the temporary file
    is removed and `path` is left as it was. Leftovers of killed writers are removed.
    With `overwrite` False an existing `path` is refused (`FileExistsError`).
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a file.")
    if not overwrite and path.exists():
        raise FileExistsError(f"{path} exists already.")
    _remove_leftovers(path)
    tmp = temporary_name(path)
    fd = _unnamed_file(path.parent)
    unnamed = fd is not None
    try:
        if fd is None:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                         | getattr(os, "O_BINARY", 0), PRIVATE_MODE)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
            if unnamed:
                _name_unnamed(fh.fileno(), tmp)
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the name appeared meanwhile: never replace it
            tmp.unlink()
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        under_final_name(exc, tmp, path)
        if is_disk_full(exc):
            raise DiskFull(f"The disk is full, so {path.name} was not written (nothing was "
                           f"left behind in {path.parent}). Free some space and try again."
                           ) from exc
        raise
    if durable:
        sync_folder(path.parent)
    return path


def atomic_write_bytes(path: Path, data: bytes, **options: bool) -> Path:
    return atomic_write(path, lambda fh: fh.write(data), **options)


def sync_folder(folder: Path) -> None:
    """Make a rename itself durable (POSIX; Windows has no folder handle to sync)."""
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_private(path: Path) -> None:
    """Owner-only access (0600) for a file we created, on systems that have modes."""
    if sys.platform != "win32" and path.exists():
        os.chmod(path, PRIVATE_MODE)
