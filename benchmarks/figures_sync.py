"""Sync figures: a person's own copy of the team store (PostgreSQL) made by a first sync,
a sync that pushes 10,000 assessments written offline, and opening the app's store on a
10,000-assessment copy with no server.

Each sync is measured against a raw executemany of the same rows in the same run, under
the same conditions: into an encrypted SQLite file (sqlcipher3) for the copy, and on the
team store as the person's own login role (row-level security and triggers on, where
PostgreSQL refuses COPY) for the push. The run starts its own throwaway PostgreSQL, as the
tests do (tests/pg_cluster.py).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from harness import Context, Result, figure

from qa_audit.domain.framework import AssessmentKind
from qa_audit.domain.permissions import Actor, Role
from qa_audit.resources import shipped_frameworks
from qa_audit.services import accounts, assessments, cases, frameworks, sync
from qa_audit.services.database import Store
from qa_audit.services.listing import AssessmentQuery, list_assessments
from qa_audit.services.team_store import install
from qa_audit.store.bulk import insert_records, storage_value
from qa_audit.store.files import key_file_for
from qa_audit.store.keyring import Keyring
from qa_audit.store.tables import Assessment, Rating

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pg_cluster import PgCluster

PASSWORD = "benchmark passphrase 1"
DATABASE = "syncbench"
ASSESSMENT = Assessment.__table__  # type: ignore[attr-defined]
RATING = Rating.__table__  # type: ignore[attr-defined]


def _count(ctx: Context) -> int:
    return 2_000 if ctx.quick else 10_000


def _setup(ctx: Context) -> dict[str, Any]:
    """The run's team store with one team (a supervisor, a practitioner, the shipped
    frameworks, a case) and `_count` submitted audits with every standard graded; an
    empty copy made before the audits were added (for the raw baseline)."""
    if "sync" in ctx.cache:
        return ctx.cache["sync"]  # type: ignore[no-any-return]
    cluster = PgCluster(Path(tempfile.mkdtemp(prefix="qa-audit-bench-sync-")),
                        secrets.token_urlsafe(16))
    cluster.start()
    ctx.cleanups.append(cluster.stop)
    cluster.admin(f"CREATE DATABASE {DATABASE}")
    owner = Store.open(cluster.url(DATABASE))
    install(owner)
    admin = accounts.system_actor()
    region = accounts.add_org_unit(owner, admin, "North", "region")
    team = accounts.add_org_unit(owner, admin, "Newcastle 1", "team", region.id)
    for name, role in (("sup", Role.SUPERVISOR), ("fca", Role.FCA)):
        accounts.add_user(owner, admin, name, name.title(), role, PASSWORD, team.id)
    for path in shipped_frameworks():
        frameworks.import_framework_file(owner, admin, path)
    sup = accounts.sign_in(owner, "sup", PASSWORD)
    fca = accounts.sign_in(owner, "fca", PASSWORD)
    public = next(v for v in frameworks.list_versions(owner)
                  if v.framework_id == "public-law-pqs")
    case = cases.create_case(owner, sup, "PL-2026-09999", "care_order", fca_id=None).id
    template = assessments.create_assessment(owner, sup, AssessmentKind.CASE_AUDIT, public.id,
                                             fca.user_id, case_id=case)
    folder = ctx.workdir / "sync"
    folder.mkdir(exist_ok=True)
    url = cluster.url(DATABASE, user=None)  # type: ignore[arg-type]
    empty = folder / "empty.db"
    _create(url, empty)
    with owner.engine.connect() as conn:
        base = dict(conn.execute(ASSESSMENT.select().where(ASSESSMENT.c.id == template))
                    .mappings().one())
        standards = [r.standard_id for r in conn.execute(
            RATING.select().where(RATING.c.assessment_id == template))]
    info = {"cluster": cluster, "url": url, "owner": owner, "sup": sup, "base": base,
            "standards": standards, "empty": empty, "folder": folder,
            "key": Keyring.load(key_file_for(empty)).unlock("sup", PASSWORD).database_keys[0]}
    a_rows, r_rows = rows(info, _count(ctx), seed=1)
    with owner.engine.begin() as conn:  # the owner's COPY (no policies apply to it)
        insert_records(conn, ASSESSMENT, a_rows)
        insert_records(conn, RATING, r_rows)
    with cluster.connect(DATABASE, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    info["team_rows"] = (a_rows, r_rows)
    ctx.cache["sync"] = info
    return info


def rows(info: dict[str, Any], n: int, seed: int
         ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`n` submitted audits like the template, each standard graded (ids from `seed`)."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    a_rows, r_rows = [], []
    for _ in range(n):
        aid = uuid.UUID(int=rng.getrandbits(128), version=4)
        a_rows.append({**info["base"], "id": aid, "status": "submitted", "submitted_at": now,
                       "strengths": "Clear analysis of the care plan. " * 3,
                       "overall_grade": "G", "row_version": 2})
        for sid in info["standards"]:
            r_rows.append({"id": uuid.UUID(int=rng.getrandbits(128), version=4),
                           "assessment_id": aid, "standard_id": sid,
                           "grade": rng.choice(["O", "G", "RI", "I"]), "indicators": "[]",
                           "evidence": "Seen in the case file, section C.", "commentary": "",
                           "updated_at": now, "row_version": 1})
    return a_rows, r_rows


def _create(url: str, path: Path) -> None:
    team = Store.open(url)
    try:
        sup = accounts.sign_in(team, "sup", PASSWORD)
        sync.create_copy(team, sup, PASSWORD, path)
    finally:
        team.close()


def _fresh(template: Path, name: str) -> Path:
    target = template.with_name(name)
    for companion in template.parent.glob(f"{name}*"):
        companion.unlink()
    shutil.copyfile(template, target)
    shutil.copyfile(key_file_for(template), key_file_for(target))
    return target


def _sqlcipher(path: Path, key: bytes) -> Any:
    import sqlcipher3

    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key=\"x'{key.hex()}'\"")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def _raw_into_sqlite(path: Path, key: bytes, loads: list[tuple[str, list[dict[str, Any]]]]
                     ) -> None:
    conn = _sqlcipher(path, key)
    conn.execute("BEGIN")
    for table, data in loads:
        names = list(data[0])
        marks = ", ".join("?" for _ in names)
        conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
                         [tuple(storage_value(r[c]) for c in names) for r in data])
    conn.execute("COMMIT")
    conn.close()


@figure
def sync_first_copy(ctx: Context) -> Result:
    info = _setup(ctx)
    a_rows, r_rows = info["team_rows"]
    ours, raw, reads = [], [], []
    import psycopg

    cluster: PgCluster = info["cluster"]
    for i in range(2):
        target = info["folder"] / f"first-{i}.db"
        t0 = time.perf_counter()
        _create(info["url"], target)  # sign in, read the scope, write, rename into place
        ours.append(time.perf_counter() - t0)
        if i == 0:
            info["full_copy"] = target
        into = _fresh(info["empty"], f"raw-first-{i}.db")
        t0 = time.perf_counter()
        _raw_into_sqlite(into, info["key"], [("assessment", a_rows), ("rating", r_rows)])
        raw.append(time.perf_counter() - t0)
        # For orientation: reading those rows raw, as the same login (policies on).
        with psycopg.connect(host=cluster.socket_dir, dbname=DATABASE, user="sup",
                             password=PASSWORD) as conn:
            t0 = time.perf_counter()
            conn.execute("SELECT * FROM assessment").fetchall()
            conn.execute("SELECT * FROM rating").fetchall()
            reads.append(time.perf_counter() - t0)
    n = len(a_rows)
    both = statistics.median(raw) + statistics.median(reads)
    return Result(f"sync: first sync makes the copy ({n:,} assessments + {len(r_rows):,} "
                  "ratings)", ours, raw, "≤ 3× raw executemany", limit_ratio=3.0,
                  note="baseline: the same rows into the encrypted file, nothing read; "
                  f"with a raw psycopg read of them too: {both:.2f} s, "
                  f"{statistics.median(ours) / both:.2f}x")


@figure
def sync_push(ctx: Context) -> Result:
    info = _setup(ctx)
    if "full_copy" not in info:
        target = info["folder"] / "first-0.db"
        _create(info["url"], target)
        info["full_copy"] = target
    n = _count(ctx)
    ours, raw = [], []
    import psycopg

    cluster: PgCluster = info["cluster"]
    for i in range(2):
        # Offline work: n new audits written into a copy that knows all the rest.
        local_path = _fresh(info["full_copy"], f"push-{i}.db")
        mine_a, mine_r = rows(info, n, seed=100 + i)
        local = Store.open(local_path)
        accounts.sign_in(local, "sup", PASSWORD)
        with local.engine.begin() as conn:
            insert_records(conn, ASSESSMENT, mine_a)
            insert_records(conn, RATING, mine_r)
        team = Store.open(info["url"])
        sup = accounts.sign_in(team, "sup", PASSWORD)
        t0 = time.perf_counter()
        report = sync.sync(local, team, sup)
        ours.append(time.perf_counter() - t0)
        assert report.pushed.get("assessment") == n, report.pushed
        team.close()
        local.close()
        _forget(info, [a["id"] for a in mine_a])
        # The same number of rows, raw, as the same person (policies and triggers on).
        raw_a, raw_r = rows(info, n, seed=200 + i)
        with psycopg.connect(host=cluster.socket_dir, dbname=DATABASE, user="sup",
                             password=PASSWORD) as conn:
            t0 = time.perf_counter()
            with conn.cursor() as cursor:
                # As drafts first: the team store's write rules take grades only while an
                # assessment is editable, and a status only as a workflow step.
                drafts = [{**r, "status": "draft", "submitted_at": None} for r in raw_a]
                for table, data in (("assessment", drafts), ("rating", raw_r)):
                    names = list(data[0])
                    marks = ", ".join("%s" for _ in names)
                    cursor.executemany(
                        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
                        [tuple(r[c] for c in names) for r in data])
                cursor.executemany(
                    "UPDATE assessment SET status = %s, submitted_at = %s WHERE id = %s",
                    [(r["status"], r["submitted_at"], r["id"]) for r in raw_a])
            conn.commit()
            raw.append(time.perf_counter() - t0)
        _forget(info, [a["id"] for a in raw_a])
    return Result(f"sync: push {n:,} assessments + {n * len(info['standards']):,} ratings "
                  "written offline", ours, raw, "≤ 3× raw executemany", limit_ratio=3.0,
                  note="baseline: psycopg executemany as the same login, drafts then "
                  "submitted (COPY is refused under row-level security)")


def _forget(info: dict[str, Any], ids: list[uuid.UUID]) -> None:
    """Remove pushed audits again (as the owner), so every repeat starts alike."""
    with info["cluster"].connect(DATABASE) as conn:
        conn.execute("DELETE FROM assessment WHERE id = ANY(%s)", (ids,))
        conn.commit()


@figure
def sync_open_offline(ctx: Context) -> Result:
    """Opening the app's store on the copy, no server: open, sign in (the key file's
    password derivation), first page of the assessments list."""
    info = _setup(ctx)
    if "full_copy" not in info:
        target = info["folder"] / "first-0.db"
        _create(info["url"], target)
        info["full_copy"] = target
    path = info["full_copy"]
    n = _count(ctx)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        store = Store.open(path)
        actor: Actor = accounts.sign_in(store, "sup", PASSWORD)
        page = list_assessments(store, actor, AssessmentQuery(), limit=200)
        times.append(time.perf_counter() - t0)
        store.close()
        assert len(page) == 200 or len(page) == n + 1
    return Result(f"sync: open the copy offline ({n:,} assessments): open, sign in, list",
                  times, None, "≤ 1.5 s (start budget)", limit_absolute=1.5)
