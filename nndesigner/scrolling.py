"""Small helpers shared by the window's panels."""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QWidget


def scrollable(widget: QWidget) -> QScrollArea:
    """Wrap a tall panel so that it scrolls instead of forcing the window past the screen."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area
