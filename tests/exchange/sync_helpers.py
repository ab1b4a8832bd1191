"""Shared pieces of the sync tests: the team store as one person, their copy, and a hash
of the case content a store holds, computed here from the rows (not by the sync code)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind
from qa_audit.domain.permissions import Actor
from qa_audit.exchange.records import to_json
from qa_audit.services import accounts, assessments
from qa_audit.services.database import Store
from qa_audit.store.tables import RATING_SCOPE_COLUMNS
from tests.conftest import PASSWORD, World

CONTENT_TABLES = ("assessment", "rating", "action_item", "response", "addendum",
                  "supervision_session", "session_assessment", "case_file")


def team_url(world: World) -> str:
    """The team store's address without a login (each person signs in as themselves)."""
    url = world.store.team_url
    assert url is not None
    from qa_audit.store.postgres import without_login

    return without_login(url).render_as_string(hide_password=False)


@contextmanager
def as_person(world: World, username: str) -> Iterator[tuple[Store, Actor]]:
    """The team store opened as this person's own login role (row-level security on)."""
    store = Store.open(team_url(world))
    try:
        yield store, accounts.sign_in(store, username, PASSWORD)
    finally:
        store.close()


@contextmanager
def open_copy(path: Path, username: str) -> Iterator[tuple[Store, Actor]]:
    store = Store.open(path)
    try:
        yield store, accounts.sign_in(store, username, PASSWORD)
    finally:
        store.close()



# Columns the team store's server fills itself from other rows (triggers), empty in a
# local file: what people wrote is the rest.
SERVER_KEPT = {"rating": set(RATING_SCOPE_COLUMNS), "assessment": {"case_reference"}}


def content_rows(store: Store, tables: tuple[str, ...] = CONTENT_TABLES
                 ) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the case-content tables the store lets its connection read (a team
    store opened as a person: that person's scope, by the server's policies), as plain
    values in primary-key order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.reading() as session:
        for name in tables:
            table = SQLModel.metadata.tables[name]
            keys = list(table.primary_key.columns)
            columns = [c for c in table.columns if c.name not in SERVER_KEPT.get(name, ())]
            rows = session.connection().execute(select(*columns)).all()
            plain = [tuple(to_json(v) for v in row) for row in rows]
            positions = [columns.index(k) for k in keys]
            out[name] = sorted(plain, key=lambda r: tuple(str(r[i]) for i in positions))
    return out


def content_hash(store: Store, tables: tuple[str, ...] = CONTENT_TABLES) -> str:
    rows = content_rows(store, tables)
    return hashlib.sha256(repr(sorted(rows.items())).encode()).hexdigest()


def complete(store: Store, actor: Actor, aid: uuid.UUID, evidence: str = "Seen alone") -> None:
    """Everything the mini framework needs before submission."""
    assessments.set_context(store, actor, aid, "setting", "Home visit")
    assessments.save_rating(store, actor, aid, "seen", grade="G", evidence=evidence)
    assessments.save_rating(store, actor, aid, "care-plan", grade="RI",
                            evidence="Plan not tested against the parenting assessment")
    assessments.save_rating(store, actor, aid, "sgo", grade=NOT_APPLICABLE)


def new_audit(store: Store, world: World, actor: Actor, case_id: Any = None,
              subject: Actor | None = None) -> uuid.UUID:
    return assessments.create_assessment(
        store, actor, AssessmentKind.CASE_AUDIT, world.framework_version_id,
        (subject or world.fca).user_id, case_id=case_id or world.case_id)
