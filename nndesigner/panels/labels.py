"""The panels' two kinds of text label: wrapped, selectable text, and a bold heading."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel


def text_label(text: str = "", wrap: bool = True) -> QLabel:
    """Text the user may select and copy (a message, a figure), wrapped unless asked not to."""
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def heading(text: str, space_above: int = 0) -> QLabel:
    """A section heading in bold, with ``space_above`` pixels of air over it."""
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    if space_above:
        label.setContentsMargins(0, space_above, 0, 0)
    return label
