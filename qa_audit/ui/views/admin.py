"""Accounts and teams (administrators): list, add, disable."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.permissions import Actor, Role
from qa_audit.domain.records import OrgUnitKind
from qa_audit.services import accounts
from qa_audit.services.accounts import UserInfo
from qa_audit.services.database import Store

from ..errors import show_error
from ..models import ListModel, fitted_combo, heading_row, read_only_table
from ..operations import Change, Operation, connect_changes


def _user_cells(u: UserInfo) -> list[str]:
    return [u.display_name, u.username, u.role.label, u.team_name or "—",
            "Active" if u.active else "Disabled"]


class AdminView(QWidget):
    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, username or team")
        self.search.setAccessibleName("Search accounts")
        self.search.setToolTip("Show only accounts whose name, username or team contains "
                               "this (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("subheading")
        layout.addLayout(heading_row("Accounts and teams", self.count_label))
        find = QHBoxLayout()
        find_label = QLabel("S&earch")
        find_label.setBuddy(self.search)
        find.addWidget(find_label)
        find.addWidget(self.search, 1)
        layout.addLayout(find)
        self.users = ListModel(["Name", "Username", "Role", "Team", "State"],
                               lambda: accounts.list_users(store, actor,
                                                           search=self.search.text()),
                               _user_cells)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.users.modelReset.connect(self._count)
        self.users.loadFailed.connect(lambda exc, tb: show_error(self, exc, tb))
        connect_changes(self, (Change.ACCOUNT,), self.refresh)
        self.table = read_only_table(self.users, "Accounts", 220)
        layout.addWidget(self.table, 1)
        disable = QPushButton("&Disable selected account")
        disable.setToolTip("Stop the selected person signing in")
        disable.clicked.connect(lambda: self._disable(disable))
        layout.addWidget(disable)
        layout.addWidget(self._add_user_box())
        layout.addWidget(self._add_team_box())
        self._count()

    def refresh(self) -> None:
        self.users.refresh()

    def _count(self) -> None:
        n = self.users.rowCount()
        found = f"{n} account{'' if n == 1 else 's'}"
        self.count_label.setText(f"{found} found" if self.search.text().strip() else found)

    def _teams(self, combo: QComboBox, kinds: tuple[OrgUnitKind, ...]) -> None:
        combo.clear()
        combo.addItem("—", None)
        for unit in accounts.list_org_units(self.store):
            if unit.kind in kinds:
                combo.addItem(f"{unit.name} ({unit.kind.label})", unit.id)

    def _add_user_box(self) -> QGroupBox:
        box = QGroupBox("Add an account")
        form = QFormLayout(box)
        self.username = QLineEdit()
        self.display = QLineEdit()
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.label, role)
        self.team = fitted_combo("Team")
        self._teams(self.team, (OrgUnitKind.TEAM,))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        for label, w, tip in (("&Username", self.username, "Letters and digits"),
                              ("Display &name", self.display, "The person's name"),
                              ("&Role", self.role, "What the person does"),
                              ("&Team", self.team, "Their team"),
                              ("First &password", self.password, "At least 10 characters")):
            w.setAccessibleName(label.replace("&", ""))
            w.setToolTip(tip)
            form.addRow(label, w)
        add = QPushButton("&Add account")
        add.setToolTip("Create the account")
        add.clicked.connect(lambda: self._add_user(add))
        form.addRow(add)
        return box

    def _add_team_box(self) -> QGroupBox:
        box = QGroupBox("Add a region, service area or team")
        row = QHBoxLayout(box)
        self.unit_name = QLineEdit()
        self.unit_name.setPlaceholderText("Name")
        self.unit_name.setAccessibleName("Unit name")
        self.unit_kind = QComboBox()
        self.unit_kind.setAccessibleName("Kind of unit")
        for kind in reversed(OrgUnitKind):
            self.unit_kind.addItem(kind.label, kind)
        self.unit_parent = fitted_combo()
        self.unit_parent.setAccessibleName("Part of")
        self._teams(self.unit_parent, (OrgUnitKind.REGION, OrgUnitKind.SERVICE_AREA))
        add = QPushButton("Add un&it")
        add.setToolTip("Create the unit")
        add.clicked.connect(lambda: self._add_unit(add))
        for w in (self.unit_name, self.unit_kind, QLabel("part of"), self.unit_parent, add):
            row.addWidget(w)
        return box

    def _add_user(self, add: QPushButton) -> None:
        args = (self.username.text(), self.display.text(), Role(self.role.currentData()),
                self.password.text(), self.team.currentData())

        def added(_value: object) -> None:
            self.password.clear()
            QMessageBox.information(self, "Account added", f"{args[1]} can now sign in.")

        # Off the GUI thread: hashing the first password takes a noticeable moment.
        Operation(self, lambda: accounts.add_user(self.store, self.actor, *args),
                  changed=(Change.ACCOUNT,), busy=(add,)).success(added).run()

    def _add_unit(self, add: QPushButton) -> None:
        args = (self.unit_name.text(), self.unit_kind.currentData(),
                self.unit_parent.currentData())

        def added(_value: object) -> None:
            self.unit_name.clear()
            self._teams(self.team, (OrgUnitKind.TEAM,))
            self._teams(self.unit_parent, (OrgUnitKind.REGION, OrgUnitKind.SERVICE_AREA))

        Operation(self, lambda: accounts.add_org_unit(self.store, self.actor, *args),
                  changed=(Change.ORG_UNIT,), busy=(add,)).success(added).run()

    def _disable(self, disable: QPushButton) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        user: UserInfo = self.users.item(index.row())

        def disabled(recovery: str | None) -> None:
            text = (f"{user.display_name}'s account is disabled, and the database has a new "
                    "key: old copies of the key file (such as those beside backups) no "
                    "longer open it with their password.")
            if recovery:
                text += ("\n\nThe old recovery key no longer opens this database. Write this "
                         "new recovery key down and keep it safe; it is shown only once:"
                         f"\n\n{recovery}")
            QMessageBox.information(self, "Account disabled", text)

        # Disabling re-keys the database (seconds for a large one), off the GUI thread.
        Operation(self, lambda: accounts.set_active(self.store, self.actor, user.username,
                                                    False),
                  changed=(Change.ACCOUNT,), busy=(disable,)).success(disabled).run()
