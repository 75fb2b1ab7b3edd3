"""The Neuron Inspector: what one neuron computes for the current sample, with the numbers.

    inspector = NeuronInspector(doc)
    inspector.set_sample(x0, y0)           # one sample (default: zeros of the input shape)
    inspector.show_neuron("hidden", 3)      # from a click on the canvas
    inspector.show_neuron("conv2d_1", 2, position=(5, 7))   # a filter at one output position

It shows the neuron's inputs, weights (orange negative, blue positive) and bias, the weighted
sum written out ("z = 0.20·1.00 + 0.40·1.00 + … = 0.60"), the activation with its number
("step: 0.60 ≥ θ=0.50 → 1") and a plot of f with the current z marked. The numbers come from
:func:`engine.teach.trace` on a float64 copy of ``doc.build_model()``, refreshed whenever the
weights or the network change.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import EngineError, activations, trace

from ..canvas.style import ERROR, weight_colour
from ..document import Document
from . import explain as ex
from .formulas import NeuronNumbers, dummy_target, neuron_numbers, num

EMPTY = "Click a neuron on the canvas to see how it computes its output for one sample."
MAX_ROWS = 200  # the table lists the largest terms; the formula names how many were left


def help_label(concept: str, numbers: dict[str, Any] | None = None) -> QLabel:
    """A small "?" whose tooltip explains ``concept`` (with the network's numbers)."""
    label = QLabel("<b>?</b>")
    label.setToolTip(f"<p style='max-width:320px'>{ex.explain(concept, numbers)}</p>")
    label.setCursor(Qt.CursorShape.WhatsThisCursor)
    label.setForegroundRole(QPalette.ColorRole.Link)
    return label


def text_on(colour: QColor) -> QColor:
    """Black or white text, whichever reads better on ``colour``."""
    return QColor("black") if colour.lightnessF() > 0.55 else QColor("white")


class NeuronInspector(QWidget):
    """Shows one neuron of ``doc`` for the current sample; see the module docstring."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.layer: str | None = None
        self.index = 0
        self.position: tuple[int, int] | None = None
        self.x: np.ndarray | None = None
        self.y: Any = None
        self.numbers: NeuronNumbers | None = None
        self.error = ""

        self.title = QLabel(EMPTY)
        self.title.setWordWrap(True)
        self.help = help_label("neuron")
        self.sample_label = QLabel()
        self.sample_label.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["input", "value x", "weight w", "w·x"])
        for col, concept in enumerate(("neuron", "input layer", "weight", "weighted sum")):
            self.table.horizontalHeaderItem(col).setToolTip(ex.explain(concept))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(120)
        self.bias_label = QLabel()
        self.bias_label.setToolTip(ex.explain("bias"))
        self.sum_label = QLabel()
        self.sum_label.setToolTip(ex.explain("weighted sum"))
        self.act_label = QLabel()
        self.act_label.setToolTip(ex.explain("activation"))
        self.out_label = QLabel()
        for label in (self.sum_label, self.act_label, self.out_label, self.bias_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plot = pg.PlotWidget(background=self.palette().color(QPalette.ColorRole.Base))
        self.plot.setFixedHeight(140)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.setLabel("bottom", "z")
        text = self.palette().color(QPalette.ColorRole.Text)
        for name in ("left", "bottom"):
            item.getAxis(name).setTextPen(pg.mkPen(text))
        self.curve = item.plot(pen=pg.mkPen("#1565c0", width=2))
        self.z_line = pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen(text, style=Qt.PenStyle.DashLine))
        item.addItem(self.z_line)
        self.z_dot = pg.ScatterPlotItem(size=9, brush=pg.mkBrush("#1565c0"), pen=pg.mkPen(text))
        item.addItem(self.z_dot)
        self.z_text = pg.TextItem(anchor=(0, 0), color=text)
        item.addItem(self.z_text)
        self.plot.setToolTip("The activation function f(z); the dashed line marks this "
                             "neuron's z for the current sample, the dot its output f(z).")

        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.help, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        layout.addWidget(self.sample_label)
        layout.addWidget(self.table)
        for label in (self.bias_label, self.sum_label, self.act_label, self.out_label):
            layout.addWidget(label)
        layout.addWidget(self.plot)
        layout.addStretch(1)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(50)  # training sends ≤ 10 snapshots a second
        self._refresh_timer.timeout.connect(self.refresh)
        for signal in (doc.weights_changed, doc.analysis_changed, doc.reset):
            signal.connect(self._refresh_timer.start)
        self._show_details(False)

    # -- public API ------------------------------------------------------------------------

    def set_sample(self, x: Any, y: Any = None) -> None:
        """The sample whose numbers are shown (one sample, without or with a batch axis)."""
        self.x = None if x is None else np.asarray(x)
        self.y = y
        self.refresh()

    def show_neuron(self, layer: str | None, index: int = 0,
                    position: tuple[int, int] | None = None) -> None:
        """Inspect neuron ``index`` of ``layer`` (None clears)."""
        self.layer, self.index, self.position = layer, int(index), position
        self.refresh()

    def refresh(self) -> None:
        self.numbers, self.error = None, ""
        if self.layer is None or self.layer not in self.doc.spec.layers:
            self.title.setText(EMPTY)
            self._show_details(False)
            return
        try:
            self.numbers = self._compute()
        except (EngineError, ValueError, IndexError, KeyError) as exc:
            self.error = str(exc)
        self._render()

    # -- internals -------------------------------------------------------------------------

    def _compute(self) -> NeuronNumbers:
        if not self.doc.analysis.ok:
            raise ValueError("the network has problems (see the Problems panel): fix them to "
                             "see its numbers")
        model = self.doc.build_model().copy(np.float64)
        x = self.x if self.x is not None else np.zeros(model.input_shape)
        xb = model.prepare_inputs(x)[:1]
        y = self.y if self.y is not None else dummy_target(model)
        y = np.asarray(y).reshape(1, -1) if model.spec.loss != "cross_entropy" else \
            np.asarray(y).reshape(1)
        tr = trace(model, xb, y)
        self._model = model
        return neuron_numbers(model, tr, self.layer, self.index, self.position)

    def _show_details(self, show: bool) -> None:
        for w in (self.sample_label, self.table, self.bias_label, self.sum_label,
                  self.act_label, self.out_label, self.plot):
            w.setVisible(show)

    def _render(self) -> None:
        n = self.numbers
        if n is None:
            self.title.setText(f"<b>{self.layer}</b>: <span style='color:{ERROR.name()}'>"
                               f"{self.error}</span>")
            self._show_details(False)
            return
        self._show_details(True)
        numbers = ex.network_numbers(self._model)
        self.help.setToolTip(f"<p style='max-width:320px'>{ex.explain('neuron', numbers)}</p>")
        where = f" at row {n.position[0]}, column {n.position[1]}" if n.position else ""
        node_type = self.doc.spec.layers[n.layer].type
        self.title.setText(f"<b>{n.layer}</b> neuron {n.index}{where} "
                           f"<span style='color:gray'>({node_type}, {n.activation})</span>")
        if self.x is None:
            self.sample_label.setText("Sample: all inputs 0 (no sample chosen).")
        else:
            values = np.ravel(self.x)
            shown = ", ".join(num(v) for v in values[:6]) + (", …" if values.size > 6 else "")
            self.sample_label.setText(f"Sample: [{shown}]")
        weighted = n.kind == "weighted"
        self.table.setVisible(weighted)
        self.bias_label.setVisible(weighted)
        if weighted:
            self._fill_table(n)
            self.bias_label.setText("<b>Bias</b> b = " + (
                num(n.bias) if n.bias is not None else "none (this layer has no bias)"))
        heading = "Weighted sum" if weighted else "Value"
        self.sum_label.setText(f"<b>{heading}</b><br>{n.sum_text}")
        self.act_label.setText(f"<b>Activation</b><br>{n.activation_text}")
        self.act_label.setVisible(bool(n.activation_text))
        self.plot.setVisible(bool(n.activation_text))
        self.out_label.setText(f"<b>output a = f(z) = {num(n.a, 4)}</b>")
        self._plot(n)

    def _fill_table(self, n: NeuronNumbers) -> None:
        terms = n.terms
        order = np.argsort(-np.abs(terms), kind="stable")[:MAX_ROWS]
        if terms.size <= 8:
            order = np.arange(terms.size)  # small neurons: in input order, like the formula
        scale = float(np.max(np.abs(n.weights))) if n.weights.size else 1.0
        self.table.setRowCount(len(order))
        # As tall as its rows (up to 8), so that the formulas stay in view below it.
        rows_px = self.table.verticalHeader().defaultSectionSize() * min(len(order), 8)
        self.table.setFixedHeight(rows_px + self.table.horizontalHeader().height() + 8)
        for row, i in enumerate(order):
            cells = [n.input_labels[i], num(n.inputs[i]), num(n.weights[i], 4),
                     num(terms[i], 4)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if col == 2:
                    colour = weight_colour(float(n.weights[i]), scale)
                    item.setBackground(QBrush(colour))
                    item.setForeground(QBrush(text_on(colour)))
                    item.setToolTip("orange: negative weight · blue: positive weight")
                self.table.setItem(row, col, item)
        if terms.size > len(order):
            self.table.setToolTip(f"The {len(order)} largest of {terms.size:,} terms |w·x|.")
        else:
            self.table.setToolTip("")

    def _plot(self, n: NeuronNumbers) -> None:
        node = self._model.node(n.layer)
        act = node.activation or activations.make("linear")
        low, high = min(-4.0, n.z - 1.0), max(4.0, n.z + 1.0)
        zs = np.linspace(low, high, 400)
        if act.name == "softmax":
            # a depends on the other outputs' sums too: hold them at their current values.
            others = np.delete(self._last_output_z(n.layer), n.index)
            logits = np.column_stack([zs, np.tile(others, (zs.size, 1))])
            fs = act.forward(logits)[:, 0]
        else:
            fs = act.forward(zs)
        self.curve.setData(zs, fs)
        self.z_line.setValue(n.z)
        self.z_dot.setData([n.z], [n.a])
        self.z_text.setText(f"z = {num(n.z)}, f(z) = {num(n.a, 3)}")
        self.z_text.setPos(low + 0.05 * (high - low), float(np.max(fs)))
        self.plot.getPlotItem().setXRange(low, high, padding=0.02)

    def _last_output_z(self, layer: str) -> np.ndarray:
        node = self._model.node(layer)
        return np.asarray(node.z, float).reshape(-1)
