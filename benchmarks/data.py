"""Benchmark data: demo databases built once per run by the real demo generator."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from harness import Context

from qa_audit.domain.permissions import Actor, Role
from qa_audit.resources import shipped_frameworks
from qa_audit.services import accounts
from qa_audit.services.database import Store
from qa_audit.services.demo import DEMO_PASSWORD, generate_demo


def size(ctx: Context) -> int:
    return 5_000 if ctx.quick else 100_000


def demo(ctx: Context, encrypted: bool) -> tuple[Path, dict[str, Any]]:
    """(database path, info) for a demo database of the run's size; built on first use."""
    key = f"demo-{encrypted}"
    if key in ctx.cache:
        return ctx.cache[key]  # type: ignore[no-any-return]
    path = ctx.workdir / f"demo-{'enc' if encrypted else 'plain'}.db"
    store = Store.open(path, encrypt=encrypted)
    t0 = time.perf_counter()
    summary = generate_demo(store, assessments=size(ctx), seed=1, frameworks=shipped_frameworks())
    elapsed = time.perf_counter() - t0
    cipher_key = store.key if encrypted else None
    store.close()
    users = {u.role: u.username for u in _users(path, encrypted, summary.sample_usernames[0])}
    info = {"summary": summary, "generate_s": elapsed, "key": cipher_key, "users": users}
    ctx.cache[key] = (path, info)
    return path, info


def _users(path: Path, encrypted: bool, username: str) -> list[Any]:
    store = open_store(path, encrypted, username)
    try:
        seen: dict[Role, Any] = {}
        for u in accounts.list_users(store, accounts.system_actor()):
            seen.setdefault(u.role, u)
        return list(seen.values())
    finally:
        store.close()


def open_store(path: Path, encrypted: bool, username: str) -> Store:
    store = Store.open(path)
    if store.locked:
        accounts.sign_in(store, username, DEMO_PASSWORD)
    return store


def signed_in(ctx: Context, encrypted: bool, role: Role) -> tuple[Store, Actor]:
    path, info = demo(ctx, encrypted)
    store = open_store(path, encrypted, info["users"][role])
    actor = accounts.sign_in(store, info["users"][role], DEMO_PASSWORD)
    return store, actor


def raw_connection(ctx: Context, encrypted: bool) -> Any:
    """The baseline's connection: plain sqlite3, or sqlcipher3 with the same raw key."""
    path, info = demo(ctx, encrypted)
    if encrypted:
        import sqlcipher3

        conn = sqlcipher3.connect(str(path))
        conn.execute(f"PRAGMA key=\"x'{info['key'].hex()}'\"")
    else:
        conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA foreign_keys=ON")
    return conn
