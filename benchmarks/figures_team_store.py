"""Team store figures (PostgreSQL): the same lists, themes aggregate and autosave as on the
local file, each against raw psycopg on the same rows in the same run, and the cost of
row-level security (the same service call as a person's own login, policies applied,
against the owner's connection, which the policies do not filter).

The run starts its own throwaway PostgreSQL (as the tests do: tests/pg_cluster.py) and
loads the demo into it with `qa-audit demo`'s code path (COPY); or, with
`run.py --pg-url postgresql://OWNER@HOST/DB`, uses a demo database loaded before (by
`qa-audit demo --db ...`), so that repeated runs skip the two-minute load.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from data import size
from figures_storage import _RAW_COUNT, _RAW_LIST, _RAW_TEAMS, _RAW_THEMES, _repeat
from harness import Context, Result, figure, timed_pair
from sqlalchemy import make_url

from qa_audit.domain.permissions import Actor, Role
from qa_audit.domain.workflow import Status
from qa_audit.resources import shipped_frameworks
from qa_audit.services import accounts, assessments
from qa_audit.services.database import Store
from qa_audit.services.demo import DEMO_PASSWORD, generate_demo
from qa_audit.services.listing import (
    AssessmentQuery,
    SortKey,
    count_assessments,
    list_assessments,
)
from qa_audit.services.themes import grade_distribution

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pg_cluster import PgCluster

DATABASE = "bench"


@dataclass(frozen=True)
class Server:
    """The loaded demo database: its owner's URL, a person's URL (no login: the app signs
    in), and raw psycopg connections as the owner."""

    owner_url: str

    def url(self, *, login: bool = True) -> str:
        u = make_url(self.owner_url)
        if not login:
            u = u.set(username=None, password=None)
        return u.render_as_string(hide_password=False)

    def connect(self, **kwargs: Any) -> psycopg.Connection:
        u = make_url(self.owner_url)
        return psycopg.connect(host=u.query.get("host") or u.host, port=u.port,
                               dbname=u.database, user=u.username, password=u.password,
                               **kwargs)


def team_store(ctx: Context) -> tuple[Server, dict[str, Any]]:
    """The run's demo team store, loaded once (or the one given by --pg-url)."""
    if "pg" in ctx.cache:
        if isinstance(ctx.cache["pg"], Exception):  # the load failed once: say so, once
            raise RuntimeError("the team store's demo load failed (see pg_demo_load)")
        return ctx.cache["pg"]  # type: ignore[no-any-return]
    try:
        ctx.cache["pg"] = _given(ctx.pg_url) if ctx.pg_url else _load(ctx)
    except Exception as exc:
        ctx.cache["pg"] = exc
        raise
    return ctx.cache["pg"]  # type: ignore[no-any-return]


def _given(url: str) -> tuple[Server, dict[str, Any]]:
    server = Server(url)
    return server, {"load_s": None, "users": _users(server)}


def _load(ctx: Context) -> tuple[Server, dict[str, Any]]:
    cluster = PgCluster(Path(tempfile.mkdtemp(prefix="qa-audit-bench-pg-")),
                        secrets.token_urlsafe(16))
    cluster.start()
    ctx.cleanups.append(cluster.stop)
    cluster.admin(f"CREATE DATABASE {DATABASE}")
    server = Server(cluster.url(DATABASE))
    owner = Store.open(server.url())
    t0 = time.perf_counter()
    generate_demo(owner, assessments=size(ctx), seed=1, frameworks=shipped_frameworks())
    load_s = time.perf_counter() - t0
    owner.close()
    with server.connect(autocommit=True) as conn:  # fresh planner statistics
        conn.execute("VACUUM ANALYZE")
    return server, {"load_s": load_s, "users": _users(server)}


def _users(server: Server) -> dict[Role, str]:
    users: dict[Role, str] = {}
    with server.connect() as conn:
        for username, role in conn.execute(
                "SELECT username, role FROM user_account ORDER BY username"):
            users.setdefault(Role(role), username)
    return users


def own_login(ctx: Context, role: Role) -> tuple[Store, Actor]:
    """A person's store as the app opens it: no login in the URL, then their sign-in."""
    server, info = team_store(ctx)
    store = Store.open(server.url(login=False))
    return store, accounts.sign_in(store, info["users"][role], DEMO_PASSWORD)


def owners_view(ctx: Context, actor: Actor) -> Store:
    """The same services through the owner's (superuser's) connection: no policies."""
    server, _ = team_store(ctx)
    return Store.open(server.url())


def _raw(ctx: Context) -> Any:
    server, _ = team_store(ctx)
    return server.connect()


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


@figure
def pg_demo_load(ctx: Context) -> Result:
    _, info = team_store(ctx)
    if info["load_s"] is None:
        return Result("team store: demo load with COPY (loaded before the run: --pg-url)",
                      [float("nan")], None, "(orientation)", judged=False)
    return Result(f"team store: demo load with COPY ({size(ctx):,} assessments)",
                  [info["load_s"]], None, "(orientation)", judged=False)


def _list(ctx: Context, name: str, query: AssessmentQuery, order: str, extra: str,
          params: tuple[Any, ...]) -> Result:
    store, actor = own_login(ctx, Role.QUALITY_LEAD)
    conn = _raw(ctx)

    def ours() -> None:
        count_assessments(store, actor, query)
        list_assessments(store, actor, query, limit=200)

    def raw() -> None:
        conn.execute(_pg(_RAW_COUNT.format(extra=extra)), (actor.region_id, *params)).fetchone()
        conn.execute(_pg(_RAW_LIST.format(extra=extra, order=order, offset=0)),
                     (actor.region_id, *params)).fetchall()

    try:
        return Result(name, *timed_pair(ours, raw, _repeat(ctx)),
                      "≤ 100 ms and ≤ 1.5× raw psycopg", limit_ratio=1.5, limit_absolute=0.100)
    finally:
        store.close()
        conn.close()


@figure
def pg_list_open(ctx: Context) -> Result:
    return _list(ctx, "team store list: open (quality lead's region)", AssessmentQuery(),
                 "a.assessed_on DESC", "", ())


@figure
def pg_list_sort(ctx: Context) -> Result:
    return _list(ctx, "team store list: sort by practitioner",
                 AssessmentQuery(sort=SortKey.PRACTITIONER, descending=False),
                 "s.display_name ASC", "", ())


@figure
def pg_list_filter(ctx: Context) -> Result:
    return _list(ctx, "team store list: filter status + case ref",
                 AssessmentQuery(statuses=(Status.FINALISED,), search="PL-2025"),
                 "a.assessed_on DESC", "AND a.status IN ('finalised') AND c.reference LIKE ?",
                 ("%PL-2025%",))


@figure
def pg_themes(ctx: Context) -> Result:
    store, lead = own_login(ctx, Role.QUALITY_LEAD)
    conn = _raw(ctx)
    params = ("public-law-pqs", lead.region_id, lead.user_id)
    expected = len(conn.execute(_pg(_RAW_THEMES), params).fetchall())
    got = len(grade_distribution(store, lead, "public-law-pqs").counts)
    if got != expected or not got:
        raise RuntimeError(f"themes returned {got} groups, raw SQL {expected}")

    def ours() -> None:
        grade_distribution(store, lead, "public-law-pqs")

    def raw() -> None:
        conn.execute(_pg(_RAW_THEMES), params).fetchall()
        conn.execute(_RAW_TEAMS).fetchall()

    try:
        return Result("team store themes: grades by standard×team×quarter",
                      *timed_pair(ours, raw, _repeat(ctx)), "≤ 1.3× raw GROUP BY",
                      limit_ratio=1.3)
    finally:
        store.close()
        conn.close()


def _autosaver(store: Store, actor: Actor) -> Callable[[], None]:
    drafts = list_assessments(store, actor, AssessmentQuery(
        statuses=(Status.DRAFT,), author_id=actor.user_id), limit=1)
    if not drafts:
        raise RuntimeError("the demo has no draft by the benchmark's supervisor")
    detail = assessments.get_assessment(store, actor, drafts[0].id)
    standard_id = next(iter(detail.ratings))
    counter = iter(range(10**9))

    def save() -> None:
        assessments.save_rating(store, actor, detail.id, standard_id,
                                evidence=f"Autosave {next(counter)}: the child was seen alone.")

    return save


@figure
def pg_autosave(ctx: Context) -> Result:
    store, sup = own_login(ctx, Role.SUPERVISOR)
    conn = _raw(ctx)
    rid = conn.execute("SELECT id FROM rating LIMIT 1").fetchone()[0]
    counter = iter(range(10**9))

    def raw() -> None:
        conn.execute("UPDATE rating SET evidence = %s WHERE id = %s", (f"x{next(counter)}", rid))
        conn.commit()

    try:
        return Result("team store autosave one rating",
                      *timed_pair(_autosaver(store, sup), raw, _repeat(ctx) * 3), "≤ 20 ms",
                      limit_absolute=0.020)
    finally:
        store.close()
        conn.close()


def _rls(ctx: Context, name: str, call: Callable[[Store, Actor], Any], role: Role) -> Result:
    mine, actor = own_login(ctx, role)
    owner = owners_view(ctx, actor)
    try:
        with_policies, without = timed_pair(lambda: call(mine, actor),
                                            lambda: call(owner, actor), _repeat(ctx))
        return Result(name, with_policies, without, "≤ 1.3× without policies",
                      limit_ratio=1.3)
    finally:
        mine.close()
        owner.close()


@figure
def pg_rls_list(ctx: Context) -> Result:
    def call(store: Store, actor: Actor) -> None:
        count_assessments(store, actor, AssessmentQuery())
        list_assessments(store, actor, AssessmentQuery(), limit=200)

    return _rls(ctx, "row-level security cost: list open", call, Role.QUALITY_LEAD)


@figure
def pg_rls_themes(ctx: Context) -> Result:
    return _rls(ctx, "row-level security cost: themes aggregate",
                lambda store, actor: grade_distribution(store, actor, "public-law-pqs"),
                Role.QUALITY_LEAD)


@figure
def pg_rls_autosave(ctx: Context) -> Result:
    mine, sup = own_login(ctx, Role.SUPERVISOR)
    owner = owners_view(ctx, sup)
    try:
        return Result("row-level security cost: autosave",
                      *timed_pair(_autosaver(mine, sup), _autosaver(owner, sup),
                                  _repeat(ctx) * 3),
                      "≤ 1.3× without policies", limit_ratio=1.3)
    finally:
        mine.close()
        owner.close()
