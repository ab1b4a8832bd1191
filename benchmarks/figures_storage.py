"""Storage figures: lists, themes aggregate, autosave, bulk load, encryption cost."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from data import demo, raw_connection, signed_in, size
from harness import Context, Result, figure, timed, timed_pair

from qa_audit.domain.permissions import Role
from qa_audit.domain.workflow import Status
from qa_audit.services import assessments
from qa_audit.services.database import Store
from qa_audit.services.listing import (
    AssessmentQuery,
    SortKey,
    count_assessments,
    list_assessments,
)
from qa_audit.services.themes import grade_distribution


def _repeat(ctx: Context) -> int:
    return 3 if ctx.quick else 7


_RAW_LIST = """
SELECT a.id, a.kind, c.reference, s.display_name, au.display_name, o.name, f.title,
       f.version, a.status, a.assessed_on, a.overall_grade, a.updated_at
FROM assessment a JOIN framework_version f ON f.id = a.framework_version_id
LEFT JOIN case_file c ON c.id = a.case_id
JOIN user_account s ON s.id = a.subject_id JOIN user_account au ON au.id = a.author_id
LEFT JOIN org_unit o ON o.id = a.team_id
WHERE a.region_id = ? AND a.status != 'draft' {extra}
ORDER BY {order}, a.id DESC LIMIT 200 OFFSET {offset}
"""
_RAW_COUNT = """SELECT count(*) FROM assessment a LEFT JOIN case_file c ON c.id = a.case_id
WHERE a.region_id = ? AND a.status != 'draft' {extra}"""


def _list_figure(ctx: Context, name: str, query: AssessmentQuery, order: str, extra: str,
                 params: tuple[Any, ...], offset: int = 0, encrypted: bool = False) -> Result:
    store, actor = signed_in(ctx, encrypted, Role.QUALITY_LEAD)
    region = actor.region_id.hex if actor.region_id else ""

    def ours() -> None:
        count_assessments(store, actor, query)
        list_assessments(store, actor, query, offset=offset, limit=200)

    conn = raw_connection(ctx, encrypted)

    def raw() -> None:
        conn.execute(_RAW_COUNT.format(extra=extra), (region, *params)).fetchone()
        conn.execute(_RAW_LIST.format(extra=extra, order=order, offset=offset),
                     (region, *params)).fetchall()

    try:
        return Result(name, *timed_pair(ours, raw, _repeat(ctx)), "≤ 100 ms per step",
                      limit_absolute=0.100)
    finally:
        store.close()
        conn.close()


@figure
def list_open(ctx: Context) -> Result:
    return _list_figure(ctx, f"list: open ({size(ctx):,} assessments)", AssessmentQuery(),
                        "a.assessed_on DESC", "", ())


@figure
def list_sort(ctx: Context) -> Result:
    q = AssessmentQuery(sort=SortKey.PRACTITIONER, descending=False)
    return _list_figure(ctx, "list: sort by practitioner", q, "s.display_name ASC", "", ())


@figure
def list_sort_encrypted(ctx: Context) -> Result:
    # Sorting by a column the scope index did not hold read every row in scope, which an
    # encrypted database must decrypt: this is the step users feel on their own laptops.
    q = AssessmentQuery(sort=SortKey.GRADE, descending=True)
    return _list_figure(ctx, "list (encrypted): sort by overall grade", q,
                        "a.overall_grade DESC", "", (), encrypted=True)


@figure
def list_filter(ctx: Context) -> Result:
    q = AssessmentQuery(statuses=(Status.FINALISED,), search="PL-2025")
    return _list_figure(ctx, "list: filter status + case ref", q, "a.assessed_on DESC",
                        "AND a.status IN ('finalised') AND c.reference LIKE ?",
                        ("%PL-2025%",))


@figure
def list_scroll(ctx: Context) -> Result:
    offset = size(ctx) // 10
    return _list_figure(ctx, f"list: scroll to row {offset:,}", AssessmentQuery(),
                        "a.assessed_on DESC", "", (), offset=offset)


_RAW_THEMES = """
SELECT r.standard_id, a.team_id,
       substr(CAST(a.assessed_on AS VARCHAR), 1, 4) || '-Q' ||
       CAST((CAST(substr(CAST(a.assessed_on AS VARCHAR), 6, 2) AS INTEGER) + 2) / 3 AS VARCHAR),
       r.grade, count(*)
FROM rating r JOIN assessment a ON a.id = r.assessment_id
JOIN framework_version f ON f.id = a.framework_version_id
WHERE a.status != 'draft' AND r.grade IS NOT NULL AND f.framework_id = ?
  AND a.region_id = ?
  AND a.id NOT IN (SELECT assessment_id FROM moderation
                   WHERE moderator_id = ? AND submitted_at IS NULL)
GROUP BY 1, 2, 3, 4
"""
# Ours also reads the teams' names (the distribution names each team); so does the raw.
_RAW_TEAMS = "SELECT id, name FROM org_unit WHERE kind = 'team'"


def _themes(ctx: Context, encrypted: bool) -> tuple[list[float], list[float], int]:
    """A quality lead's view of their region, ours against the same GROUP BY in raw SQL."""
    store, lead = signed_in(ctx, encrypted, Role.QUALITY_LEAD)
    conn = raw_connection(ctx, encrypted)
    region = lead.region_id.hex if lead.region_id else ""
    n = conn.execute("SELECT count(*) FROM rating r JOIN assessment a ON a.id = r.assessment_id "
                     "WHERE a.region_id = ?", (region,)).fetchone()[0]
    # The moderation exclusion: a quality lead moderating blind is not shown the grades of
    # the audits she is re-scoring (ours leaves them out; the raw SQL has to as well).
    params = ("public-law-pqs", region, lead.user_id.hex)
    expected = sorted((sid, team, q, grade, n) for sid, team, q, grade, n
                      in conn.execute(_RAW_THEMES, params).fetchall())
    got = sorted((c.standard_id, c.team_id.hex if c.team_id else None, c.quarter, c.grade,
                  c.count) for c in grade_distribution(store, lead, "public-law-pqs").counts)
    if got != expected or not got:
        raise RuntimeError(f"themes query returned {len(got)} groups, raw SQL "
                           f"{len(expected)}, or their counts differ")

    def ours() -> None:
        grade_distribution(store, lead, "public-law-pqs")

    def raw() -> None:
        conn.execute(_RAW_THEMES, params).fetchall()
        conn.execute(_RAW_TEAMS).fetchall()

    try:
        return *timed_pair(ours, raw, _repeat(ctx)), n
    finally:
        store.close()
        conn.close()


@figure
def themes_aggregate(ctx: Context) -> Result:
    ours, raw, n = _themes(ctx, False)
    return Result(f"themes: grades by standard×team×quarter ({n:,} ratings in region)", ours, raw,
                  "≤ 1.3× raw GROUP BY", limit_ratio=1.3)


@contextmanager
def _autosaver(ctx: Context, encrypted: bool) -> Iterator[Callable[[], None]]:
    """Saving one rating's evidence in a draft of the benchmark's supervisor, as the
    editor's autosave does."""
    store, actor = signed_in(ctx, encrypted, Role.SUPERVISOR)
    from qa_audit.services.listing import AssessmentQuery as Q

    drafts = list_assessments(store, actor, Q(statuses=(Status.DRAFT,), author_id=actor.user_id),
                              limit=1) or list_assessments(
        store, actor, Q(statuses=(Status.DRAFT,)), limit=1)
    if not drafts:
        raise RuntimeError("the demo has no draft to autosave into")
    detail = assessments.get_assessment(store, actor, drafts[0].id)
    standard_id = next(iter(detail.ratings))
    if detail.author_id != actor.user_id:
        raise RuntimeError("no draft written by the benchmark's supervisor")
    counter = iter(range(10**9))

    def save() -> None:
        assessments.save_rating(store, actor, detail.id, standard_id,
                                evidence=f"Autosave {next(counter)}: the child was seen alone.")

    try:
        yield save
    finally:
        store.close()


@figure
def autosave(ctx: Context) -> Result:
    conn = raw_connection(ctx, False)
    rid = conn.execute("SELECT id FROM rating LIMIT 1").fetchone()[0]
    counter = iter(range(10**9))

    def raw() -> None:
        conn.execute("UPDATE rating SET evidence = ? WHERE id = ?", (f"x{next(counter)}", rid))
        conn.commit()

    with _autosaver(ctx, False) as save:
        ours, base = timed_pair(save, raw, _repeat(ctx) * 3)
    conn.close()
    return Result("autosave one rating", ours, base, "≤ 20 ms", limit_absolute=0.020)


def _bulk(ctx: Context, encrypted: bool) -> tuple[list[float], list[float]]:
    """10,000 assessments with their ratings: store bulk path vs raw executemany."""
    from sqlalchemy import text

    from qa_audit.store import tables
    from qa_audit.store.bulk import bulk_insert

    path, info = demo(ctx, encrypted)
    store = Store.open(path)
    if store.locked:
        from data import open_store

        store.close()
        store = open_store(path, encrypted, info["users"][Role.SUPERVISOR])
    with store.engine.connect() as conn:
        fv_id, subject, author, team, region = conn.execute(text(
            "SELECT framework_version_id, subject_id, author_id, team_id, region_id "
            "FROM assessment LIMIT 1")).one()
        standards = [r[0] for r in conn.execute(text(
            "SELECT DISTINCT standard_id FROM rating WHERE assessment_id = "
            "(SELECT id FROM assessment WHERE framework_version_id = :f LIMIT 1)"),
            {"f": fv_id})]
    n = 2_000 if ctx.quick else 10_000
    rng = random.Random(3)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    a_rows, r_rows = [], []
    for _ in range(n):
        aid = uuid.UUID(int=rng.getrandbits(128))
        a_rows.append({"id": aid, "kind": "case_audit", "framework_version_id": uuid.UUID(fv_id),
                       "case_id": None, "subject_id": uuid.UUID(subject),
                       "author_id": uuid.UUID(author), "team_id": uuid.UUID(team),
                       "region_id": uuid.UUID(region), "status": "finalised",
                       "assessed_on": dt.date(2025, 5, 1), "context": "{}",
                       "childs_voice": "", "impact_of_delay": "", "strengths": "",
                       "areas_for_development": "", "overall_grade": "G",
                       "created_at": now.replace(tzinfo=dt.UTC),
                       "updated_at": now.replace(tzinfo=dt.UTC), "submitted_at": None,
                       "finalised_at": None, "content_hash": None, "row_version": 1})
        for sid in standards:
            r_rows.append({"id": uuid.UUID(int=rng.getrandbits(128)), "assessment_id": aid,
                           "standard_id": sid, "grade": "G", "indicators": "[]",
                           "evidence": "", "commentary": "",
                           "updated_at": now.replace(tzinfo=dt.UTC), "row_version": 1})
    a_cols = list(a_rows[0])
    r_cols = list(r_rows[0])

    def plain(v: Any) -> Any:
        if isinstance(v, uuid.UUID):
            return v.hex
        if isinstance(v, dt.datetime):
            return v.replace(tzinfo=None).isoformat(sep=" ")
        if isinstance(v, dt.date):
            return v.isoformat()
        return v

    a_tuples = [tuple(plain(r[c]) for c in a_cols) for r in a_rows]
    r_tuples = [tuple(plain(r[c]) for c in r_cols) for r in r_rows]
    a_sql = f"INSERT INTO assessment ({', '.join(a_cols)}) VALUES ({', '.join('?' * len(a_cols))})"
    r_sql = f"INSERT INTO rating ({', '.join(r_cols)}) VALUES ({', '.join('?' * len(r_cols))})"

    def ours() -> None:  # the store's bulk path, as an import uses it
        with store.engine.begin() as conn:
            bulk_insert(conn, [(tables.Assessment.__table__, a_rows),  # type: ignore[list-item]
                               (tables.Rating.__table__, r_rows)])  # type: ignore[list-item]
            conn.rollback()

    raw_conn = raw_connection(ctx, encrypted)

    def raw() -> None:
        raw_conn.executemany(a_sql, a_tuples)
        raw_conn.executemany(r_sql, r_tuples)
        raw_conn.rollback()

    try:
        return timed(ours, 3), timed(raw, 3)
    finally:
        store.close()
        raw_conn.close()


@figure
def bulk_load(ctx: Context) -> Result:
    ours, raw = _bulk(ctx, False)
    n = 2_000 if ctx.quick else 10_000
    return Result(f"bulk load {n:,} assessments + ratings", ours, raw,
                  "≤ 3× raw executemany", limit_ratio=3.0)


def _ratio_result(name: str, encrypted: list[float], plain: list[float]) -> Result:
    return Result(name, encrypted, plain, "≤ 1.35× unencrypted", limit_ratio=1.35)


@figure
def encryption_autosave(ctx: Context) -> Result:
    with _autosaver(ctx, True) as encrypted, _autosaver(ctx, False) as clear:
        return _ratio_result("encrypted vs clear: autosave",
                             *timed_pair(encrypted, clear, _repeat(ctx) * 3))


@figure
def encryption_themes(ctx: Context) -> Result:
    enc, _, _ = _themes(ctx, True)
    plain, _, _ = _themes(ctx, False)
    return _ratio_result("encrypted vs clear: themes aggregate", enc, plain)


@figure
def encryption_bulk(ctx: Context) -> Result:
    enc, _ = _bulk(ctx, True)
    plain, _ = _bulk(ctx, False)
    return _ratio_result("encrypted vs clear: bulk load", enc, plain)


@figure
def encryption_list(ctx: Context) -> Result:
    def run(encrypted: bool) -> list[float]:
        store, actor = signed_in(ctx, encrypted, Role.QUALITY_LEAD)
        try:
            return timed(lambda: (count_assessments(store, actor, AssessmentQuery()),
                                  list_assessments(store, actor, AssessmentQuery())),
                         _repeat(ctx))
        finally:
            store.close()

    return _ratio_result("encrypted vs clear: list open", run(True), run(False))


@figure
def sign_in_time(ctx: Context) -> Result:
    """Opening a locked encrypted database with a password (argon2id at full strength)."""
    from qa_audit.services import accounts
    from qa_audit.services.demo import DEMO_PASSWORD
    from qa_audit.store import keyring

    path, info = demo(ctx, True)
    user = info["users"][Role.SUPERVISOR]
    previous = keyring._kdf
    keyring._kdf = keyring.DEFAULT_KDF
    store = Store.open(path)
    accounts.sign_in(store, user, DEMO_PASSWORD)
    accounts.change_password(store, accounts.sign_in(store, user, DEMO_PASSWORD),
                             DEMO_PASSWORD, DEMO_PASSWORD + "!")
    store.close()
    keyring._kdf = previous

    def once() -> None:
        s = Store.open(path)
        accounts.sign_in(s, user, DEMO_PASSWORD + "!")
        s.close()

    return Result("sign-in (argon2id 64 MiB, unlock, migrate check)", timed(once, 3), None,
                  "orientation only", note="no budget")

