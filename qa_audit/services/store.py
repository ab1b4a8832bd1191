"""An open database and its units of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from qa_audit.store.engine import open_engine


class Store:
    """The database the services work on; one `Session` per unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, target: str | Path) -> Store:
        """Open, creating or migrating as needed, the database at a path or URL."""
        return cls(open_engine(target))

    @property
    def location(self) -> str:
        url = self.engine.url
        return url.database or "" if url.drivername.startswith("sqlite") else url.render_as_string()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session whose work is committed together on success, rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
