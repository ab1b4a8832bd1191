"""Pages that scroll instead of being cut off: a stack and a tab widget whose pages sit in
scroll areas, so a page taller or wider than the window (200% scaling on a laptop, a
1366×768 screen) scrolls rather than pushing the window off the screen or squeezing its
controls below their size.

The scroll areas are invisible to callers: `currentWidget`, `setCurrentWidget`, `widget`
and `indexOf` take and give the pages themselves. They never take focus (Tab goes to the
page's controls, and the scroll area follows the focus), and show no frame or scroll bar
while the page fits.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)


class PageHolder(QScrollArea):
    """The scroll area around one page."""

    def __init__(self, page: QWidget) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWidget(page)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A page that can rearrange itself (one with `fit_width`, such as a
        `ResponsiveSplitter`) is told the width it has, before it would need scrolling
        sideways."""
        super().resizeEvent(event)
        fit = getattr(self.widget(), "fit_width", None)
        if callable(fit):
            fit(self.viewport().width())


def _page(widget: QWidget | None) -> QWidget | None:
    return widget.widget() if isinstance(widget, PageHolder) else widget


def _holder(page: QWidget) -> QWidget:
    parent = page.parentWidget()  # the scroll area's viewport, then the scroll area
    holder = parent.parentWidget() if parent is not None else None
    return holder if isinstance(holder, PageHolder) and holder.widget() is page else page


class _HeldPages:
    """What a stack and a tab widget of held pages share: they take and give the pages
    themselves, never their scroll areas (first base: `super()` is the Qt widget)."""

    def currentWidget(self) -> QWidget:
        return _page(super().currentWidget())  # type: ignore[misc,return-value]

    def setCurrentWidget(self, page: QWidget) -> None:
        super().setCurrentWidget(_holder(page))  # type: ignore[misc]

    def widget(self, index: int) -> QWidget:
        return _page(super().widget(index))  # type: ignore[misc,return-value]

    def indexOf(self, page: QWidget) -> int:
        return super().indexOf(_holder(page))  # type: ignore[misc,no-any-return]


class ScrollingStack(_HeldPages, QStackedWidget):
    """A stacked widget whose pages scroll when the window is smaller than they are."""

    def addWidget(self, page: QWidget) -> int:
        return super().addWidget(PageHolder(page))

    def removeWidget(self, page: QWidget) -> None:
        holder = _holder(page)
        super().removeWidget(holder)
        if isinstance(holder, PageHolder):
            holder.takeWidget()  # the page is the caller's again
            holder.deleteLater()


class ScrollingTabs(_HeldPages, QTabWidget):
    """A tab widget whose pages scroll when the window is smaller than they are."""

    def addTab(self, page: QWidget, label: str) -> int:  # type: ignore[override]
        return super().addTab(PageHolder(page), label)


class ResponsiveSplitter(QSplitter):
    """Side by side when there is room, one above the other when the space it is shown in
    is narrower than its parts side by side (a laptop at 200%): never wider than that."""

    def fit_width(self, available: int) -> None:
        """Side by side if the parts fit `available` pixels (each part that can narrow
        itself, such as the standard's panel, first told what is left for it)."""
        parts = [w for i in range(self.count()) if (w := self.widget(i)) is not None]
        handles = self.handleWidth() * len(parts)

        def widths() -> list[int]:
            return [part.minimumSizeHint().width() for part in parts]

        for index, part in enumerate(parts):
            if hasattr(part, "fit_width"):
                others = sum(w for i, w in enumerate(widths()) if i != index)
                part.fit_width(available - others - handles)
        vertical = sum(widths()) + handles > available
        if vertical:
            for part in parts:
                if hasattr(part, "fit_width"):
                    part.fit_width(available)
        wanted = Qt.Orientation.Vertical if vertical else Qt.Orientation.Horizontal
        if wanted != self.orientation():
            self.setOrientation(wanted)
