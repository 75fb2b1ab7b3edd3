"""Small helpers shared by the window's panels."""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget


def scrollable(widget: QWidget) -> QScrollArea:
    """Wrap a tall panel so that it scrolls instead of forcing the window past the screen."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class FitLayout(QVBoxLayout):
    """A vertical layout that fills a scroll area's viewport and scrolls only below its
    minimum size. A plain layout holding a word-wrapped label answers height-for-width with
    the preferred height of everything in it, and the scroll area then makes room for all of
    that (a confusion matrix 550 px tall in a 220-px dock)."""

    def hasHeightForWidth(self) -> bool:
        return False
