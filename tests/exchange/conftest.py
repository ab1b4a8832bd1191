"""Two databases of one team: the supervisor's (the `world` fixture's) and the
practitioner's, made as a backup of it before any case content was written (that is how a
team without a server shares its accounts: one administrator's database, copied)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from qa_audit.domain.permissions import Actor
from qa_audit.services import accounts, bundles, maintenance
from qa_audit.services.database import Store
from tests.conftest import PASSWORD, World
from tests.gui.conftest import on_modal  # noqa: F401  (a fixture for the dialog tests)


@dataclass
class Pair:
    world: World
    home: Store  # the practitioner's own database
    fca: Actor  # the practitioner, signed in there
    folder: Path

    @property
    def office(self) -> Store:
        return self.world.store

    @property
    def sup(self) -> Actor:
        return self.world.supervisor


@pytest.fixture
def pair(world: World, tmp_path: Path):
    folder = tmp_path / "bundles"
    folder.mkdir()
    home_path = tmp_path / "fca-laptop.db"
    maintenance.backup(world.store, world.admin, home_path)
    home = Store.open(home_path)
    fca = accounts.sign_in(home, "fca", PASSWORD)
    # The practitioner gives the supervisor their key card; the supervisor trusts it.
    card = bundles.my_key_card(home, fca, PASSWORD)
    bundles.trust_key_card(world.store, world.supervisor, card)
    yield Pair(world, home, fca, folder)
    home.close()


def table_hash(store: Store, *, skip: tuple[str, ...] = ("audit_event",),
               where: dict[str, str] | None = None) -> str:
    """SHA-256 over every row of every table (but `skip`), read with plain SQL in primary
    key order: independent of the exchange code."""
    digest = hashlib.sha256()
    with store.reading() as session:
        for table in sorted(SQLModel.metadata.sorted_tables, key=lambda t: t.name):
            if table.name in skip:
                continue
            keys = ", ".join(c.name for c in table.primary_key.columns)
            condition = f" WHERE {where[table.name]}" if where and table.name in where else ""
            if where is not None and table.name not in where:
                continue
            rows = session.connection().execute(
                text(f"SELECT * FROM {table.name}{condition} ORDER BY {keys}")).all()
            digest.update(f"{table.name}:{[tuple(r) for r in rows]!r}\n".encode())
    return digest.hexdigest()


def events(store: Store, action: str) -> int:
    with store.reading() as session:
        return int(session.connection().execute(
            text("SELECT count(*) FROM audit_event WHERE action = :a"), {"a": action}).scalar())
