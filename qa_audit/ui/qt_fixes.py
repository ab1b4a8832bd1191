"""Work-arounds for defects of the Qt bindings we ship, each one checked before it is
applied, so that it does nothing on a version without the defect.

**Signal.emit() takes a reference from True** (PySide6 6.12.0; 6.11.3 is not affected):
`SignalInstance.emit()` returns `True` without owning a reference to it, so every emit
from Python (the editor's "draft edited" on each key typed in a reflection, "save state
changed", ...) leaves `True` one reference short. On Python 3.11, where `True` is an
ordinary counted object, a long session (the practitioner typing her reflection) takes
all of them, and the interpreter aborts as it tidies up at exit with "Fatal Python error:
bool_dealloc: deallocating True or False" — the crash at quit after the FCA's flow. A
crash at exit can hide the last save and real crashes. Python 3.12 made `True` and
`False` immortal for this kind of reason; `guard_bools` does the same on 3.11 when the
defect is present: it gives both a reference count no session can use up.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

SPARE_REFERENCES = 1 << 40
"""Added to True's and False's counts: more than any session's emits."""

_guarded = False


class _Probe(QObject):
    fired = Signal()


def emit_takes_a_reference_from_true() -> bool:
    """Whether `Signal.emit()` in this PySide6 leaves True one reference short."""
    probe = _Probe()
    rounds = 64
    before = sys.getrefcount(True)
    for _ in range(rounds):
        probe.fired.emit()
    lost = before - sys.getrefcount(True)
    probe.deleteLater()
    return lost >= rounds


def _add_references(value: bool, count: int) -> None:
    # ob_refcnt is the object's first field after the debug build's two list pointers:
    # `object.__basicsize__` is the refcount and the type pointer (plus those two).
    offset = object.__basicsize__ - 2 * ctypes.sizeof(ctypes.c_void_p)
    before = sys.getrefcount(value)
    ctypes.c_ssize_t.from_address(id(value) + offset).value += count
    if sys.getrefcount(value) - before != count:  # not CPython's layout: undo, do nothing
        ctypes.c_ssize_t.from_address(id(value) + offset).value -= count


def guard_bools() -> bool:
    """Make True and False immortal (as Python 3.12 does) if this PySide6 takes references
    from True on emit. Once per process; True when the guard is (now) in place."""
    global _guarded
    if _guarded:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not emit_takes_a_reference_from_true():
        return False
    for value in (True, False):
        _add_references(value, SPARE_REFERENCES)
    _guarded = True
    return True
