"""The team store on PostgreSQL: connections, errors told apart by SQLSTATE, and people's
own login roles.

Each person connects as their own login role (named as their username, SCRAM password),
a member of the NOLOGIN group role of their app role, itself a member of `qa_audit_app`,
which holds the table grants. The server then knows who is asking: row-level security
(`store/policies.py`) decides which rows each person sees and changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from qa_audit.errors import PermissionDenied, ReadOnly, StoreError, WrongPassword

APP_GROUP = "qa_audit_app"
# Long enough for any list, aggregate or save of the app; a runaway statement (a lock held
# by someone's forgotten psql session) ends with a clear message instead of a hung window.
STATEMENT_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 10

# SQLSTATE codes (PostgreSQL manual, appendix A) that a person can act on.
INVALID_PASSWORD = "28P01"
INVALID_AUTHORIZATION = "28000"
UNKNOWN_DATABASE = "3D000"
QUERY_CANCELED = "57014"  # statement_timeout
INSUFFICIENT_PRIVILEGE = "42501"
ADMIN_SHUTDOWN = "57P01"
CANNOT_CONNECT_NOW = "57P03"
RAISE_EXCEPTION = "P0001"


def group_role(role: str) -> str:
    """The NOLOGIN group role of an app role (supervisor, fca, ...)."""
    return f"qa_audit_{role}"


def make_pg_engine(url: str | URL, *, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS
                   ) -> Engine:
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            # No JIT: the app's statements are short, and compiling one took longer than
            # running it (10-20 ms of JIT on a 30 ms list page, measured at 100k).
            "options": f"-c statement_timeout={int(statement_timeout_ms)} -c jit=off",
            "application_name": "qa-audit",
        },
    )


def with_login(url: str | URL, username: str, password: str) -> URL:
    """The same server and database, as this person's own login role."""
    return make_url(url).set(username=username, password=password)


def without_login(url: str | URL) -> URL:
    """The same server and database with no username or password (`URL.set` keeps a part
    given as None, so the URL is made again)."""
    u = make_url(url)
    return URL.create(u.drivername, host=u.host, port=u.port, database=u.database,
                      query=u.query)


def has_login(url: str | URL) -> bool:
    u = make_url(url)
    return u.username is not None


def sqlstate(exc: BaseException) -> str | None:
    orig: Any = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlstate", None)
    return code if isinstance(code, str) else None


def where(url: str | URL) -> str:
    u = make_url(url)
    host = u.host or u.query.get("host") or "localhost"
    return f"{host}/{u.database or ''}"


def connection_error(exc: BaseException, url: str | URL | None = None) -> Exception:
    """A clear error for a failed connection or statement, chosen by SQLSTATE.

    A connection that never reached the server has no SQLSTATE at all (refused, no route,
    no socket, timed out)."""
    place = f" at {where(url)}" if url is not None else ""
    code = sqlstate(exc)
    if code is None and url is not None and _server_answers(url):
        # libpq gives no SQLSTATE for a refused connection. A server that answers a ping
        # but refused us refused the credentials (a disabled login is told the same),
        # unless the same login gets into its maintenance database: then it is the
        # database that is missing (or closed to this login).
        if _login_works_elsewhere(url):
            return StoreError(f"There is no team store{place}, or your login may not "
                              "connect to it: check the address with the administrator.")
        return WrongPassword("The username or password is not right.")
    if code in (INVALID_PASSWORD, INVALID_AUTHORIZATION):
        return WrongPassword("The username or password is not right.")
    if code == UNKNOWN_DATABASE:
        return StoreError(f"There is no team store{place}: check the database name, or ask "
                          "the administrator to create it with qa-audit team init.")
    if code == QUERY_CANCELED:
        return StoreError(
            "The team store took too long to answer, so this was stopped and nothing of it "
            "was saved (your text stays on screen). Try again in a moment.")
    if code in (ADMIN_SHUTDOWN, CANNOT_CONNECT_NOW) or code is None or code.startswith("08"):
        return StoreError(
            f"The team store{place} cannot be reached, or the connection to it was lost. "
            "Nothing of the last change was saved (your text stays on screen); check the "
            "network and try again.")
    if code == INSUFFICIENT_PRIVILEGE:
        return StoreError("The team store refused this: your account may not do it.")
    return StoreError(f"The team store refused this (error {code}).")


def statement_error(exc: BaseException) -> Exception | None:
    """A clear error for a statement the server refused or could not finish, or None for
    one that is a bug (told apart by SQLSTATE)."""
    code = sqlstate(exc)
    if is_connection_fault(exc):
        return connection_error(exc)
    if code == INSUFFICIENT_PRIVILEGE:
        return PermissionDenied(
            "The team store refused this change: it is outside what your role may do.")
    if code == RAISE_EXCEPTION:
        return ReadOnly(_primary_message(exc))
    return None


def _primary_message(exc: BaseException) -> str:
    orig: Any = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    message = getattr(diag, "message_primary", None)
    return str(message or orig)


def _server_answers(url: str | URL) -> bool:
    return server_answers(url)


def server_answers(url: str | URL, timeout_s: float = CONNECT_TIMEOUT_S) -> bool:
    """Whether a server accepts connections there at all (libpq's PQping: no credentials
    are sent), waiting at most `timeout_s` seconds (libpq counts whole seconds, at least
    two)."""
    from psycopg import pq
    from psycopg.conninfo import make_conninfo

    u = make_url(url)
    args = {k: v for k, v in _psycopg_args(u).items() if k != "password" and v is not None}
    conninfo = make_conninfo(**args, connect_timeout=max(2, round(timeout_s)))
    return bool(pq.PGconn.ping(conninfo.encode()) == pq.Ping.OK)


def _login_works_elsewhere(url: str | URL) -> bool:
    import psycopg

    u = make_url(url)
    if u.database == "postgres":
        return False
    try:
        psycopg.connect(**{**_psycopg_args(u), "dbname": "postgres"},
                        connect_timeout=CONNECT_TIMEOUT_S).close()
    except psycopg.Error:
        return False
    return True


def is_connection_fault(exc: BaseException) -> bool:
    code = sqlstate(exc)
    return code is None or code.startswith("08") or code in (
        ADMIN_SHUTDOWN, CANNOT_CONNECT_NOW, QUERY_CANCELED)


def check_login(url: str | URL, username: str, password: str) -> None:
    """Connect once as this person; `WrongPassword` or a clear `StoreError` if refused."""
    import psycopg

    u = with_login(url, username, password)
    try:
        conn = psycopg.connect(**_psycopg_args(u), connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.Error as exc:
        raise connection_error(exc, u) from exc
    conn.close()


def _psycopg_args(u: URL) -> dict[str, Any]:
    args: dict[str, Any] = {"dbname": u.database, "user": u.username,
                            "password": u.password}
    host = u.host or u.query.get("host")
    if host:
        args["host"] = host
    if u.port:
        args["port"] = u.port
    return args


def scram_verifier(conn: Connection, username: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of a password, computed here by libpq: the password
    itself never travels in a statement (nor lands in a server log)."""
    raw: Any = conn.connection.driver_connection
    verifier: bytes = raw.pgconn.encrypt_password(
        password.encode("utf-8"), username.encode("utf-8"), b"scram-sha-256")
    return verifier.decode("ascii")


def create_login(conn: Connection, username: str, password: str, role: str) -> None:
    """This person's own login role, in their role's group, in the caller's transaction.

    Goes through a SECURITY DEFINER function that lets only an administrator (or the
    store's owner) create logins, so no app role needs CREATEROLE."""
    try:
        conn.execute(text("SELECT qa_audit_create_login(:name, :verifier, :role)"),
                     {"name": username, "verifier": scram_verifier(conn, username, password),
                      "role": role})
    except DBAPIError as exc:
        raise _login_error(exc, username) from exc


def create_logins(conn: Connection, people: Sequence[tuple[str, str]], password: str) -> None:
    """Many login roles with one password (demo data only): (username, app role) pairs."""
    if not people:
        return
    # A SCRAM verifier does not depend on the username, so one serves every account.
    verifier = scram_verifier(conn, people[0][0], password)
    try:
        conn.execute(text("SELECT qa_audit_create_login(:name, :verifier, :role)"),
                     [{"name": name, "verifier": verifier, "role": role}
                      for name, role in people])
    except DBAPIError as exc:
        raise _login_error(exc, people[0][0]) from exc


def set_login_password(conn: Connection, username: str, password: str) -> None:
    try:
        conn.execute(text("SELECT qa_audit_set_password(:name, :verifier)"),
                     {"name": username, "verifier": scram_verifier(conn, username, password)})
    except DBAPIError as exc:
        raise _login_error(exc, username) from exc


def set_login_enabled(conn: Connection, username: str, enabled: bool) -> None:
    try:
        conn.execute(text("SELECT qa_audit_set_login(:name, :enabled)"),
                     {"name": username, "enabled": enabled})
    except DBAPIError as exc:
        raise _login_error(exc, username) from exc


def _login_error(exc: DBAPIError, username: str) -> Exception:
    if sqlstate(exc) in (RAISE_EXCEPTION, INSUFFICIENT_PRIVILEGE):
        return StoreError(f"The account '{username}' cannot be set up on the team store: "
                          f"{_primary_message(exc)}")
    return connection_error(exc)
