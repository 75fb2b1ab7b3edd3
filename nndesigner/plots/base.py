"""The frame every live view shares: an empty-state message until there is data, and a
re-styling hook when the system switches between light and dark themes.

Subclasses call :meth:`_set_content` once with their plot widget, :meth:`_show_content` when
data arrives or goes, and implement :meth:`_apply_theme` (called on palette changes).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from .colours import Theme, theme_of


class PlotPanel(QWidget):
    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._default_empty_text = empty_text
        self._placeholder = QLabel(empty_text)
        self._placeholder.setObjectName("emptyState")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setWordWrap(True)
        self._placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._stack.addWidget(self._placeholder)
        self._content: QWidget | None = None

    # -- for subclasses -------------------------------------------------------------------
    def _set_content(self, widget: QWidget) -> None:
        self._content = widget
        self._stack.addWidget(widget)
        self._stack.setCurrentIndex(0)

    def _show_content(self, show: bool) -> None:
        self._stack.setCurrentIndex(1 if show and self._content is not None else 0)

    def _content_visible(self) -> bool:
        return self._stack.currentIndex() == 1

    def _apply_theme(self) -> None:  # pragma: no cover - overridden
        pass

    def theme(self) -> Theme:
        return theme_of(self)

    # -- public ---------------------------------------------------------------------------
    def empty_text(self) -> str:
        """The message shown while there is nothing to plot ('' while the plot is shown)."""
        return self._placeholder.text() if self._stack.currentIndex() == 0 else ""

    def set_empty_text(self, text: str | None = None) -> None:
        """Change the empty-state message (None restores the default)."""
        self._placeholder.setText(text or self._default_empty_text)

    def changeEvent(self, event: QEvent) -> None:
        # Dark/light switches arrive as palette changes; pyqtgraph items don't follow by themselves.
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_theme()
        super().changeEvent(event)
