"""The layer palette: every layer type (plus an "Output" preset) with an icon, a name and a
one-line explanation. Drag an entry onto the canvas, or double-click it to add it after the
selected layer."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDrag, QFont, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from engine import LAYER_TYPES

from .style import CATEGORY_COLOURS
from .view import PALETTE_MIME

# (label, layer type, preset parameters, glyph)
PRESETS: list[tuple[str, str, dict, str]] = [
    ("Input", "Input", {}, "→"),
    ("Dense", "Dense", {}, "⋮"),
    ("Output", "Dense", {"units": 10, "activation": "softmax"}, "◎"),
    ("Conv2D", "Conv2D", {}, "▦"),
    ("MaxPool2D", "MaxPool2D", {}, "▾"),
    ("AvgPool2D", "AvgPool2D", {}, "▿"),
    ("GlobalAveragePool", "GlobalAveragePool", {}, "◔"),
    ("Flatten", "Flatten", {}, "☰"),
    ("Dropout", "Dropout", {}, "⁘"),
    ("BatchNorm", "BatchNorm", {}, "μ"),
    ("Activation", "Activation", {}, "ƒ"),
    ("Add", "Add", {}, "+"),
    ("Concat", "Concat", {}, "‖"),
]


def layer_icon(type_name: str, glyph: str, size: int = 28) -> QIcon:
    """A rounded square in the layer category's colour with a white glyph."""
    colour = CATEGORY_COLOURS.get(LAYER_TYPES[type_name].category, QColor("gray"))
    pix = QPixmap(size * 2, size * 2)  # drawn at 2× for HiDPI screens
    pix.setDevicePixelRatio(2.0)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QBrush(colour))
    p.setPen(QPen(Qt.PenStyle.NoPen))
    p.drawRoundedRect(QRectF(1, 1, size - 2, size - 2), 6, 6)
    font = QFont()
    font.setPixelSize(int(size * 0.6))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QPen(QColor("white")))
    p.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, glyph)
    p.end()
    return QIcon(pix)


class LayerPalette(QListWidget):
    #: (layer type, preset parameters): add after the selected layer.
    add_requested = Signal(str, dict)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setIconSize(QSize(26, 26))
        self.setSpacing(1)
        self.setUniformItemSizes(True)
        for label, type_name, params, glyph in PRESETS:
            ltype = LAYER_TYPES[type_name]
            summary = ltype.summary
            if label == "Output":
                summary = "The answer: one neuron per class with softmax (a Dense layer)."
            item = QListWidgetItem(layer_icon(type_name, glyph), label)
            item.setToolTip(f"<b>{label}</b><br>{summary}<br><i>Drag onto the canvas, or "
                            "double-click to add after the selected layer.</i>")
            item.setStatusTip(summary)
            item.setData(Qt.ItemDataRole.UserRole, {"type": type_name, "params": params})
            self.addItem(item)
        self.itemDoubleClicked.connect(self._on_double_click)

    def entry(self, row: int) -> dict:
        return self.item(row).data(Qt.ItemDataRole.UserRole)

    def row_of(self, label: str) -> int:
        for row in range(self.count()):
            if self.item(row).text() == label:
                return row
        raise KeyError(label)

    def mime_for(self, row: int) -> QMimeData:
        mime = QMimeData()
        mime.setData(PALETTE_MIME, json.dumps(self.entry(row)).encode())
        return mime

    def startDrag(self, actions) -> None:
        row = self.currentRow()
        if row < 0:
            return
        drag = QDrag(self)
        drag.setMimeData(self.mime_for(row))
        drag.setPixmap(self.item(row).icon().pixmap(28, 28))
        drag.exec(Qt.DropAction.CopyAction)

    def _on_double_click(self, item: QListWidgetItem) -> None:
        entry = item.data(Qt.ItemDataRole.UserRole)
        self.add_requested.emit(entry["type"], dict(entry["params"]))
