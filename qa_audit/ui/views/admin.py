"""Accounts and teams (administrators): list, add, disable."""

from __future__ import annotations

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
from qa_audit.errors import UserError
from qa_audit.services import accounts
from qa_audit.services.accounts import UserInfo
from qa_audit.services.store import Store

from ..errors import show_error
from ..models import ListModel, fitted_combo, read_only_table


def _user_cells(u: UserInfo) -> list[str]:
    return [u.display_name, u.username, u.role.label, u.team_name or "—",
            "Active" if u.active else "Disabled"]


class AdminView(QWidget):
    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        layout = QVBoxLayout(self)
        heading = QLabel("Accounts and teams")
        heading.setObjectName("heading")
        layout.addWidget(heading)
        self.users = ListModel(["Name", "Username", "Role", "Team", "State"],
                               lambda: accounts.list_users(store, actor), _user_cells)
        self.table = read_only_table(self.users, "Accounts", 220)
        layout.addWidget(self.table, 1)
        disable = QPushButton("&Disable selected account")
        disable.setToolTip("Stop the selected person signing in")
        disable.clicked.connect(self._disable)
        layout.addWidget(disable)
        layout.addWidget(self._add_user_box())
        layout.addWidget(self._add_team_box())

    def _teams(self, combo: QComboBox, kinds: tuple[str, ...]) -> None:
        combo.clear()
        combo.addItem("—", None)
        for unit in accounts.list_org_units(self.store):
            if unit.kind in kinds:
                combo.addItem(f"{unit.name} ({unit.kind.replace('_', ' ')})", unit.id)

    def _add_user_box(self) -> QGroupBox:
        box = QGroupBox("Add an account")
        form = QFormLayout(box)
        self.username = QLineEdit()
        self.display = QLineEdit()
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.label, role)
        self.team = fitted_combo("Team")
        self._teams(self.team, ("team",))
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
        add.clicked.connect(self._add_user)
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
        for kind in ("team", "service_area", "region"):
            self.unit_kind.addItem(kind.replace("_", " "), kind)
        self.unit_parent = fitted_combo()
        self.unit_parent.setAccessibleName("Part of")
        self._teams(self.unit_parent, ("region", "service_area"))
        add = QPushButton("Add &unit")
        add.setToolTip("Create the unit")
        add.clicked.connect(self._add_unit)
        for w in (self.unit_name, self.unit_kind, QLabel("part of"), self.unit_parent, add):
            row.addWidget(w)
        return box

    def _add_user(self) -> None:
        try:
            accounts.add_user(self.store, self.actor, self.username.text(), self.display.text(),
                              self.role.currentData(), self.password.text(),
                              self.team.currentData())
        except UserError as exc:
            show_error(self, exc)
            return
        self.password.clear()
        self.users.refresh()
        QMessageBox.information(self, "Account added", f"{self.display.text()} can now sign in.")

    def _add_unit(self) -> None:
        try:
            accounts.add_org_unit(self.store, self.actor, self.unit_name.text(),
                                  self.unit_kind.currentData(), self.unit_parent.currentData())
        except UserError as exc:
            show_error(self, exc)
            return
        self.unit_name.clear()
        self._teams(self.team, ("team",))
        self._teams(self.unit_parent, ("region", "service_area"))

    def _disable(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        user: UserInfo = self.users.item(index.row())
        try:
            accounts.set_active(self.store, self.actor, user.username, False)
        except UserError as exc:
            show_error(self, exc)
        self.users.refresh()
