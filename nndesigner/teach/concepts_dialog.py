"""Help → Concepts: every concept of the app explained, with the open network's numbers."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHBoxLayout, QListWidget, QTextBrowser

from ..document import Document
from .explain import concepts, explain, network_numbers, title


class ConceptsDialog(QDialog):
    def __init__(self, doc: Document, parent=None, concept: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Concepts")
        self.resize(640, 400)
        self.doc = doc
        layout = QHBoxLayout(self)
        self.list = QListWidget()
        self.list.setMaximumWidth(200)
        self.text = QTextBrowser()
        layout.addWidget(self.list)
        layout.addWidget(self.text, 1)
        self._keys = concepts()
        for key in self._keys:
            self.list.addItem(title(key))
        self.list.currentRowChanged.connect(self._show)
        start = self._keys.index(concept) if concept in self._keys else 0
        self.list.setCurrentRow(start)

    def _show(self, row: int) -> None:
        if row < 0:
            return
        try:
            numbers = network_numbers(self.doc.spec)
        except Exception:  # an unfinished design still gets the general text
            numbers = None
        self.text.setPlainText(explain(self._keys[row], numbers))
