"""Lists behind the Evaluate panel: samples (thumbnails or table rows) and per-class scores.

* :class:`SampleList` — the samples of a confusion-matrix cell or every wrong answer: images
  as thumbnails (the pixels the network saw) with the answer and its confidence under each,
  table rows as one line each with their feature values. The order given is kept (most
  confident first); at most 400 are drawn, :attr:`SampleList.indices` holds them all.
* :class:`ClassScoresTable` — precision, recall, F1 and support per class, each class with
  its colour.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListView,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
)

from ..plots.colours import class_colour
from .use_common import scaled_pixmap

MAX_SHOWN = 400
THUMB = 56
MAX_FEATURES = 8


class SampleList(QListWidget):
    """Samples of an evaluation, in the order given (see the module docstring)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.indices: list[int] = []
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformItemSizes(True)

    def set_message(self, text: str) -> None:
        self.clear()
        self.setViewMode(QListView.ViewMode.ListMode)
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.addItem(item)

    def show_samples(self, ev: Any, indices: np.ndarray, wrong_only: bool = False) -> None:
        """``ev`` is an :class:`~nndesigner.panels.evaluation.Evaluation`."""
        self.indices = [int(i) for i in indices]
        self.clear()
        if not self.indices:
            self.set_message("No samples here." if wrong_only is False
                             else "No samples here: nothing went wrong this way.")
            return
        ds = ev.dataset
        images = ds.x.ndim == 4
        if images:
            self.setViewMode(QListView.ViewMode.IconMode)
            self.setIconSize(QSize(THUMB, THUMB))
            self.setGridSize(QSize(THUMB + 30, THUMB + 34))
            self.setResizeMode(QListView.ResizeMode.Adjust)
            self.setWrapping(True)
        else:
            self.setViewMode(QListView.ViewMode.ListMode)
            self.setGridSize(QSize())
        names = ev.class_names
        features = ds.feature_names or [f"x{j + 1}" for j in range(ds.x.shape[1])] \
            if not images else []
        for i in self.indices[:MAX_SHOWN]:
            t, p, conf = int(ev.y[i]), int(ev.pred[i]), float(ev.confidence[i])
            sample = ds.sample_ids[i] if ds.sample_ids else f"sample {i}"
            answer = f"{names[p]} {100 * conf:.0f} %"
            tip = f"{sample}\ntrue: {names[t]}\npredicted: {names[p]} ({100 * conf:.1f} % sure)"
            if images:
                item = QListWidgetItem(QIcon(scaled_pixmap(ds.x[i], THUMB)),
                                       f"{names[t]}→{answer}" if t != p else answer)
            else:
                values = ", ".join(f"{n}={v:.4g}" for n, v in
                                   zip(features[:MAX_FEATURES], ds.x[i], strict=False))
                more = " …" if len(features) > MAX_FEATURES else ""
                item = QListWidgetItem(f"#{i}  true {names[t]} → {answer}   {values}{more}")
            item.setToolTip(tip)
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.addItem(item)
        if len(self.indices) > MAX_SHOWN:
            more = QListWidgetItem(f"… and {len(self.indices) - MAX_SHOWN:,} more")
            more.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(more)


class ClassScoresTable(QTableWidget):
    """Precision, recall, F1 and support per class."""

    HEADERS = ("class", "precision", "recall", "F1", "support")

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(list(self.HEADERS))
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setToolTip("Precision: of the samples predicted as this class, the share that is "
                        "right.\nRecall: of the samples of this class, the share found.\n"
                        "F1: their harmonic mean.\nSupport: samples of this class.")

    def show_scores(self, per_class: list[dict[str, float]], names: list[str]) -> None:
        self.setRowCount(len(per_class))
        for k, s in enumerate(per_class):
            swatch = QPixmap(10, 10)
            swatch.fill(class_colour(k))
            name = QTableWidgetItem(QIcon(swatch), names[k] if k < len(names) else str(k))
            self.setItem(k, 0, name)
            for c, key in enumerate(("precision", "recall", "f1"), start=1):
                item = QTableWidgetItem(f"{s[key]:.3f}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(k, c, item)
            support = QTableWidgetItem(f"{s['support']:,}")
            support.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(k, 4, support)
        self.resizeColumnsToContents()
        # the whole table visible without a horizontal scroll bar
        width = sum(self.columnWidth(c) for c in range(self.columnCount()))
        self.setMinimumWidth(width + 2 * self.frameWidth() + self.verticalScrollBar().sizeHint()
                             .width())

    def row_values(self, k: int) -> list[str]:
        return [self.item(k, c).text() for c in range(self.columnCount())]
