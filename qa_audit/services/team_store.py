"""Creating (or upgrading) a team store on PostgreSQL.

`qa-audit team init` runs as the database's owner (a maintenance login that may create
roles): the alembic migrations (run when the store is opened), then the roles, grants,
functions, triggers and row-level security policies, then the first administrator's
account with their own login role. Running it again upgrades the schema and regenerates
the policies from the current permission matrix; existing accounts are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from qa_audit.domain.permissions import Role
from qa_audit.errors import StoreError
from qa_audit.store import policies, postgres
from qa_audit.store.database import Store
from qa_audit.store.tables import User

from . import accounts

log = logging.getLogger(__name__)


def install(store: Store) -> None:
    """Roles, grants, functions, triggers and policies (regenerated; safe to repeat)."""
    if not store.is_team_store or store.locked:
        raise StoreError("team init works on a PostgreSQL database opened with its owner's "
                         "login: --db postgresql://OWNER@HOST/DATABASE")
    try:
        with store.engine.begin() as conn:
            policies.install(conn)
    except DBAPIError as exc:
        error = postgres.statement_error(exc)
        if postgres.sqlstate(exc) == postgres.INSUFFICIENT_PRIVILEGE:
            raise StoreError(
                "This login cannot set up the team store: use the database's owner, with "
                "the right to create roles (CREATEROLE).") from exc
        raise (error or exc) from exc
    log.info("team store roles, policies and triggers installed")


def create_logins(store: Store, people: list[tuple[str, str]], password: str) -> None:
    """Login roles for accounts loaded in bulk with one password (demo data only); the
    server keeps their password, so no hash stays in the readable user table."""
    with store.engine.begin() as conn:
        postgres.create_logins(conn, people, password)
        conn.execute(update(User).where(col(User.username).in_([n for n, _ in people]))
                     .values(password_hash=""))


@dataclass(frozen=True)
class TeamStoreReport:
    location: str
    admin_created: bool
    accounts: int


def init_team_store(store: Store, admin_username: str, admin_name: str,
                    admin_password: str | None) -> TeamStoreReport:
    """Set up the team store `store` is open on (as its owner). The administrator is
    created unless an account of that name exists already (then `admin_password` may be
    None and nothing about the account changes)."""
    install(store)
    existing = {u.username for u in accounts.list_users(store, accounts.system_actor())}
    username = admin_username.strip().lower()
    created = False
    if username not in existing:
        if admin_password is None:
            raise StoreError(f"There is no account '{username}' yet: give its password.")
        accounts.add_user(store, accounts.system_actor(), username, admin_name, Role.ADMIN,
                          admin_password)
        created = True
    return TeamStoreReport(store.location, created, len(existing) + int(created))
