"""The bundle dialogs on real widgets and two real databases: send an assessment to its
practitioner, then preview and import it on her side (nothing written before Import)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from qa_audit.services import assessments, bundles
from qa_audit.ui.exchange_dialogs import ImportBundleDialog, SendBundleDialog
from qa_audit.ui.main_window import MainWindow
from tests.conftest import PASSWORD

from .conftest import table_hash


def test_send_then_preview_and_import(qtbot, pair) -> None:
    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    out = pair.folder / "to-fca.qab"
    send = SendBundleDialog(w.store, pair.sup, aid, pair.fca.user_id, "Fatima Khan", "x.qab")
    qtbot.addWidget(send)
    send.path.setText(str(out))
    send.password.setText(PASSWORD)
    qtbot.mouseClick(send.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: send.sent_to is not None, timeout=20_000)
    assert out.exists()

    dialog = ImportBundleDialog(pair.home, pair.fca)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(out))
    dialog.password.setText(PASSWORD)
    before = table_hash(pair.home)
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    assert table_hash(pair.home) == before  # the preview wrote nothing
    rows = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text()
            for r in range(dialog.table.rowCount())}
    assert rows["Assessments"] == "1" and rows["Cases"] == ""  # the case was already here
    # A sender not known here: Import waits for the fingerprint to be confirmed.
    assert not dialog.trust.isHidden() and "fingerprint" in dialog.trust.text()
    assert not dialog.import_button.isEnabled()
    dialog.trust.setChecked(True)
    assert dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=20_000)
    assert assessments.get_assessment(pair.home, pair.fca, aid).status == "submitted"


def test_wrong_password_in_the_preview_is_told_and_imports_nothing(qtbot, pair, on_modal):
    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    out = pair.folder / "to-fca.qab"

    bundles.export_bundle(w.store, pair.sup, PASSWORD, "fca", out)
    dialog = ImportBundleDialog(pair.home, pair.fca)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(out))
    dialog.password.setText("wrong password")
    seen = []
    on_modal(lambda box: (seen.append(box.text()), box.close()))
    before = table_hash(pair.home)
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen), timeout=20_000)
    assert "password" in seen[0]
    assert dialog.preview is None and not dialog.import_button.isEnabled()
    assert table_hash(pair.home) == before


def test_file_menu_has_the_bundle_entries(qtbot, pair) -> None:
    window = MainWindow(pair.office, pair.sup, "sup")
    qtbot.addWidget(window)
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Send to p&ractitioner…" in texts and "&Import bundle…" in texts


def test_send_to_practitioner_from_the_open_assessment(qtbot, pair, on_modal) -> None:
    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    window = MainWindow(pair.office, pair.sup, "sup")
    qtbot.addWidget(window)
    window.open_assessment(aid)
    out = pair.folder / "from-menu.qab"
    seen = []

    def fill(dialog) -> None:
        seen.append(dialog.windowTitle())
        dialog.path.setText(str(out))
        dialog.password.setText(PASSWORD)
        dialog.send()

    on_modal(fill)
    window.send_bundle()  # returns once the dialog closed after writing the bundle
    assert seen == ["Send to Fatima Khan"]
    assert out.exists()
    preview = bundles.preview_bundle(
        pair.home, pair.fca, PASSWORD, out)
    assert preview.counts["assessment"] == {"new": 1}
