"""Small dialogs: choosing a template for a new project."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from .resources import Template, list_templates


class TemplateDialog(QDialog):
    """Pick one of the bundled example projects."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New from template")
        self.resize(520, 420)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Start from one of the bundled examples:"))
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        for t in list_templates():
            item = QListWidgetItem(f"{t.title}\n{t.description}")
            item.setData(Qt.ItemDataRole.UserRole, t)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def selected(self) -> Template | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None
