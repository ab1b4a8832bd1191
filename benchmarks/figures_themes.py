"""Themes figures: the dashboard's queries against the same GROUP BYs in raw SQL, and the
time from choosing Themes to the page painted with every chart."""

from __future__ import annotations

import datetime as dt
import textwrap

from data import demo, raw_connection, signed_in
from figures_app import _child
from harness import Context, Result, figure, timed_pair

from qa_audit.domain.permissions import Role
from qa_audit.services import themes
from qa_audit.services.themes import ThemeFilter

FRAMEWORK = "public-law-pqs"

# The dashboard's figures as a person would write them by hand in SQL, over the quality
# lead's region: grades by team x standard x quarter, the count and date span, actions,
# and delay per team (working days computed with the same arithmetic as ours); and the
# three look-ups the dashboard cannot be drawn without, which ours makes too: the
# framework version (its scale and standards), the allocation benchmark setting and the
# teams' names. Every statement is the plain one a person would write: one GROUP BY over
# the join for the grades, on one connection.
_IN_VIEW = """a.region_id = :region AND a.status != 'draft'
  AND a.framework_version_id IN (SELECT id FROM framework_version WHERE framework_id = :fw)
  AND a.assessed_on >= :start AND a.assessed_on <= :end
  AND a.id NOT IN (SELECT assessment_id FROM moderation
                   WHERE moderator_id = :me AND submitted_at IS NULL)"""
_RAW_GRADES = f"""
SELECT a.team_id, r.standard_id,
       substr(a.assessed_on, 1, 4) || '-Q' || ((CAST(substr(a.assessed_on, 6, 2) AS INTEGER)
       + 2) / 3), r.grade, count(*)
FROM assessment a JOIN rating r ON r.assessment_id = a.id
WHERE {_IN_VIEW} AND r.grade IS NOT NULL
GROUP BY 1, 2, 3, 4"""
_RAW_LOOKUPS = (
    "SELECT id FROM framework_version WHERE framework_id = :fw ORDER BY imported_at DESC "
    "LIMIT 1",
    "SELECT value FROM setting WHERE key = 'allocation_benchmark_working_days'",
    "SELECT id, name FROM org_unit WHERE kind = 'team'")
_RAW_COUNT = f"""SELECT count(*), min(a.assessed_on), max(a.assessed_on) FROM assessment a
WHERE {_IN_VIEW}"""
_RAW_ACTIONS = f"""
SELECT status, status = 'open' AND due_on < :today, count(*) FROM action_item
WHERE status != 'cancelled' AND assessment_id IN (SELECT a.id FROM assessment a WHERE {_IN_VIEW})
GROUP BY 1, 2"""
_DAY = "CAST(julianday({0}) - julianday('2000-01-03') AS INTEGER)"
_WEEKDAYS = "(({0}) / 7 * 5 + CASE WHEN ({0}) % 7 < 5 THEN ({0}) % 7 ELSE 5 END)"
_WORKING = ("CASE WHEN {b} <= {a} THEN 0 ELSE " + _WEEKDAYS.format("{b} + 1") + " - "
            + _WEEKDAYS.format("{a} + 1") + " END").format(
    a=_DAY.format("c.issued_on"), b=_DAY.format("c.allocated_on"))
_DURATION = (_DAY.format("coalesce(c.concluded_on, :today)") + " - "
             + _DAY.format("c.issued_on"))
_RAW_DELAY = f"""
WITH audited AS (SELECT DISTINCT a.team_id, a.case_id FROM assessment a
                 WHERE {_IN_VIEW} AND a.case_id IS NOT NULL)
SELECT au.team_id, count(*),
  sum(c.allocated_on IS NOT NULL AND c.issued_on IS NOT NULL),
  sum(c.allocated_on IS NOT NULL AND c.issued_on IS NOT NULL AND ({_WORKING}) > 2),
  sum(CASE WHEN c.allocated_on IS NOT NULL AND c.issued_on IS NOT NULL THEN {_WORKING}
      ELSE 0 END),
  sum(c.law_type = 'public' AND c.issued_on IS NOT NULL),
  sum(c.law_type = 'public' AND c.issued_on IS NOT NULL AND ({_DURATION}) > 182),
  sum(CASE WHEN c.law_type = 'public' AND c.issued_on IS NOT NULL THEN {_DURATION} ELSE 0 END)
FROM audited au JOIN case_file c ON c.id = au.case_id GROUP BY au.team_id"""


def _repeat(ctx: Context) -> int:
    return 3 if ctx.quick else 7


def _dashboard(ctx: Context, encrypted: bool) -> tuple[list[float], list[float], int]:
    store, lead = signed_in(ctx, encrypted, Role.QUALITY_LEAD)
    conn = raw_connection(ctx, encrypted)
    today = dt.date.today()
    start = today - dt.timedelta(days=730)
    f = ThemeFilter(FRAMEWORK, date_from=start, date_to=today)
    args = {"region": lead.region_id.hex if lead.region_id else "", "fw": FRAMEWORK,
            "me": lead.user_id.hex,
            "start": start.isoformat(), "end": today.isoformat(), "today": today.isoformat()}
    board = themes.dashboard(store, lead, f, today=today)
    raw_delay = conn.execute(_RAW_DELAY, args).fetchall()
    ours_delay = sorted((d.team_id.hex, d.cases, d.allocated, d.allocated_late,
                         d.allocation_days_total, d.public_cases, d.over_timescale,
                         d.duration_days_total) for d in board.delay)
    if sorted(tuple(r) for r in raw_delay) != ours_delay:
        raise RuntimeError("the dashboard's delay figures differ from the raw SQL's")
    raw_grades: dict[tuple[str, str], int] = {}
    for _team, sid, _quarter, grade, n in conn.execute(_RAW_GRADES, args).fetchall():
        raw_grades[(sid, grade)] = raw_grades.get((sid, grade), 0) + n
    ours_grades = {(s.id, g): n for s in board.standards for g, n in s.counts.items()}
    if {k: v for k, v in raw_grades.items() if k[0] in {s.id for s in board.standards}
            } != ours_grades:
        raise RuntimeError("the dashboard's grade counts differ from the raw SQL's")
    count = conn.execute(_RAW_COUNT, args).fetchone()[0]
    if count != board.assessments or not count:
        raise RuntimeError(f"dashboard counted {board.assessments}, raw SQL {count}")

    def ours() -> None:
        themes.dashboard(store, lead, f, today=today)

    def raw() -> None:
        for sql in (*_RAW_LOOKUPS, _RAW_GRADES, _RAW_COUNT, _RAW_ACTIONS, _RAW_DELAY):
            conn.execute(sql, args).fetchall()

    try:
        return *timed_pair(ours, raw, _repeat(ctx)), count
    finally:
        store.close()
        conn.close()


@figure
def themes_dashboard(ctx: Context) -> Result:
    ours, raw, n = _dashboard(ctx, False)
    return Result(f"themes dashboard: every figure ({n:,} assessments in region)", ours, raw,
                  "≤ 1.3× raw GROUP BYs", limit_ratio=1.3)


@figure
def themes_dashboard_encrypted(ctx: Context) -> Result:
    ours, raw, n = _dashboard(ctx, True)
    return Result(f"themes dashboard, encrypted ({n:,} assessments in region)", ours, raw,
                  "≤ 1.3× raw GROUP BYs (sqlcipher)", limit_ratio=1.3)


# Signed in as the quality lead, the main window shown on its first page; then Themes is
# chosen in the navigation and the child notes when the page has drawn every chart for
# its data (the `ready` signal, then a paint of each chart).
THEMES_CHILD = textwrap.dedent("""
    import sys, time
    from PySide6.QtWidgets import QApplication
    from qa_audit.services import accounts
    from qa_audit.services.database import Store
    from qa_audit.ui.app import application
    from qa_audit.ui.main_window import MainWindow
    db, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
    from qa_audit.ui.main_window import ui_settings
    app = application()
    # The window reopens on the page it was closed on: the last run closed it on Themes,
    # which would then load while the window is built, before Themes is chosen.
    ui_settings().remove("last_page")
    store = Store.open(db)
    actor = accounts.sign_in(store, user, password)
    window = MainWindow(store, actor, user)
    window.resize(1360, 860)
    window.show()
    for _ in range(20):
        app.processEvents()
    keys = [window.nav.item(i).data(256) for i in range(window.nav.count())]
    t0 = time.perf_counter()
    window.nav.setCurrentRow(keys.index("themes"))
    page = window.pages["themes"]
    done = []
    page.ready.connect(lambda: done.append(time.perf_counter()))
    charts = [page.grades, page.trend, page.development, page.actions_chart, page.delay]
    while not done:
        app.processEvents()
        time.sleep(0.001)
    before = [c.painted for c in charts]
    while any(c.painted == b and c.isVisible() and not c.visibleRegion().isEmpty()
              for c, b in zip(charts, before)):
        app.processEvents()
        time.sleep(0.001)
    print(f"painted {time.perf_counter() - t0:.6f}", flush=True)
    from PySide6.QtCore import QThreadPool
    QThreadPool.globalInstance().waitForDone()
    window.close()
    store.close()
""")


@figure
def themes_painted(ctx: Context) -> Result:
    from qa_audit.services.demo import DEMO_PASSWORD

    path, info = demo(ctx, True)
    user = info["users"][Role.QUALITY_LEAD]
    runs = []
    for _ in range(3 if ctx.quick else 5):
        _first, stamps, _lines = _child(THEMES_CHILD, str(path), user, DEMO_PASSWORD)
        runs.append(stamps["painted"])
    return Result("choosing Themes to every chart painted (encrypted)", runs, None, "≤ 1 s",
                  limit_absolute=1.0,
                  note=f"spread {min(runs):.2f}–{max(runs):.2f} s" if runs else "")


