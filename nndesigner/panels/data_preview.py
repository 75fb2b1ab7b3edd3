"""What a data set looks like, for the Data panel: class bars, a scatter plot, thumbnails, a table.

* :class:`ClassBars` — one row per class: name, a bar in the class colour, the count as text.
* :class:`ScatterPreview` — 2-D points, one colour per class (pyqtgraph); a 1-feature regression
  set is drawn as x against y.
* :class:`ThumbnailGrid` — the first samples of image data, a few of each class, drawn from the
  float images at an integer scale (nearest neighbour: the pixels the network sees), each with
  its class underneath.
* :class:`SampleTableModel` — the first rows of tabular data: the target, then the features,
  named as in the file.
* :class:`DataPreview` — picks one of these for a data set; ~250 px tall, each view scrolls.

Class colours: :func:`class_colour` — orange and blue first (class 0 and 1, as TensorFlow
Playground), then a qualitative palette without red (red means a problem).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine.data import Dataset

from ..plots.colours import class_colour as plots_class_colour

PREVIEW_HEIGHT = 250
TABLE_ROWS = 50
THUMBNAILS = 24
THUMB_TARGET = 56  # px: 28×28 images at 2×
MAX_POINTS = 5000  # more points only slow the plot down; a random subset looks the same
MAX_BARS = 20

Index = QModelIndex | QPersistentModelIndex


def class_colour(k: int) -> QColor:
    """The colour of class ``k``: the one palette of every view (plots, bars, matrices)."""
    return plots_class_colour(k)


def target_name(ds: Dataset) -> str:
    """The target column's name for headers: the CSV column, else class or y."""
    name = ds.preprocessing.get("target", {}).get("name") if ds.preprocessing else None
    if isinstance(name, str) and name:
        return name
    return "class" if ds.is_classification else "y"


def preview_indices(ds: Dataset, count: int) -> list[int]:
    """Up to ``count`` sample indices; for classes, round-robin so every class shows."""
    if not ds.is_classification or ds.n_classes < 2:
        return list(range(min(count, len(ds))))
    per_class = [list(np.flatnonzero(ds.y == k)[:count]) for k in range(ds.n_classes)]
    out: list[int] = []
    for rank in range(count):
        for members in per_class:
            if rank < len(members) and len(out) < count:
                out.append(int(members[rank]))
    return out


class ClassBars(QWidget):
    """Samples per class as horizontal bars with the counts written next to them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, int, QColor]] = []
        self._more = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_counts(self, names: list[str], counts: list[int]) -> None:
        self._rows = [(n, int(c), class_colour(k))
                      for k, (n, c) in enumerate(zip(names, counts, strict=True))][:MAX_BARS]
        self._more = max(0, len(names) - MAX_BARS)
        total = max(1, sum(counts))
        self.setToolTip("\n".join(f"{n}: {c} ({100 * c / total:.1f} %)"
                                  for n, c in zip(names, counts, strict=True)))
        self.updateGeometry()
        self.update()

    def _row_height(self) -> int:
        return self.fontMetrics().height() + 2

    def sizeHint(self) -> QSize:
        return QSize(200, self._row_height() * (len(self._rows) + (self._more > 0)))

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.sizeHint().height())

    def paintEvent(self, _event) -> None:
        if not self._rows:
            return
        p = QPainter(self)
        fm = self.fontMetrics()
        h, w = self._row_height(), self.width()
        name_w = min(max(fm.horizontalAdvance(n) for n, _, _ in self._rows) + 8, w * 2 // 5)
        count_w = max(fm.horizontalAdvance(str(c)) for _, c, _ in self._rows) + 6
        bar_w = max(10, w - name_w - count_w)
        top = max(c for _, c, _ in self._rows) or 1
        text = self.palette().color(QPalette.ColorRole.WindowText)
        for i, (name, count, colour) in enumerate(self._rows):
            y = i * h
            p.setPen(text)
            p.drawText(QRect(0, y, name_w - 6, h), Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(name, Qt.TextElideMode.ElideRight, name_w - 6))
            length = max(2, round(bar_w * count / top)) if count else 0
            p.fillRect(QRect(name_w, y + 3, length, h - 6), colour)
            p.drawText(QRect(name_w + length + 4, y, count_w, h), Qt.AlignmentFlag.AlignVCenter,
                       str(count))
        if self._more:
            p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            p.drawText(QRect(0, len(self._rows) * h, w, h), Qt.AlignmentFlag.AlignVCenter,
                       f"… and {self._more} more classes")
        p.end()


class ScatterPreview(pg.PlotWidget):
    """2-D inputs coloured by class, or one input against a regression target."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.getPlotItem().setContentsMargins(0, 4, 6, 0)
        self.apply_palette()

    def apply_palette(self) -> None:
        pal = self.palette()
        self.setBackground(pal.color(QPalette.ColorRole.Base))
        text = pal.color(QPalette.ColorRole.Text)
        for side in ("left", "bottom"):
            axis = self.getAxis(side)
            axis.setPen(pg.mkPen(pal.color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))

    def set_data(self, ds: Dataset) -> None:
        self.clear()
        x = ds.x
        idx = np.arange(len(ds))
        if len(idx) > MAX_POINTS:
            idx = np.sort(np.random.default_rng(0).choice(len(ds), MAX_POINTS, replace=False))
        plot = self.getPlotItem()
        names = ds.feature_names or []
        if ds.is_classification:
            for k in range(ds.n_classes):
                sel = idx[ds.y[idx] == k]
                self.addItem(pg.ScatterPlotItem(
                    x[sel, 0], x[sel, 1], size=5, pen=pg.mkPen(None),
                    brush=pg.mkBrush(class_colour(k)), name=ds.class_names[k]))
            plot.setAspectLocked(True)
            plot.setLabel("bottom", names[0] if names else "x1")
            plot.setLabel("left", names[1] if len(names) > 1 else "x2")
        else:
            self.addItem(pg.ScatterPlotItem(x[idx, 0], ds.y[idx, 0], size=4,
                                            pen=pg.mkPen(None), brush=pg.mkBrush(class_colour(1))))
            plot.setAspectLocked(False)
            plot.setLabel("bottom", names[0] if names else "x")
            plot.setLabel("left", target_name(ds))
        plot.enableAutoRange()


def to_qimage(image: np.ndarray, scale: int = 1) -> QImage:
    """A float image (H, W) or (H, W, 3) in [0, 1] as a QImage, enlarged ``scale`` times with
    nearest-neighbour sampling (each data pixel stays a sharp square)."""
    a = np.ascontiguousarray(np.clip(np.asarray(image, dtype=np.float32), 0, 1) * 255 + 0.5,
                             dtype=np.float32).astype(np.uint8)
    h, w = a.shape[:2]
    if a.ndim == 2:
        img = QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        img = QImage(a.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    img = img.copy()  # own the pixels: ``a`` goes away
    if scale != 1:
        img = img.scaled(w * scale, h * scale, Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.FastTransformation)
    return img


class ThumbnailGrid(QWidget):
    """Sample images in rows, each with its class (colour mark and name) underneath."""

    GAP = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[tuple[QImage, str, QColor | None]] = []
        self._cell = QSize(THUMB_TARGET, THUMB_TARGET)

    def set_data(self, ds: Dataset, count: int = THUMBNAILS) -> None:
        self.items = []
        h, w = ds.x.shape[2:]
        scale = max(1, THUMB_TARGET // max(h, w))
        for i in preview_indices(ds, count):
            img = ds.x[i, 0] if ds.x.shape[1] != 3 else ds.x[i].transpose(1, 2, 0)
            qimg = to_qimage(img, scale)
            if max(h, w) > THUMB_TARGET * 2:  # big photos: shrink smoothly instead
                qimg = qimg.scaled(THUMB_TARGET * 2, THUMB_TARGET * 2,
                                   Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
            if ds.is_classification:
                label, colour = ds.class_names[int(ds.y[i])], class_colour(int(ds.y[i]))
            else:
                label, colour = f"{float(ds.y[i, 0]):.3g}", None
            self.items.append((qimg, label, colour))
        width = max((im.width() for im, _, _ in self.items), default=THUMB_TARGET)
        height = max((im.height() for im, _, _ in self.items), default=THUMB_TARGET)
        self._cell = QSize(max(width, 40), height + self.fontMetrics().height() + 4)
        self._fit_height()
        self.update()

    def columns(self) -> int:
        return max(1, (self.width() + self.GAP) // (self._cell.width() + self.GAP))

    def _fit_height(self) -> None:
        rows = -(-len(self.items) // self.columns())
        self.setMinimumHeight(rows * (self._cell.height() + self.GAP))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        fm = self.fontMetrics()
        cols, cw, ch = self.columns(), self._cell.width(), self._cell.height()
        text = self.palette().color(QPalette.ColorRole.WindowText)
        left = max(0, (self.width() - cols * (cw + self.GAP) + self.GAP) // 2)  # centred
        for n, (img, label, colour) in enumerate(self.items):
            x0, y0 = left + (n % cols) * (cw + self.GAP), (n // cols) * (ch + self.GAP)
            p.drawImage(x0 + (cw - img.width()) // 2, y0, img)
            ty = y0 + img.height() + 2
            mark = 0
            if colour is not None:  # a colour mark, never colour alone: the name is written
                p.fillRect(QRect(x0, ty + fm.height() // 2 - 3, 6, 6), colour)
                mark = 9
            p.setPen(text)
            p.drawText(QRect(x0 + mark, ty, cw - mark, fm.height()), Qt.AlignmentFlag.AlignLeft,
                       fm.elidedText(label, Qt.TextElideMode.ElideRight, cw - mark))
        p.end()


class SampleTableModel(QAbstractTableModel):
    """The first rows of a tabular data set: the target first (a narrow dock shows it without
    scrolling sideways), then the features."""

    def __init__(self, ds: Dataset, rows: int = TABLE_ROWS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ds = ds
        self.rows = min(rows, len(ds))
        self.targets = 1 if ds.is_classification else ds.y.shape[1]
        name = target_name(ds)
        self.headers = [name] if self.targets == 1 else [f"{name} {j + 1}"
                                                        for j in range(self.targets)]
        self.headers += ds.feature_names or [f"x{i + 1}" for i in range(ds.x.shape[1])]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self.rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        r, c = index.row(), index.column()
        is_class = c < self.targets and self.ds.is_classification
        if role == Qt.ItemDataRole.DisplayRole:
            if c >= self.targets:
                return f"{float(self.ds.x[r, c - self.targets]):.4g}"
            if is_class:
                return self.ds.class_names[int(self.ds.y[r])]
            return f"{float(self.ds.y[r, c]):.4g}"
        if role == Qt.ItemDataRole.DecorationRole and is_class:
            return class_colour(int(self.ds.y[r]))
        if role == Qt.ItemDataRole.TextAlignmentRole and not is_class:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self.headers[section]
            return str(section + 1)
        return None


VIEW_TITLES = {"scatter": "Plot", "thumbnails": "Images", "table": "Table", "empty": ""}


class DataPreview(QWidget):
    """The fitting views of a data set (see the module docstring), ~250 px tall; tabs switch
    between them when there are two (2-D points: the plot and the table)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty = QLabel("No data loaded")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scatter = ScatterPreview()
        self.thumbnails = ThumbnailGrid()
        self.thumb_scroll = QScrollArea()
        self.thumb_scroll.setWidgetResizable(True)
        self.thumb_scroll.setWidget(self.thumbnails)
        self.thumb_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table = QTableView()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._widgets = {"empty": self.empty, "scatter": self.scatter,
                         "thumbnails": self.thumb_scroll, "table": self.table}
        self.stack = QStackedWidget()
        self.stack.setFixedHeight(PREVIEW_HEIGHT)
        for w in self._widgets.values():
            self.stack.addWidget(w)
        self.tabs = QTabBar()
        self.tabs.setDocumentMode(True)
        self.tabs.setExpanding(False)
        self.tabs.currentChanged.connect(self._on_tab)
        self.views: list[str] = ["empty"]
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.tabs)
        lay.addWidget(self.stack)

    @staticmethod
    def views_for(ds: Dataset | None) -> list[str]:
        """The views that suit ``ds``, the default first."""
        if ds is None or len(ds) == 0:
            return ["empty"]
        if ds.is_image:
            return ["thumbnails"]
        features = ds.x.shape[1]
        if (ds.is_classification and features == 2) or (
                not ds.is_classification and features == 1 and ds.y.shape[1] == 1):
            return ["scatter", "table"]
        return ["table"]

    def currentWidget(self) -> QWidget:
        return self.stack.currentWidget()

    def show_view(self, view: str) -> None:
        self.tabs.setCurrentIndex(self.views.index(view))
        self.stack.setCurrentWidget(self._widgets[view])

    def set_data(self, ds: Dataset | None) -> None:
        self.views = self.views_for(ds)
        if "scatter" in self.views:
            self.scatter.set_data(ds)
        if "thumbnails" in self.views:
            self.thumbnails.set_data(ds)
        if "table" in self.views:
            old = self.table.model()
            self.table.setModel(SampleTableModel(ds, parent=self.table))
            if old is not None:
                old.deleteLater()
            self.table.resizeColumnsToContents()
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)
        for view in self.views:
            self.tabs.addTab(VIEW_TITLES[view])
        self.tabs.blockSignals(False)
        self.tabs.setVisible(len(self.views) > 1)
        self.show_view(self.views[0])

    def _on_tab(self, index: int) -> None:
        if 0 <= index < len(self.views):
            self.stack.setCurrentWidget(self._widgets[self.views[index]])

    def apply_palette(self) -> None:
        self.scatter.apply_palette()
