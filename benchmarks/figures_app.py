"""Application figures: start-up to a painted main window, memory, and a 10-page PDF."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from data import demo, signed_in
from harness import Context, Result, figure, timed_pair

from qa_audit.domain.permissions import Role

ROOT = Path(__file__).resolve().parent.parent

# The real app as a person starts it: `qa-audit --db FILE --user NAME` (qa_audit.cli.main),
# watched by an application-wide event filter. When the sign-in window first paints, the
# child waits PAUSE seconds (the person typing the password), fills the password in and
# signs in as Enter would; then it notes the main window's first paint, scrolls the list
# (for the memory figure) and quits. Times are printed on the child's clock.
APP_CHILD = textwrap.dedent("""
    import sys, threading, time
    import qa_audit.ui.app as ui_app
    from PySide6.QtCore import QEvent, QObject, QTimer
    db, user, password, pause = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    def say(what):
        print(f"{what} {time.perf_counter():.6f}", flush=True)
    def preloading():
        return any(t.name == "qa-audit-preload" and t.is_alive() for t in threading.enumerate())
    class Watch(QObject):
        dialog = window = None
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                name = type(obj).__name__
                if name == "SignInDialog" and self.dialog is None:
                    self.dialog = obj
                    say("signin")
                    QTimer.singleShot(int(pause * 1000), self.submit)
                    if pause:
                        QTimer.singleShot(0, self.poll)
                elif name == "MainWindow" and self.window is None:
                    self.window = obj
                    say("painted")
                    QTimer.singleShot(0, self.scroll)
            return False
        seen = submitted = False
        def poll(self):
            alive = preloading()
            self.seen = self.seen or alive
            if self.seen and not alive:
                say("preloaded")
            elif not self.submitted:
                QTimer.singleShot(10, self.poll)
        def submit(self):
            self.dialog.password.setText(password)
            self.submitted = True
            say("submit")
            self.dialog.try_sign_in()
        def scroll(self):
            model = getattr(self.window.stack.currentWidget(), "model", None)
            for _ in range(10):
                if model is not None and model.canFetchMore():
                    model.fetchMore()
            print(f"rss {peak_mb():.1f}", flush=True)
            self.window.close()
    def peak_mb():
        # VmHWM: this program's own peak. ru_maxrss would include the parent's peak,
        # which Linux carries into a child started by vfork/exec.
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    made = ui_app.application
    def application():
        app = made()
        app.installEventFilter(watch)
        return app
    watch = Watch()
    ui_app.application = application
    from qa_audit.cli import main
    sys.exit(main(["--db", db, "--user", user]))
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



# The person's typing between the sign-in window appearing and pressing Enter: a
# password of at least 10 characters (the app's minimum) at a brisk 5 characters a second.
TYPING_PAUSE = 2.0


@dataclass
class AppRun:
    signin: float  # process start to the sign-in window painted (parent's clock)
    answer: float  # Enter to the main window painted
    preload: float | None  # sign-in window painted to the background loading done
    rss: float

    @property
    def wait(self) -> float:
        """What the person waits for: the app to show, then to answer their Enter."""
        return self.signin + self.answer


def _child(code: str, *args: str) -> tuple[float, dict[str, float], list[str]]:
    """(seconds from process start to the first "signin"/"painted" line, the child's
    timestamps by label, all lines)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "QA_AUDIT_HOME": str(Path(os.environ.get("TMPDIR", "/tmp")) / "qa-audit-bench-home"),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    import tempfile

    with tempfile.TemporaryFile("w+") as errors:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                                stderr=errors, text=True, env=env)
        assert proc.stdout is not None
        first = None
        stamps: dict[str, float] = {}
        lines = []
        for line in proc.stdout:
            lines.append(line.strip())
            label, _, value = line.strip().partition(" ")
            if label in ("signin", "painted") and first is None:
                first = time.perf_counter() - t0
            if label in ("signin", "submit", "painted", "preloaded"):
                stamps.setdefault(label, float(value or "nan"))
        proc.wait(timeout=120)
        if first is None or proc.returncode:
            errors.seek(0)
            tail = " | ".join(errors.read().strip().splitlines()[-3:])
            raise RuntimeError(f"the window never painted (exit {proc.returncode}: {tail})")
    return first, stamps, lines


def _app_run(ctx: Context, pause: float) -> AppRun:
    from qa_audit.services.demo import DEMO_PASSWORD

    path, info = demo(ctx, True)
    user = info["users"][Role.QUALITY_LEAD]
    first, at, lines = _child(APP_CHILD, str(path), user, DEMO_PASSWORD, str(pause))
    if "painted" not in at:
        raise RuntimeError("the main window never painted: " + " | ".join(lines[-3:]))
    preload = at["preloaded"] - at["signin"] if "preloaded" in at else None
    rss = [float(x.split()[1]) for x in lines if x.startswith("rss")]
    return AppRun(first, at["painted"] - at["submit"], preload, max(rss, default=float("nan")))


def _app_runs(ctx: Context, pause: float) -> list[AppRun]:
    key = f"app-runs-{pause}"
    if key not in ctx.cache:
        ctx.cache[key] = [_app_run(ctx, pause) for _ in range(3 if ctx.quick else 5)]
    return ctx.cache[key]  # type: ignore[no-any-return]


def _bare(ctx: Context) -> list[float]:
    if "bare" not in ctx.cache:
        ctx.cache["bare"] = [_child(BARE_CHILD)[0] for _ in range(3 if ctx.quick else 5)]
    return ctx.cache["bare"]  # type: ignore[no-any-return]


@figure
def startup(ctx: Context) -> Result:
    runs = _app_runs(ctx, TYPING_PAUSE)
    preloads = [r.preload for r in runs if r.preload is not None]
    shown = statistics.median(r.signin for r in runs) * 1000
    answer = statistics.median(r.answer for r in runs) * 1000
    loaded = f"{statistics.median(preloads) * 1000:.0f} ms" if preloads else "not seen"
    return Result("start to main window painted, as a person waits for it: start → sign-in "
                  "window, then Enter → main window (their typing left out)",
                  [r.wait for r in runs], _bare(ctx),
                  "≤ 1.5 s and ≤ 3× bare Qt 10k-row table", limit_ratio=3.0,
                  limit_absolute=1.5,
                  note=f"sign-in window {shown:.0f} ms + Enter to main window {answer:.0f} ms;"
                       f" loading done {loaded} after the sign-in window; {TYPING_PAUSE:.0f} s"
                       " typing assumed")


@figure
def startup_no_pause(ctx: Context) -> Result:
    runs = _app_runs(ctx, 0.0)
    return Result("start to main window painted with no typing at all (password given the "
                  "instant the sign-in window shows)", [r.wait for r in runs], _bare(ctx),
                  "for comparison", judged=False)


@figure
def memory(ctx: Context) -> Result:
    rss = [r.rss for r in _app_runs(ctx, TYPING_PAUSE)]
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


def _plain_pdf(texts: list[str]) -> bytes:
    """The baseline: the same paragraphs (same text, markup and embedded font), one after
    another on plain A4 pages: no tables, chart, page frame, watermark or "Page x of y"."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from qa_audit.reports.pdf_common import FONT, register_fonts

    register_fonts()
    style = ParagraphStyle("plain", fontName=FONT, fontSize=9.5, leading=13)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build([Paragraph(t, style) for t in texts])
    return buffer.getvalue()


def _assessment_pdf(ctx: Context, standards_pages: int, repeat: int) -> Result:
    import io

    from pypdf import PdfReader

    from qa_audit.reports.pdf_assessment import render_assessment, story
    from qa_audit.reports.pdf_common import content_width

    report = _report(standards_pages)
    pages = len(PdfReader(io.BytesIO(render_assessment(report))).pages)
    texts = _texts(story(report, content_width()))
    ours, base = timed_pair(lambda: render_assessment(report), lambda: _plain_pdf(texts),
                            repeat)
    return Result(f"{pages}-page assessment PDF ({len(texts)} paragraphs)", ours, base,
                  "≤ 1.3× plain reportlab, same paragraphs", limit_ratio=1.3)


@figure
def pdf_ten_pages(ctx: Context) -> Result:
    return _assessment_pdf(ctx, 7, 3 if ctx.quick else 7)


@figure
def assessment_fifty_pages(ctx: Context) -> Result:
    return _assessment_pdf(ctx, 40, 2 if ctx.quick else 5)


@figure
def batch_hundred_assessments(ctx: Context) -> Result:
    """A batch export of about 100 finalised assessments (one PDF each, read from the demo
    database, written to a folder, with its index) against plain reportlab laying out the
    same paragraphs of each document and writing each file."""
    import shutil

    from qa_audit.domain.workflow import Status
    from qa_audit.reports.model import Profile
    from qa_audit.reports.pdf_assessment import story
    from qa_audit.reports.pdf_common import content_width
    from qa_audit.services.documents import export_batch
    from qa_audit.services.listing import AssessmentQuery, page_details, page_ids
    from qa_audit.services.report_data import assessment_report

    store, actor = signed_in(ctx, False, Role.SUPERVISOR)
    finalised = AssessmentQuery(statuses=(Status.FINALISED,), team_id=actor.team_id)
    ids = page_ids(store, actor, finalised, 0, 100)
    since = min(r.assessed_on for r in page_details(store, ids))
    query = AssessmentQuery(statuses=(Status.FINALISED,), team_id=actor.team_id,
                            date_from=since)
    texts = [_texts(story(assessment_report(store, actor, aid, Profile.MANAGER),
                          content_width())) for aid in page_ids(store, actor, query, 0, 10_000)]
    out_ours, out_base = ctx.workdir / "batch-ours", ctx.workdir / "batch-plain"

    def ours() -> None:
        shutil.rmtree(out_ours, ignore_errors=True)
        export_batch(store, actor, query, out_ours, Profile.MANAGER)

    def plain() -> None:
        shutil.rmtree(out_base, ignore_errors=True)
        out_base.mkdir()
        for n, paragraphs in enumerate(texts):
            (out_base / f"{n}.pdf").write_bytes(_plain_pdf(paragraphs))

    try:
        a, b = timed_pair(ours, plain, 1 if ctx.quick else 3, warmup=0 if ctx.quick else 1)
    finally:
        store.close()
    return Result(f"batch export of {len(texts)} assessment PDFs", a, b,
                  "≤ 1.3× plain reportlab, same paragraphs", limit_ratio=1.3)
