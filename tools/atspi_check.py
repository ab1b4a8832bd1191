#!/usr/bin/env python3
"""Every screen as a screen reader sees it: walks the app through AT-SPI and fails on any
unnamed interactive control, and on a Tab route that misses a control or gets stuck.

    python3 tools/atspi_check.py            (Debian's python3, with python3-pyatspi)

Runs from nothing (CI does, as root on a fresh machine after tools/setup.sh): starts its own
D-Bus session (dbus-run-session), a private Xvfb screen and the app's screen tour
(`tools/atspi_tour.py`, in .venv), with Qt's AT-SPI bridge on. For each screen the tour
shows, it reads the window's accessible tree from outside and presses Tab (xdotool, real X
key events) round the window, listening for AT-SPI focus events. Exit status 1 on any
problem, each problem printed with its screen and where it is in the tree.

Options: --only TEXT (screens whose name contains TEXT), --verbose (print every control).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "qa_audit"
INSIDE = "QA_AUDIT_ATSPI_INSIDE"  # set once this script runs inside its own D-Bus session


def _reexec_inside_dbus() -> None:
    """Run this script again inside a private D-Bus session bus (the AT-SPI bus is started
    on it when first asked for), unless it already is."""
    if os.environ.get(INSIDE):
        return
    runner = shutil.which("dbus-run-session")
    if runner is None:
        sys.exit("atspi_check: dbus-run-session is missing (Debian package dbus-daemon; "
                 "tools/setup.sh installs it)")
    env = dict(os.environ, **{INSIDE: "1"})
    os.execve(runner, [runner, "--", sys.executable, *sys.argv], env)


def _start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    for number in range(90, 140):
        if not (Path(f"/tmp/.X11-unix/X{number}").exists()
                or Path(f"/tmp/.X{number}-lock").exists()):
            break
    else:
        sys.exit("atspi_check: no free X display number")
    display = f":{number}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1440x900x24", "-nolisten",
                             "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            return xvfb, display
        time.sleep(0.05)
    xvfb.kill()
    sys.exit("atspi_check: Xvfb did not start")


# -- reading the tree --------------------------------------------------------------------

def _roles(pyatspi: Any) -> tuple[set[Any], set[Any]]:
    """Roles a person operates, and containers whose children are data rows (items are
    checked, but their cells are not walked one by one)."""
    r = pyatspi
    interactive = {r.ROLE_PUSH_BUTTON, r.ROLE_TOGGLE_BUTTON, r.ROLE_CHECK_BOX,
                   r.ROLE_RADIO_BUTTON, r.ROLE_TEXT, r.ROLE_PASSWORD_TEXT, r.ROLE_ENTRY,
                   r.ROLE_COMBO_BOX, r.ROLE_SPIN_BUTTON, r.ROLE_SLIDER, r.ROLE_LIST,
                   r.ROLE_LIST_BOX, r.ROLE_TABLE, r.ROLE_TREE, r.ROLE_TREE_TABLE,
                   r.ROLE_PAGE_TAB, r.ROLE_SCROLL_PANE, r.ROLE_DATE_EDITOR, r.ROLE_LINK,
                   r.ROLE_DOCUMENT_TEXT, r.ROLE_DOCUMENT_FRAME, r.ROLE_CHART}
    rows = {r.ROLE_LIST, r.ROLE_LIST_BOX, r.ROLE_TABLE, r.ROLE_TREE, r.ROLE_TREE_TABLE,
            r.ROLE_COMBO_BOX, r.ROLE_MENU_BAR, r.ROLE_MENU, r.ROLE_TOOL_BAR}
    return interactive, rows


class Control:
    """One accessible a person can reach, with where it is in the tree."""

    def __init__(self, acc: Any, where: str, focusable: bool) -> None:
        self.acc, self.where, self.focusable = acc, where, focusable
        self.parent = acc.parent

    def __repr__(self) -> str:
        return self.where


def _walk(pyatspi: Any, root: Any) -> Iterator[tuple[Any, str]]:
    """Showing accessibles under `root`, with a readable path ("frame > panel > push
    button 'Save'"), not entering data rows or hidden parts."""
    _interactive, rows = _roles(pyatspi)
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        acc, path = stack.pop()
        try:
            state = acc.getState()
            role = acc.getRole()
            here = f"{path} > {acc.getRoleName()} {acc.name!r}" if path else (
                f"{acc.getRoleName()} {acc.name!r}")
        except Exception:  # gone while read (a page rebuilt): not this screen's
            continue
        if not state.contains(pyatspi.STATE_SHOWING) and acc is not root:
            continue
        yield acc, here
        if role in rows:
            continue
        children = [acc.getChildAtIndex(i) for i in range(min(acc.childCount, 400))]
        stack.extend((c, here) for c in reversed(children) if c is not None)


def _items(pyatspi: Any, container: Any, where: str) -> Iterator[str]:
    """Unnamed rows of a list or tree a person moves through (the first 60)."""
    for i in range(min(container.childCount, 60)):
        item = container.getChildAtIndex(i)
        if item is None or item.getRole() in (pyatspi.ROLE_TABLE_COLUMN_HEADER,
                                               pyatspi.ROLE_SCROLL_BAR):
            continue
        state = item.getState()
        if state.contains(pyatspi.STATE_SHOWING) and not item.name.strip():
            yield f"{where} > {item.getRoleName()} #{i} has no name"


def _label_of(pyatspi: Any, acc: Any) -> str:
    """The text of the labels `acc` is labelled by."""
    names = []
    for relation in acc.getRelationSet():
        if relation.getRelationType() == pyatspi.RELATION_LABELLED_BY:
            names += [relation.getTarget(i).name for i in range(relation.getNTargets())]
    return " ".join(n for n in names if n).strip()


def read_screen(pyatspi: Any, window: Any) -> tuple[list[Control], list[str]]:
    """The window's controls, and its unnamed ones as problems."""
    interactive, _rows = _roles(pyatspi)
    controls: list[Control] = []
    problems: list[str] = []
    for acc, where in _walk(pyatspi, window):
        role, state = acc.getRole(), acc.getState()
        focusable = state.contains(pyatspi.STATE_FOCUSABLE)
        if role not in interactive and not focusable:
            continue
        if role in (pyatspi.ROLE_SCROLL_PANE,) and not focusable:
            continue  # a scroll area that never takes focus is not a control
        controls.append(Control(acc, where, focusable))
        if role == pyatspi.ROLE_COMBO_BOX:
            # On Linux Qt gives a combo box's current value as its name; what it is comes
            # from its label (a QLabel whose buddy it is), as a labelled-by relation.
            if not _label_of(pyatspi, acc):
                problems.append(f"unlabelled (a screen reader hears only its value): {where}")
        elif not acc.name.strip() and role in interactive:
            problems.append(f"unnamed: {where}")
        if role in (pyatspi.ROLE_LIST, pyatspi.ROLE_LIST_BOX, pyatspi.ROLE_TREE,
                    pyatspi.ROLE_TREE_TABLE):
            problems.extend(_items(pyatspi, acc, where))
    return controls, problems


# -- the Tab route -----------------------------------------------------------------------

class FocusWatch:
    """AT-SPI focus events, as a screen reader hears them."""

    def __init__(self, pyatspi: Any) -> None:
        from gi.repository import GLib  # type: ignore[import-not-found]

        self.pyatspi, self.context = pyatspi, GLib.MainContext.default()
        self.focused: list[Any] = []
        pyatspi.Registry.registerEventListener(self._event, "object:state-changed:focused")

    def _event(self, event: Any) -> None:
        if event.detail1:
            self.focused.append(event.source)

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            while self.context.pending():
                self.context.iteration(False)
            time.sleep(0.005)

    def next_focus(self, seconds: float = 1.0) -> Any | None:
        self.focused.clear()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            while self.context.pending():
                self.context.iteration(False)
            if self.focused:
                self.pump(0.02)  # a focus event may come in pairs (a cell, then its view)
                return self.focused[-1]
            time.sleep(0.005)
        return None


def _owner(pyatspi: Any, acc: Any, controls: dict[Any, Control]) -> Control | None:
    """The control that `acc` is or is inside (a table's cell counts as the table)."""
    for _ in range(12):
        if acc is None:
            return None
        if acc in controls:
            return controls[acc]
        acc = acc.parent
    return None


ARROW_GROUPS = {"Grade"}
"""Panels whose buttons are one Tab stop, moved between with the arrow keys (the grade
buttons: `ui/editor/standard_panel.py`). Radio buttons always are."""


def _focused(pyatspi: Any, controls: list[Control]) -> Control | None:
    for control in controls:
        if control.acc.getState().contains(pyatspi.STATE_FOCUSED):
            return control
    return None


def _stops(pyatspi: Any, controls: list[Control]) -> list[Control]:
    """The controls Tab must reach: focusable, enabled and operated by a person (a label
    that can be selected with the mouse takes focus by click only; a page tab is reached
    through its tab bar)."""
    interactive, _rows = _roles(pyatspi)
    return [c for c in controls if c.focusable and c.acc.getRole() in interactive
            and c.acc.getRole() != pyatspi.ROLE_PAGE_TAB
            and c.acc.getState().contains(pyatspi.STATE_ENABLED)]


def _grouped(pyatspi: Any, control: Control, reached: list[Control]) -> bool:
    """Whether `control` is one of an arrow-key group another member of which was reached."""
    role = control.acc.getRole()
    if role == pyatspi.ROLE_RADIO_BUTTON or (control.parent is not None
                                             and control.parent.name in ARROW_GROUPS):
        return any(r.parent == control.parent and r.acc.getRole() == role for r in reached)
    return False


def tab_route(pyatspi: Any, watch: FocusWatch, display: str, controls: list[Control],
              verbose: bool = False) -> list[str]:
    """Press Tab round the window: every control Tab should stop at must be reached, and
    focus must move at each press while some are left. A group moved with arrow keys
    (radio buttons, the grade buttons) is one stop: reaching one member reaches it."""
    stops = _stops(pyatspi, controls)
    by_acc = {c.acc: c for c in controls}
    first = _focused(pyatspi, controls)
    reached: list[Control] = [first] if first is not None else []
    problems: list[str] = []
    still = 0
    env = dict(os.environ, DISPLAY=display)

    def left() -> list[Control]:
        got = set(map(id, reached))
        return [c for c in stops if id(c) not in got and not _grouped(pyatspi, c, reached)]

    for _ in range(2 * len(stops) + 8):
        if not left() and reached and reached[-1] is reached[0] and len(reached) > 1:
            break  # round the window and back
        subprocess.run(["xdotool", "key", "--clearmodifiers", "Tab"], env=env, check=True)
        got = watch.next_focus(0.6)
        control = _owner(pyatspi, got, by_acc) if got is not None else None
        if verbose:
            print("      Tab ->", control or got)
        if control is None:
            still += 1
            if still >= 3 and left():
                where = reached[-1].where if reached else "the start"
                problems.append(f"Tab is stuck after {where}")
                break
            continue
        if reached and control is reached[-1]:
            still += 1  # a cell of the same table, a section of the same date box
            if still >= 3:
                problems.append(f"Tab is stuck in {control.where}")
                break
            continue
        still = 0
        reached.append(control)
    problems += [f"not reached by Tab: {c.where}" for c in left()]
    # Whatever takes focus is heard by its name: a scroll area or a panel too.
    interactive, _rows = _roles(pyatspi)
    unnamed = {id(c): c for c in reached if c.acc.getRole() not in interactive
               and not c.acc.name.strip()}
    problems += [f"unnamed, and Tab stops on it: {c.where}" for c in unnamed.values()]
    return problems


# -- the run -----------------------------------------------------------------------------

def _app(pyatspi: Any, seconds: float = 60) -> Any:
    desktop = pyatspi.Registry.getDesktop(0)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for app in desktop:
            if app is not None and app.name == APP_NAME:
                return app
        time.sleep(0.1)
    sys.exit("atspi_check: the app never appeared on the accessibility bus")


def _window(pyatspi: Any, app: Any, seconds: float = 10) -> Any:
    """The app's active window (a dialog over the main window is the one shown)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        windows = [app.getChildAtIndex(i) for i in range(app.childCount)]
        for window in windows:
            if window is not None and window.getState().contains(pyatspi.STATE_ACTIVE):
                return window
        time.sleep(0.1)
    sys.exit("atspi_check: no active window")


def run(only: str, verbose: bool) -> int:
    xvfb, display = _start_xvfb()
    os.environ["DISPLAY"] = display
    import pyatspi  # type: ignore[import-not-found]  # Debian's python3-pyatspi

    pyatspi.Registry.getDesktop(0)  # starts the accessibility bus before the app looks
    watch = FocusWatch(pyatspi)
    python = ROOT / ".venv" / "bin" / "python"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", QT_ACCESSIBILITY="1",
               QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1", DISPLAY=display)
    env.pop("QT_SCALE_FACTOR", None)
    tour = subprocess.Popen([str(python), str(ROOT / "tools" / "atspi_tour.py")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    assert tour.stdin is not None and tour.stdout is not None
    started = time.monotonic()
    problems: list[str] = []
    screens = 0
    try:
        app = None
        for line in tour.stdout:
            if line.strip() == "DONE" or line.startswith("FAILED"):
                break
            if not line.startswith("SCREEN "):
                continue
            name = line[len("SCREEN "):].strip()
            if not only or only in name:
                app = app or _app(pyatspi)
                watch.pump(0.15)
                window = _window(pyatspi, app)
                controls, unnamed = read_screen(pyatspi, window)
                route = tab_route(pyatspi, watch, display, controls, verbose)
                screens += 1
                found = [f"[{name}] {p}" for p in unnamed + route]
                problems += found
                print(f"{name}: {len(controls)} controls, "
                      f"{sum(c.focusable for c in controls)} focusable, "
                      f"{len(found)} problem(s)", flush=True)
                for problem in found:
                    print("   ", problem, flush=True)
                if verbose:
                    for control in controls:
                        print("   ", control.where)
            tour.stdin.write("next\n")
            tour.stdin.flush()
    finally:
        if tour.poll() is None:
            tour.stdin.close()
            try:
                tour.wait(15)
            except subprocess.TimeoutExpired:
                tour.kill()
        xvfb.terminate()
        xvfb.wait()
    if tour.returncode not in (0, None):
        problems.append(f"the screen tour failed (exit status {tour.returncode})")
    if screens == 0:
        problems.append("no screen was checked")
    for problem in problems:
        print("PROBLEM", problem)
    print(f"atspi_check: {screens} screens in {time.monotonic() - started:.0f} s, "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="screens whose name contains this")
    parser.add_argument("--verbose", action="store_true", help="print every control")
    args = parser.parse_args()
    _reexec_inside_dbus()
    return run(args.only, args.verbose)


if __name__ == "__main__":
    raise SystemExit(main())
