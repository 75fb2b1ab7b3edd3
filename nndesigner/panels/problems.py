"""The problems list: every error and warning of the design with its fix; clicking one selects
the layer at fault on the canvas."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle

from ..canvas.style import ERROR, WARNING
from ..document import Document


class ProblemsPanel(QListWidget):
    #: The layer a clicked problem belongs to.
    layer_clicked = Signal(str)

    def __init__(self, doc: Document, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        doc.analysis_changed.connect(self.refresh)
        self.itemClicked.connect(self._on_clicked)
        self.refresh()

    def refresh(self) -> None:
        self.clear()
        problems = self.doc.analysis.problems
        if not problems:
            item = QListWidgetItem(
                self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
                "No problems: every shape fits.",
            )
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.addItem(item)
            return
        for p in sorted(problems, key=lambda p: p.severity != "error"):
            error = p.severity == "error"
            icon = self.style().standardIcon(
                QStyle.StandardPixmap.SP_MessageBoxCritical if error
                else QStyle.StandardPixmap.SP_MessageBoxWarning
            )
            where = f"{p.layer}: " if p.layer else ""
            fix = f"\n    Fix: {p.fix}" if p.fix else ""
            label = "Error" if error else "Warning"
            item = QListWidgetItem(icon, f"{label} — {where}{p.message}{fix}")
            item.setForeground(QBrush(ERROR if error else WARNING.darker(130)))
            item.setData(Qt.ItemDataRole.UserRole, p.layer or "")
            item.setToolTip(f"{p.message}\nFix: {p.fix}" if p.fix else p.message)
            self.addItem(item)

    def count_text(self) -> str:
        errors = len(self.doc.analysis.errors)
        warnings = len(self.doc.analysis.warnings)
        if not errors and not warnings:
            return "Problems"
        parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
        if warnings:
            parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
        return f"Problems ({', '.join(parts)})"

    def _on_clicked(self, item: QListWidgetItem) -> None:
        layer = item.data(Qt.ItemDataRole.UserRole)
        if layer:
            self.layer_clicked.emit(layer)
