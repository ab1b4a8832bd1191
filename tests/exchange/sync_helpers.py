"""Shared pieces of the sync tests: the team store as one person, and their copy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa_audit.domain.permissions import Actor
from qa_audit.services import accounts
from qa_audit.services.database import Store
from tests.conftest import PASSWORD, World


def team_url(world: World) -> str:
    """The team store's address without a login (each person signs in as themselves)."""
    url = world.store.team_url
    assert url is not None
    from qa_audit.store.postgres import without_login

    return without_login(url).render_as_string(hide_password=False)


@contextmanager
def as_person(world: World, username: str) -> Iterator[tuple[Store, Actor]]:
    """The team store opened as this person's own login role."""
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
