"""Exchange figure: importing a bundle of 10,000 assessments with their ratings into an
encrypted personal copy, against raw executemany of the same rows in the same run."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from harness import Context, Result, figure

from qa_audit.domain.framework import AssessmentKind
from qa_audit.domain.permissions import Role
from qa_audit.resources import shipped_frameworks
from qa_audit.services import accounts, assessments, bundles, cases, frameworks, maintenance
from qa_audit.services.database import Store
from qa_audit.store.bulk import insert_records
from qa_audit.store.files import key_file_for
from qa_audit.store.tables import Assessment, Rating

PASSWORD = "benchmark passphrase 1"


def _count(ctx: Context) -> int:
    return 2_000 if ctx.quick else 10_000


def _fill(store: Store, sup: Any, fca: Any, n: int) -> None:
    """`n` submitted audits by `sup` about `fca`, every standard graded, written with the
    store's bulk path (as demo data is)."""
    public = next(v for v in frameworks.list_versions(store) if v.framework_id == "public-law-pqs")
    template = assessments.create_assessment(store, sup, AssessmentKind.CASE_AUDIT, public.id,
                                             fca.user_id, case_id=_case(store, sup))
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    with store.engine.connect() as conn:
        base = dict(conn.execute(Assessment.__table__.select().where(  # type: ignore[attr-defined]
            Assessment.__table__.c.id == template)).mappings().one())  # type: ignore[attr-defined]
        standards = [r.standard_id for r in conn.execute(
            Rating.__table__.select().where(  # type: ignore[attr-defined]
                Rating.__table__.c.assessment_id == template))]  # type: ignore[attr-defined]
    a_rows, r_rows = [], []
    for _ in range(n):
        aid = uuid.UUID(int=rng.getrandbits(128), version=4)
        a_rows.append({**base, "id": aid, "status": "submitted", "submitted_at": now,
                       "strengths": "Clear analysis of the care plan. " * 3, "overall_grade": "G"})
        for sid in standards:
            r_rows.append({"id": uuid.UUID(int=rng.getrandbits(128), version=4),
                           "assessment_id": aid, "standard_id": sid,
                           "grade": rng.choice(["O", "G", "RI", "I"]), "indicators": "[]",
                           "evidence": "Seen in the case file, section C.", "commentary": "",
                           "updated_at": now, "row_version": 1})
    with store.engine.begin() as conn:
        insert_records(conn, Assessment.__table__, a_rows)  # type: ignore[attr-defined]
        insert_records(conn, Rating.__table__, r_rows)  # type: ignore[attr-defined]


def _case(store: Store, sup: Any) -> uuid.UUID:
    return cases.create_case(store, sup, "PL-2026-09999", "care_order", fca_id=None).id


def _setup(ctx: Context) -> tuple[Path, Path, bytes, int]:
    """(the FCA's empty copy, the bundle, the database key, ratings in it)."""
    folder = ctx.workdir / "exchange"
    folder.mkdir(exist_ok=True)
    office = Store.open(folder / "office.db")
    admin = accounts.system_actor()
    region = accounts.add_org_unit(office, admin, "North", "region")
    team = accounts.add_org_unit(office, admin, "Newcastle 1", "team", region.id)
    for name, role in (("admin", Role.ADMIN), ("sup", Role.SUPERVISOR), ("fca", Role.FCA)):
        accounts.add_user(office, admin, name, name.title(), role, PASSWORD, team.id if
                          role is not Role.ADMIN else None)
    boss = accounts.sign_in(office, "admin", PASSWORD)
    for path in shipped_frameworks():
        frameworks.import_framework_file(office, boss, path)
    home_path = folder / "fca.db"
    maintenance.backup(office, boss, home_path)
    sup = accounts.sign_in(office, "sup", PASSWORD)
    home = Store.open(home_path)
    fca = accounts.sign_in(home, "fca", PASSWORD)
    bundles.trust_key_card(office, sup, bundles.my_key_card(home, fca, PASSWORD))
    bundles.trust_key_card(home, fca, bundles.my_key_card(office, sup, PASSWORD))
    key = home.key
    home.close()
    _fill(office, sup, fca, _count(ctx))
    bundle = folder / "to-fca.qab"
    bundles.export_bundle(office, sup, PASSWORD, "fca", bundle)
    with office.engine.connect() as conn:
        n_ratings = conn.exec_driver_sql("SELECT count(*) FROM rating").scalar() or 0
    office.close()
    return home_path, bundle, key, int(n_ratings)


def _fresh(template: Path, name: str) -> Path:
    target = template.with_name(name)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)
    shutil.copyfile(key_file_for(template), key_file_for(target))
    return target


@figure
def bundle_import(ctx: Context) -> Result:
    home_template, bundle, key, n_ratings = _setup(ctx)
    # The same rows, in storage form, for the baseline: read from a copy that imported them.
    probe = _fresh(home_template, "probe.db")
    store = Store.open(probe)
    fca = accounts.sign_in(store, "fca", PASSWORD)
    bundles.import_bundle(store, fca, PASSWORD, bundle)
    store.close()
    raw_rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    conn = _raw(probe, key)
    for table, where in (("case_file", "id IN (SELECT case_id FROM assessment)"),
                         ("assessment", "status = 'submitted'"),
                         ("rating", "assessment_id IN (SELECT id FROM assessment WHERE "
                                    "status = 'submitted')")):
        cursor = conn.execute(f"SELECT * FROM {table} WHERE {where}")
        raw_rows[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    conn.close()
    ours, raw = [], []
    for i in range(2 if ctx.quick else 3):
        target = _fresh(home_template, f"ours-{i}.db")
        store = Store.open(target)
        fca = accounts.sign_in(store, "fca", PASSWORD)
        t0 = time.perf_counter()
        bundles.import_bundle(store, fca, PASSWORD, bundle)  # decrypt, check, plan, write
        ours.append(time.perf_counter() - t0)
        store.close()
        target = _fresh(home_template, f"raw-{i}.db")
        conn = _raw(target, key)
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        for table, (columns, rows) in raw_rows.items():
            marks = ", ".join("?" for _ in columns)
            conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                             rows)
        conn.execute("COMMIT")
        raw.append(time.perf_counter() - t0)
        conn.close()
    n = len(raw_rows["assessment"][1])
    return Result(f"bundle import: {n:,} assessments + {n_ratings:,} ratings (encrypted)",
                  ours, raw, "≤ 3× raw executemany", limit_ratio=3.0,
                  note=f"bundle {bundle.stat().st_size / 1e6:.1f} MB")


def _raw(path: Path, key: bytes) -> Any:
    import sqlcipher3

    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key=\"x'{key.hex()}'\"")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


