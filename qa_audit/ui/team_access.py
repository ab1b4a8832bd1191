"""Signing in on a team store, and the person's own copy of their records on this computer.

When the team store cannot be reached (no network, the server down) and the person keeps
a copy here (`qa_audit.services.sync`), signing in opens the copy with the same password
and the app works on it. The password is kept for the session (the team store's own
connection keeps it too) so that the copy can be synced, when the store is back, without
asking again; it is forgotten when the person signs out.

No widgets here: the sign-in window takes `TeamAccess.attempt` as its way of signing in,
and the main window's sync controller (`sync_status`) calls the rest off the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from qa_audit.domain.permissions import Actor
from qa_audit.errors import StoreError, TooManyAttempts, UserError, WrongPassword
from qa_audit.services import accounts
from qa_audit.services.database import Store


class TeamAccess:
    """The team store a person signs in to and, when it cannot be reached, their copy."""

    def __init__(self, team: Store) -> None:
        if team.team_url is None:
            raise ValueError("TeamAccess is for a team store")
        self.team = team
        self.target: str = team.team_url
        self.local: Store | None = None  # the copy, once opened
        self.offline = False  # signed in to the copy because the store could not be reached
        self.username = ""
        self._password = ""
        # Set by the sign-in window's background check: the store did not answer, so
        # signing in goes straight to the copy (no wait for the connection to time out).
        self.unreachable = False
        self.note: Callable[[str], None] | None = None  # tells the sign-in window
        self._lock = threading.Lock()  # opening the copy or signing in to the team store

    # -- where the person works -------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The store the main window works on."""
        if self.offline and self.local is not None:
            return self.local
        return self.team

    @property
    def where(self) -> str:
        """The team store in words ("team store HOST/DB"), never with a password."""
        return self.team.location

    @property
    def local_path(self) -> Path | None:
        return self.local.path if self.local is not None else None

    def copy_path(self) -> Path | None:
        from qa_audit.services import sync

        return sync.find_copy(self.target, self.username) if self.username else None

    def default_copy_path(self) -> Path:
        from qa_audit.services import sync

        return Path(sync.default_copy_path(self.target, self.username))

    @property
    def password(self) -> str:
        return self._password

    # -- signing in -------------------------------------------------------------------------
    def attempt(self, username: str, password: str) -> Actor:
        """Sign in to the team store or, when it cannot be reached and this person keeps a
        copy here, to the copy. `WrongPassword`, `TooManyAttempts` and a store that cannot
        be used for another reason are raised as they are."""
        from qa_audit.services import sync

        name = username.strip().lower()
        path = sync.find_copy(self.target, name) if self.unreachable and name else None
        if path is None:
            try:
                actor = accounts.sign_in(self.team, username, password)
            except (WrongPassword, TooManyAttempts):
                raise
            except StoreError:
                if sync.team_reachable(self.target):
                    raise  # the store answers: its own message says what is wrong
                self.unreachable = True
                path = sync.find_copy(self.target, name) if name else None
                if path is None:
                    raise StoreError(
                        f"The {self.where} cannot be reached (no network, or the server is "
                        "down), and you keep no copy of your records on this computer. "
                        "Check the network and try again.") from None
            else:
                self._signed_in(name, password, offline=False)
                return actor
        actor = self._sign_in_to_copy(path, username, password)
        self._signed_in(name, password, offline=True)
        if self.note is not None:
            self.note(f"The {self.where} cannot be reached, so you are working on your copy "
                      "on this computer. It syncs when the store is back.")
        return actor

    def _sign_in_to_copy(self, path: Path, username: str, password: str) -> Actor:
        if self.local is None or self.local.path != path:
            if self.local is not None:
                self.local.close()
            self.local = Store.open(path)
        return accounts.sign_in(self.local, username, password)

    def _signed_in(self, username: str, password: str, *, offline: bool) -> None:
        self.username, self._password, self.offline = username, password, offline

    def change_copy_password(self, actor: Actor, old: str, new: str) -> None:
        """The person changed their team store password from `old` to `new`: their copy
        (if they keep one) is opened with the old one and changed too (off the GUI
        thread), so that it opens with the new one when the store cannot be reached."""
        with self._lock:
            self._password = old
        try:
            if self.copy_path() is not None:
                accounts.change_password(self.local_copy(), actor, old, new)
        finally:
            with self._lock:
                self._password = new

    def signed_out(self) -> None:
        """The person signed out: the password is forgotten, the next sign-in checks the
        store again."""
        self._password = ""
        self.unreachable = False

    # -- for syncing (called off the GUI thread) --------------------------------------------
    def signed_in_team(self) -> Store:
        """The team store, signed in as this person (a connection is made if the session
        began offline); a `UserError` if it still cannot be reached."""
        with self._lock:
            if self.team.locked:
                if not self._password:
                    raise StoreError("Sign in again to sync with the team store.")
                accounts.sign_in(self.team, self.username, self._password)
            return self.team

    def local_copy(self) -> Store:
        """The copy on this computer, opened and unlocked with this person's password."""
        with self._lock:
            if self.local is not None and not self.local.locked:
                return self.local
            path = self.copy_path()
            if path is None:
                raise StoreError("You keep no copy of your records on this computer.")
            if not self._password:
                raise StoreError("Sign in again to open your copy on this computer.")
            try:
                self._sign_in_to_copy(path, self.username, self._password)
            except WrongPassword:
                raise StoreError(
                    "Your copy on this computer does not open with the password you signed "
                    "in with (was it changed on another computer?). Sync is not possible "
                    "until it does.") from None
            assert self.local is not None
            return self.local

    def close(self) -> None:
        """After the event loop: both stores closed (errors on closing are not news)."""
        for store in (self.local, self.team):
            if store is not None:
                with suppress(UserError):
                    store.close()
        self.local = None
        self._password = ""
