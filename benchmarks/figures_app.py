"""Application figures: start-up to a painted main window, memory, and a 10-page PDF."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from data import demo
from harness import Context, Result, figure, timed

from qa_audit.domain.permissions import Role

ROOT = Path(__file__).resolve().parent.parent

# The app's own start-up order (qa_audit.cli._gui): the database layer, then Qt.
APP_CHILD = textwrap.dedent("""
    import resource, sys
    from qa_audit.services import accounts
    from qa_audit.services.store import Store
    from qa_audit.ui.app import application
    from qa_audit.ui.main_window import MainWindow
    from PySide6.QtCore import QEvent, QObject, QTimer
    app = application()
    store = Store.open(sys.argv[1])
    actor = accounts.sign_in(store, sys.argv[2], sys.argv[3])
    window = MainWindow(store, actor, sys.argv[2])
    class Painted(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and obj is window:
                print("painted", flush=True)
                window.removeEventFilter(self)
                QTimer.singleShot(0, scroll)
            return False
    def scroll():
        page = window.stack.currentWidget()
        model = getattr(page, "model", None)
        for _ in range(10):
            if model is not None and model.canFetchMore():
                model.fetchMore()
        print(f"rss {peak_mb():.1f}", flush=True)
        app.quit()
    def peak_mb():
        # VmHWM: this program's own peak. ru_maxrss would include the parent's peak,
        # which Linux carries into a child started by vfork/exec.
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    window.installEventFilter(Painted(window))
    window.show()
    app.exec()
""")

# A bare PySide6 window painting a 10k-row table: a minimal QAbstractTableModel over rows
# already in memory, in a QTableView. (QTableWidget with 80,000 QTableWidgetItems aborts
# Python 3.11 with "deallocating None" under PySide6 6.12: a refcount bug in that API.)
BARE_CHILD = textwrap.dedent("""
    from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, Qt
    from PySide6.QtWidgets import QApplication, QTableView
    app = QApplication([])
    rows = [[f"row {r} col {c}" for c in range(8)] for r in range(10000)]
    class Model(QAbstractTableModel):
        def rowCount(self, parent=QModelIndex()):
            return 0 if parent.isValid() else len(rows)
        def columnCount(self, parent=QModelIndex()):
            return 0 if parent.isValid() else 8
        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            if role == Qt.ItemDataRole.DisplayRole:
                return rows[index.row()][index.column()]
            return None
    table = QTableView()
    model = Model()
    table.setModel(model)
    table.resize(1360, 860)
    class Painted(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and obj is table.viewport():
                print("painted", flush=True)
                app.quit()
            return False
    table.viewport().installEventFilter(Painted(table))
    table.show()
    app.exec()
""")



def _child(code: str, *args: str) -> tuple[float, list[str]]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "QA_AUDIT_HOME": str(Path(os.environ.get("TMPDIR", "/tmp")) / "qa-audit-bench-home"),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    import tempfile

    with tempfile.TemporaryFile("w+") as errors:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                                stderr=errors, text=True, env=env)
        assert proc.stdout is not None
        painted = None
        lines = []
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("painted") and painted is None:
                painted = time.perf_counter() - t0
        proc.wait(timeout=120)
        if painted is None:
            errors.seek(0)
            tail = " | ".join(errors.read().strip().splitlines()[-3:])
            raise RuntimeError(f"the window never painted (exit {proc.returncode}: {tail})")
    return painted, lines


def _app_runs(ctx: Context) -> tuple[list[float], list[float]]:
    if "app-runs" not in ctx.cache:
        from qa_audit.services.demo import DEMO_PASSWORD

        path, info = demo(ctx, True)
        user = info["users"][Role.QUALITY_LEAD]
        times, rss = [], []
        for _ in range(3 if ctx.quick else 5):
            t, lines = _child(APP_CHILD, str(path), user, DEMO_PASSWORD)
            times.append(t)
            rss += [float(x.split()[1]) for x in lines if x.startswith("rss")]
        ctx.cache["app-runs"] = (times, rss)
    return ctx.cache["app-runs"]  # type: ignore[no-any-return]


@figure
def startup(ctx: Context) -> Result:
    times, _ = _app_runs(ctx)
    bare = [_child(BARE_CHILD)[0] for _ in range(3 if ctx.quick else 5)]
    return Result("start to main window painted (encrypted, sign-in incl.)", times, bare,
                  "≤ 1.5 s and ≤ 3× bare Qt 10k-row table", limit_ratio=3.0,
                  limit_absolute=1.5)


@figure
def memory(ctx: Context) -> Result:
    _, rss = _app_runs(ctx)
    return Result("peak RSS: main window + 11 pages of the region list", [max(rss)], None,
                  "≤ 250 MB", unit="MB", limit_absolute=250.0)


def _report(pages: int):  # noqa: ANN202 - builds plain report data for the PDF figure
    from qa_audit.reports.model import AssessmentReport, GradeBand, Profile, StandardEntry

    scale = (GradeBand("O", "Outstanding", 4, "#1a7f37"), GradeBand("G", "Good", 3, "#2f6fb3"),
             GradeBand("RI", "Requires improvement to be good", 2, "#9a6700"),
             GradeBand("I", "Inadequate", 1, "#b42318"))
    evidence = ("Case chronology, section 2: the child's wishes are recorded in their own words "
                "and carried into the analysis of the care plan. ") * 6
    standards = tuple(
        StandardEntry(f"Area {i // 4 + 1}", f"Standard {i + 1}: the child is seen and heard",
                      "G", "Good (G)", 3.0, ("Seen alone", "Words recorded"), evidence,
                      "Commentary: " + evidence[:300])
        for i in range(pages * 4))
    return AssessmentReport(
        title="Reflective supervision summary", profile=Profile.MANAGER,
        marking="OFFICIAL-SENSITIVE", draft=False, kind="Case audit", status="Finalised",
        practitioner="Zofia Wiśniewska", supervisor="Siân Llewelyn",
        assessed_on=dt.date(2025, 5, 1), case_reference="PL-2025-000123",
        case_type="Care order", law_type="public", framework="Public law 2023-04",
        framework_hash="5f5e9a86261e", scale=scale, overall="Good (G)", standards=standards,
        context=(), childs_voice=evidence, impact_of_delay=evidence, strengths=evidence,
        areas_for_development=evidence, actions=(), reflection=evidence, agreement="Agrees",
        reasons="", practitioner_signed=None, supervisor_signed=None)


def _texts(flowables: list[object]) -> list[str]:
    """The markup of every paragraph in a story, tables and kept-together blocks included:
    the same content, to be laid out plainly."""
    from reportlab.platypus import KeepTogether, Paragraph, Table

    out: list[str] = []
    for f in flowables:
        if isinstance(f, Paragraph):
            out.append(f.text)
        elif isinstance(f, KeepTogether):
            out += _texts(list(f._content))
        elif isinstance(f, Table):
            out += _texts([cell for row in f._cellvalues for cell in row])
    return out


@figure
def pdf_ten_pages(ctx: Context) -> Result:
    import io

    from pypdf import PdfReader
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from qa_audit.reports.pdf_assessment import render_assessment, story
    from qa_audit.reports.pdf_common import FONT, content_width, register_fonts

    report = _report(7)
    pages = len(PdfReader(io.BytesIO(render_assessment(report))).pages)
    # Baseline: the same paragraphs (same text, markup and embedded font), one after
    # another on plain A4 pages: no tables, chart, page frame, watermark or "Page x of y".
    register_fonts()
    texts = _texts(story(report, content_width()))
    style = ParagraphStyle("plain", fontName=FONT, fontSize=9.5, leading=13)

    def plain() -> None:
        buffer = io.BytesIO()
        SimpleDocTemplate(buffer, pagesize=A4).build([Paragraph(t, style) for t in texts])

    ours = timed(lambda: render_assessment(report), 3 if ctx.quick else 7)
    base = timed(plain, 3 if ctx.quick else 7)
    return Result(f"{pages}-page assessment PDF ({len(texts)} paragraphs)", ours, base,
                  "≤ 1.3× plain reportlab, same paragraphs", limit_ratio=1.3)
