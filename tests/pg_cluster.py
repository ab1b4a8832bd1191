"""A throwaway PostgreSQL cluster for the tests, started and stopped by the test run itself.

The server comes from Debian's `postgresql` package (`tools/setup.sh` installs it). It
refuses to run as root and CI runs as root, so there the cluster belongs to the package's
unprivileged `postgres` system user and its programs run through `runuser`. It listens on a
unix socket in its own temporary folder only (no TCP), with SCRAM passwords for every role,
the superuser included, so that a wrong password is refused as on a real team store.

Each test gets a fresh database copied from a template that already holds the migrated
schema (copying a template is much cheaper than running the migrations again).
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import URL

SUPERUSER = "postgres"


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run "
            "tools/setup.sh as root, or apt-get install postgresql.")
    return Path(found[-1]).parent


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@dataclass
class PgCluster:
    folder: Path
    password: str
    bin: Path = field(default_factory=_bin_dir)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> str:
        return str(self.folder)

    def run(self, *args: str) -> None:
        subprocess.run(_as_server_user([str(self.bin / args[0]), *args[1:]]), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        try:
            self.run("initdb", "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={pwfile}",
                     "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        finally:
            pwfile.unlink()
        # A throwaway cluster: no fsync, no TCP, the socket in our own folder.
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w",
                 "-o", f"-k {self.folder} -c listen_addresses='' -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off", "start")

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str, user: str = SUPERUSER, password: str | None = None,
            driver: str = "postgresql+psycopg") -> str:
        """A URL for the unix socket of this cluster (password None: the superuser's)."""
        if password is None and user == SUPERUSER:
            password = self.password
        return URL.create(driver, username=user, password=password, database=database,
                          query={"host": self.socket_dir}).render_as_string(
                              hide_password=False)

    def connect(self, database: str = "postgres", user: str = SUPERUSER,
                password: str | None = None, **kwargs: object) -> psycopg.Connection:
        return psycopg.connect(host=self.socket_dir, dbname=database, user=user,
                               password=password if password is not None else self.password,
                               **kwargs)  # type: ignore[arg-type]

    def admin(self, sql: str) -> None:
        with self.connect(autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def drop_database_and_roles(self, name: str) -> None:
        """Drop a test database and every person's login role (roles are cluster-wide: the
        next test's people have the same names); the group roles stay for the template."""
        with self.connect(autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
            roles = [r for (r,) in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%%' "
                "AND rolname <> %s AND NOT rolname LIKE 'qa\\_audit\\_%%'",
                (SUPERUSER,))]
            # Person roles first, then the groups they belong to.
            members = {m for (m,) in conn.execute(
                "SELECT r.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.member")}
            for role in sorted(roles, key=lambda r: r not in members):
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    folder = Path(tempfile.mkdtemp(prefix="qa-audit-pg-"))
    cluster = PgCluster(folder, secrets.token_urlsafe(16))
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        log = folder / "server.log"
        detail = log.read_text() if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"the test PostgreSQL did not start: {exc.stderr!r} {detail}") from exc
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PgCluster) -> str:
    """A database with the migrated schema and the team store's roles, functions,
    triggers and policies, copied for each test."""
    from qa_audit.store import policies
    from qa_audit.store.engine import open_engine

    name = "qa_template"
    pg_cluster.admin(f'CREATE DATABASE "{name}"')
    engine = open_engine(pg_cluster.url(name))
    with engine.begin() as conn:
        policies.install(conn)
    engine.dispose()
    return name


@pytest.fixture
def pg_database(pg_cluster: PgCluster, pg_template: str) -> Iterator[str]:
    """The URL (as the superuser) of a fresh, migrated database for one test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    pg_cluster.admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    try:
        yield name
    finally:
        pg_cluster.drop_database_and_roles(name)


@pytest.fixture
def empty_pg_database(pg_cluster: PgCluster) -> Iterator[str]:
    """A new, empty database (as an administrator finds it before `team init`)."""
    name = f"e_{uuid.uuid4().hex[:12]}"
    pg_cluster.admin(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        pg_cluster.drop_database_and_roles(name)
