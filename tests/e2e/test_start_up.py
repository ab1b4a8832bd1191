"""Starting the app on an existing encrypted database, in a real process through
`qa_audit.cli.main`: the sign-in window comes first, before the database layer is loaded;
a wrong password keeps it open; the right one opens the main window."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from qa_audit.domain.permissions import Role
from qa_audit.services import accounts
from qa_audit.services.database import Store

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"

# Watches the app from inside its own process; prints what it saw, one fact a line.
CHILD = textwrap.dedent("""
    import sys
    import qa_audit.ui.app as ui_app
    from PySide6.QtCore import QEvent, QObject, QTimer
    class Watch(QObject):
        dialog = None
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                name = type(obj).__name__
                if name == "SignInDialog" and self.dialog is None:
                    self.dialog = obj
                    loaded = sorted(m for m in ("sqlalchemy", "sqlmodel", "reportlab")
                                    if m in sys.modules)
                    print("sign-in painted; loaded:", ",".join(loaded) or "none", flush=True)
                    QTimer.singleShot(0, self.cancel if sys.argv[3] == "cancel"
                                      else self.wrong_then_right)
                elif name == "MainWindow":
                    print("main window painted:", obj.windowTitle(), flush=True)
                    QTimer.singleShot(0, obj.close)
            return False
        def cancel(self):
            self.dialog.reject()
            print("cancelled", flush=True)
        def wrong_then_right(self):
            self.dialog.password.setText("not the password")
            self.dialog.try_sign_in()
            print("after wrong password:", self.dialog.isVisible(),
                  self.dialog.message.text(), flush=True)
            self.dialog.password.setText(sys.argv[2])
            self.dialog.try_sign_in()
    watch = Watch()
    made = ui_app.application
    def application():
        app = made()
        app.installEventFilter(watch)
        return app
    ui_app.application = application
    from qa_audit.cli import main
    sys.exit(main(["--db", sys.argv[1], "--user", "boss"]))
""")


def _start(tmp_path: Path, then: str) -> subprocess.CompletedProcess[str]:
    db = tmp_path / "qa.db"
    if not db.exists():
        store = Store.open(db)
        accounts.add_user(store, accounts.system_actor(), "boss", "Boss", Role.ADMIN,
                          PASSWORD)
        store.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-c", CHILD, str(db), PASSWORD, then], env=env,
                          capture_output=True, text=True, timeout=120)


def test_sign_in_window_comes_before_the_database_layer(tmp_path: Path) -> None:
    done = _start(tmp_path, "sign in")
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr[-2000:]
    assert lines[0] == "sign-in painted; loaded: none"
    assert lines[1].startswith("after wrong password: True ⚠")
    assert "not right" in lines[1]
    assert lines[2].startswith("main window painted: ")
    assert len(lines) == 3


def test_cancelling_the_sign_in_while_loading_exits_cleanly(tmp_path: Path) -> None:
    done = _start(tmp_path, "cancel")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["sign-in painted; loaded: none", "cancelled"]
    assert "Traceback" not in done.stderr and "Fatal" not in done.stderr
