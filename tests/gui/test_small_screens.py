"""Every page fits a laptop at 200% scaling: 1440×900 pixels at QT_SCALE_FACTOR=2 is
720×450 logical pixels (DESIGN §8, "readable at 200% scaling"; issue 19). The window can be
made that small, no page asks for more than that, and no page needs scrolling sideways
(a tall page may scroll down). Sizes are in logical pixels, so this holds at any scale."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from qa_audit.services import assessments
from qa_audit.services import supervision as sv
from qa_audit.ui.main_window import MainWindow
from qa_audit.ui.scrolling import PageHolder

WIDTH, HEIGHT = 720, 450


def _fits(page: QWidget, what: str, *, tall: bool = False) -> None:
    """`page` asks for at most 720×450 (`tall`: any height, as it scrolls down) and fits
    the width it is shown in."""
    hint = page.minimumSizeHint()
    assert hint.width() <= WIDTH and (tall or hint.height() <= HEIGHT), (what, hint)
    holder = page.parentWidget().parentWidget()
    assert isinstance(holder, PageHolder), what
    # No sideways scrolling: the page is at most as wide as the space it is shown in.
    assert hint.width() <= holder.viewport().width(), (what, hint, holder.viewport().size())


def _small_window(qtbot, world, actor, name: str) -> MainWindow:
    window = MainWindow(world.store, actor, name)
    qtbot.addWidget(window)
    window.show()
    window.resize(WIDTH, HEIGHT)
    QApplication.processEvents()
    assert window.width() <= WIDTH and window.height() <= HEIGHT, window.size()
    return window


@pytest.mark.parametrize("who", ["supervisor", "fca", "ql", "admin"])
def test_every_page_fits_720_by_450(qtbot, world, who: str) -> None:
    aid = world.new_audit()
    assessments.add_action(world.store, world.supervisor, aid, "Read the plan")
    sv.create_session(world.store, world.supervisor, world.fca.user_id)
    window = _small_window(qtbot, world, getattr(world, who), who)
    for key in list(window.pages):
        window.show_page(key)
        QApplication.processEvents()
        _fits(window.pages[key], key)
        assert window.width() <= WIDTH and window.height() <= HEIGHT, (key, window.size())
        if key == "supervision":  # the record scrolls down within the page, not sideways
            panel = window.pages[key].panel
            assert panel.widget().minimumSizeHint().width() <= panel.viewport().width()


def test_every_tab_of_the_editor_fits_720_by_450(qtbot, world) -> None:
    aid = world.new_audit()
    window = _small_window(qtbot, world, world.supervisor, "sup")
    window.open_assessment(aid)
    editor = window.editor
    QApplication.processEvents()
    _fits(editor, "editor")
    for index in range(editor.tabs.count()):
        editor.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        # A tab scrolls down inside the editor (the standard's panel, the five texts of
        # Overall) but never sideways.
        _fits(editor.tabs.widget(index), editor.tabs.tabText(index), tall=True)
    assert window.width() <= WIDTH and window.height() <= HEIGHT, window.size()
