"""First-run setup and starting a new assessment (signing in is in `sign_in`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.framework import AssessmentKind
from qa_audit.domain.permissions import Actor, Role
from qa_audit.domain.records import OrgUnitKind
from qa_audit.domain.timescales import CASE_TYPES
from qa_audit.errors import InvalidInput, UserError
from qa_audit.resources import shipped_frameworks
from qa_audit.services import accounts, assessments, cases, frameworks
from qa_audit.services.database import Store

from .errors import show_error
from .inputs import DateBox
from .models import fitted_combo
from .sign_in import line_edit

NEW_CASE = "new"


class SetupDialog(QDialog):
    """First run: the administrator's account, the first team, the shipped frameworks."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.actor: Actor | None = None
        self.recovery_key: str | None = None
        self.setWindowTitle("Set up qa_audit")
        layout = QVBoxLayout(self)
        intro = QLabel("Welcome. Create the administrator's account and the first team. The "
                       "database on this computer is encrypted; your password unlocks it.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name = line_edit("Administrator's name", "Your full name")
        self.username = line_edit("Administrator's username", "Letters and digits, e.g. ajones")
        self.password = line_edit("Password", "At least 10 characters", secret=True)
        self.repeat = line_edit("Repeat password", "The same password again", secret=True)
        self.region = line_edit("Region", "e.g. North")
        self.region.setText("North")
        self.team = line_edit("First team", "e.g. Leeds 1")
        _form_with_buttons(self, layout, form, (
            ("Your &name", self.name), ("&Username", self.username),
            ("&Password", self.password), ("&Repeat password", self.repeat),
            ("Re&gion", self.region), ("First &team", self.team)), "&Create",
            self.create_database)

    def create_database(self) -> None:
        try:
            self._create()
        except UserError as exc:
            show_error(self, exc)
            return
        self.accept()

    def _create(self) -> None:
        if self.password.text() != self.repeat.text():
            raise InvalidInput("The two passwords are not the same.")
        accounts.check_password_strength(self.password.text())
        if not self.team.text().strip():
            raise InvalidInput("Name the first team.")
        system = accounts.system_actor()
        # The account first: its checks (username, name) are the ones a person gets wrong,
        # and nothing else may exist yet when they do (a retry made the units twice).
        accounts.add_user(self.store, system, self.username.text(), self.name.text(),
                          Role.ADMIN, self.password.text())
        region = accounts.add_org_unit(self.store, system, self.region.text() or "Region",
                                       OrgUnitKind.REGION)
        accounts.add_org_unit(self.store, system, self.team.text(), OrgUnitKind.TEAM,
                              region.id)
        for path in shipped_frameworks():
            frameworks.import_framework_file(self.store, system, path)
        self.actor = accounts.sign_in(self.store, self.username.text(), self.password.text())
        accounts.confirm_own_password(self.store, self.actor)  # typed here, known to no one else
        self.recovery_key = self.store.take_recovery_key()
        if self.recovery_key:
            QMessageBox.information(
                self, "Recovery key",
                "Write this recovery key down and keep it somewhere safe, away from this "
                "laptop. It is shown only once; with it an administrator can open the "
                f"database if passwords are lost.\n\n{self.recovery_key}")


class NewAssessmentDialog(QDialog):
    """Choose the practitioner, the case (audits) and the framework; then start a draft."""

    def __init__(self, store: Store, actor: Actor, kind: AssessmentKind,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor, self.kind = store, actor, kind
        self.assessment_id: uuid.UUID | None = None
        self.setWindowTitle(f"New {kind.label.lower()}")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.fca = fitted_combo("Practitioner")
        for user in accounts.list_users(store, actor, Role.FCA):
            if user.team_id == actor.team_id and user.active:
                self.fca.addItem(user.display_name, user.id)
        self.framework = fitted_combo("Framework", 40)
        self.versions = []
        self.law_types: dict[uuid.UUID, str] = {}  # framework version -> law type it covers
        for v in frameworks.latest_versions(store):
            framework = frameworks.get_framework(store, v.id)
            if kind in framework.applies_to:
                self.versions.append(v)
                self.law_types[v.id] = framework.law_type.value
        for v in self.versions:
            self.framework.addItem(f"{v.title} ({v.version})", v.id)
        self.date = DateBox(QDate.currentDate())
        form.addRow("&Practitioner", self.fca)
        if kind is AssessmentKind.CASE_AUDIT:
            self.case = fitted_combo("Case", 32)
            self.case.setEditable(False)
            self.cases = {c.id: c for c in cases.list_cases(store, actor, limit=500)}
            self.new_reference = line_edit("New case reference", "e.g. PL-2025-00123; never a "
                                       "child's name")
            self._typed_reference = ""
            self.new_reference.textEdited.connect(self._reference_typed)
            self.case_type = QComboBox()
            self.case_type.setAccessibleName("Case type")
            self.case_type.setToolTip("The type of proceedings (a new case's; an existing "
                                      "case shows its own)")
            for code, ct in CASE_TYPES.items():
                self.case_type.addItem(ct.label, code)
            self._new_case_type = self.case_type.currentIndex()
            self.case_type.activated.connect(self._case_type_chosen)
            form.addRow("&Case", self.case)
            form.addRow("New case &reference", self.new_reference)
            form.addRow("Case &type", self.case_type)
            self.case.currentIndexChanged.connect(lambda _i: self._case_mode())
            self.fca.currentIndexChanged.connect(lambda _i: self._fill_cases())
            self._fill_cases()
        form.addRow("&Framework", self.framework)
        form.addRow("&Date", self.date)
        for label, w in (("Practitioner", self.fca), ("Framework", self.framework),
                         ("Date", self.date)):
            w.setAccessibleName(label)
            w.setToolTip(label)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Start")
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _fill_cases(self) -> None:
        """The chosen practitioner's cases (an audit is of her work), the first chosen."""
        fca = self.fca.currentData()
        self.case.blockSignals(True)
        self.case.clear()
        self.case.addItem("New case reference…", NEW_CASE)
        for c in self.cases.values():
            if c.fca_id == fca:
                self.case.addItem(f"{c.reference} — {CASE_TYPES[c.case_type].label}", c.id)
        self.case.setCurrentIndex(1 if self.case.count() > 1 else 0)
        self.case.blockSignals(False)
        self._case_mode()

    def _reference_typed(self, text: str) -> None:
        self._typed_reference = text

    def _case_type_chosen(self, index: int) -> None:
        self._new_case_type = index
        self._default_framework()

    def _case_mode(self) -> None:
        """The fields show the chosen case as it is (disabled), or what is typed for a new
        one (enabled); the framework follows the case's law type."""
        chosen = self.case.currentData()
        new = chosen == NEW_CASE
        self.new_reference.setEnabled(new)
        self.case_type.setEnabled(new)
        if new:
            self.new_reference.setText(self._typed_reference)
            self.case_type.setCurrentIndex(self._new_case_type)
        else:
            case = self.cases[chosen]
            self.new_reference.setText(case.reference)
            self.case_type.setCurrentIndex(self.case_type.findData(case.case_type))
        self._default_framework()

    def law_type(self) -> str:
        """The law type of the chosen case (or of the new case's type)."""
        chosen = self.case.currentData()
        if chosen != NEW_CASE and chosen in self.cases:
            return self.cases[chosen].law_type
        return CASE_TYPES[self.case_type.currentData()].law_type

    def _default_framework(self) -> None:
        law = self.law_type()
        for i in range(self.framework.count()):
            if self.law_types.get(self.framework.itemData(i)) == law:
                self.framework.setCurrentIndex(i)
                return

    def start(self) -> None:
        try:
            self.assessment_id = self._start()
        except UserError as exc:
            show_error(self, exc)
            return
        self.accept()

    def _start(self) -> uuid.UUID:
        if self.fca.currentData() is None:
            raise InvalidInput("Your team has no practitioners yet; an admin adds them.")
        if self.framework.currentData() is None:
            raise InvalidInput("No framework is available for this kind of assessment.")
        case_id = None
        if self.kind is AssessmentKind.CASE_AUDIT:
            case_id = self.case.currentData()
            if case_id == NEW_CASE:
                case_id = cases.create_case(self.store, self.actor, self.new_reference.text(),
                                            self.case_type.currentData(),
                                            fca_id=self.fca.currentData()).id
        day: dt.date = self.date.date().toPython()  # type: ignore[assignment]
        return assessments.create_assessment(self.store, self.actor, self.kind,
                                             self.framework.currentData(),
                                             self.fca.currentData(), case_id=case_id,
                                             assessed_on=day)


class ChangePasswordDialog(QDialog):
    """The signed-in person chooses a new password (the current one first)."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.setWindowTitle("Change your password")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.current = line_edit("Current password", "The password you signed in with",
                                 secret=True)
        self.new = line_edit("New password", "At least 10 characters", secret=True)
        self.repeat = line_edit("Repeat new password", "The same new password again",
                                secret=True)
        _form_with_buttons(self, layout, form, (
            ("&Current password", self.current), ("&New password", self.new),
            ("&Repeat new password", self.repeat)), "C&hange password", self.change)

    def change(self) -> None:
        try:
            if self.new.text() != self.repeat.text():
                raise InvalidInput("The two new passwords are not the same.")
            accounts.change_password(self.store, self.actor, self.current.text(),
                                     self.new.text())
        except UserError as exc:
            show_error(self, exc)
            return
        self.accept()


def _form_with_buttons(dialog: QDialog, layout: QVBoxLayout, form: QFormLayout,
                       rows: tuple[tuple[str, QWidget], ...], ok_text: str,
                       on_ok: Callable[[], None]) -> None:
    """The labelled fields, then OK (named `ok_text`, running `on_ok`) and Cancel."""
    for label, widget in rows:
        form.addRow(label, widget)
    layout.addLayout(form)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
