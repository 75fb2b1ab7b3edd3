"""The lessons' tool windows, and :func:`make_tool` that builds one for a ``tool`` action.

* :class:`StepVsSigmoid` — the perceptron on XOR next to a sigmoid hidden layer;
* :class:`ActivationExplorer` — choose a function, move z, see f and f′;
* :class:`LossComparison` — one classifier trained with MSE and with cross-entropy;
* :class:`DigitTool` — draw a digit, see every layer respond and the answer;
* the pixel grid (:mod:`.pixel_grid`) and the learning-rate explorer (:mod:`.lr_explorer`).

Each has ``results_ready = Signal(dict)`` with the keys the lesson checks read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from engine import EngineError, activations

from ..canvas.style import ERROR
from ..document import Document
from ..plots.colours import SERIES_COLOURS, legend_html, style_plot, theme_of
from . import experiments as exp
from .formulas import activation_text, num

BLUE, ORANGE = "#1565c0", "#e65100"


def _plot(title: str, x_label: str, y_label: str, parent: QWidget) -> pg.PlotWidget:
    th = theme_of(parent)
    w = pg.PlotWidget(background=th.bg)
    w.setTitle(title)
    w.setLabel("bottom", x_label)
    w.setLabel("left", y_label)
    w.getPlotItem().setMenuEnabled(False)
    style_plot(w.getPlotItem(), th)
    return w


def _label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class StepVsSigmoid(QWidget):
    results_ready = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: dict[str, Any] | None = None
        self.left = _plot("Step neuron, perceptron rule", "epoch", "samples wrong (of 4)", self)
        self.right = _plot("Sigmoid hidden layer, gradient descent", "epoch", "accuracy", self)
        self.left_text, self.right_text = _label(), _label()
        grid = QGridLayout(self)
        grid.addWidget(self.left, 0, 0)
        grid.addWidget(self.right, 0, 1)
        grid.addWidget(self.left_text, 1, 0)
        grid.addWidget(self.right_text, 1, 1)

    def run(self) -> None:
        r = self.result = exp.step_vs_sigmoid()
        step, sig = r["step"], r["sigmoid"]
        errors = r["step_errors"]
        self.left.getPlotItem().clear()
        self.left.plot(np.arange(1, len(errors) + 1), errors, pen=pg.mkPen(ORANGE, width=2),
                       symbol="o", symbolBrush=ORANGE)
        self.left.setYRange(0, 4)
        self.right.getPlotItem().clear()
        self.right.plot(np.arange(1, len(sig.accuracies) + 1), sig.accuracies,
                        pen=pg.mkPen(BLUE, width=2))
        self.right.setYRange(0, 1.05)
        g = r["gradient_norm"]
        self.left_text.setText(
            f"<span style='color:{ERROR.name()}'>Never right on all four:</span> after "
            f"{len(step.losses)} epochs the weights repeat — "
            "XOR is not linearly separable.<br>Gradient for one sample: "
            f"<b>{num(g['step'], 3)}</b> — the step's slope is 0, gradient descent is blind.")
        first = next((i + 1 for i, a in enumerate(sig.accuracies) if a >= 1.0), None)
        when = f"at epoch {first}" if first else f"after {len(sig.accuracies)} epochs"
        self.right_text.setText(
            f"Reaches <b>{r['sigmoid_accuracy']:.0%}</b> {when}: "
            "two soft lines, combined by the output.<br>Gradient for one sample: "
            f"<b>{num(g['sigmoid'], 3)}</b> — the sigmoid's slope tells each weight which way "
            "to move.")
        self.results_ready.emit({"step_vs_sigmoid": r})


class ActivationExplorer(QWidget):
    results_ready = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choice = QComboBox()
        for name in activations.NAMES:
            self.choice.addItem(name)
        self.choice.setCurrentText("sigmoid")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(-60, 60)  # z in tenths
        self.plot = _plot("", "z", "", self)
        self.legend = QLabel(legend_html([("━━", BLUE, "f(z)"), ("╍╍", ORANGE, "slope f′(z)")]))
        self.f_curve = self.plot.plot(pen=pg.mkPen(BLUE, width=2))
        self.d_curve = self.plot.plot(pen=pg.mkPen(ORANGE, width=2, style=Qt.PenStyle.DashLine))
        self.marker = pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen(theme_of(self).fg))
        self.plot.addItem(self.marker)
        self.readout = _label()
        self.readout.setMinimumHeight(3 * self.fontMetrics().lineSpacing() + 4)
        self.z_label = QLabel()
        self.z_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("z = −6.0") + 6)
        top = QHBoxLayout()
        top.addWidget(QLabel("Function"))
        top.addWidget(self.choice)
        top.addWidget(self.z_label)
        top.addWidget(self.slider, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.readout)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 1)
        self.choice.currentTextChanged.connect(self.redraw)
        self.slider.valueChanged.connect(self.redraw)

    def run(self) -> None:
        self.redraw()
        self.results_ready.emit({"slopes": {n: exp.slope_at(n, 0.0) for n in
                                            ("sigmoid", "tanh", "relu", "step", "linear")}})

    def redraw(self) -> None:
        name, z = self.choice.currentText(), self.slider.value() / 10
        act = activations.make(name)
        zs = np.linspace(-6, 6, 601)
        if name == "softmax":  # two classes, the other sum held at 0
            logits = np.stack([zs, np.zeros_like(zs)], axis=1)
            f = act.forward(logits)
            d = act.backward(logits, f, np.tile([1.0, 0.0], (zs.size, 1)))[:, 0]
            f = f[:, 0]
            fz = float(act.forward(np.array([[z, 0.0]]))[0, 0])
        else:
            f = act.forward(zs)
            d = act.backward(zs, f, np.ones_like(zs))
            fz = float(act.forward(np.array([z]))[0])
        self.f_curve.setData(zs, f)
        self.d_curve.setData(zs, d)
        self.marker.setValue(z)
        self.z_label.setText(f"z = {num(z, 1)}")
        slope = float(np.interp(z, zs, d))
        self.readout.setText(f"{act.formula}<br>{activation_text(act, z, fz, np.zeros(1))}"
                             f"<br>slope f′({num(z, 1)}) = {num(slope, 3)} — backpropagation "
                             "multiplies the error by this.")


class LossComparison(QWidget):
    results_ready = Signal(dict)

    def __init__(self, x, y, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.x, self.y = x, y
        self.acc = _plot("Accuracy per epoch", "epoch", "accuracy", self)
        self.loss = _plot("Each loss per epoch (not comparable in size)", "epoch", "loss",
                          self)
        self.legend = QLabel(legend_html([("━━", SERIES_COLOURS[0], "mean squared error"),
                                          ("━━", SERIES_COLOURS[1], "cross-entropy")]))
        self.text = _label()
        grid = QGridLayout(self)
        grid.addWidget(self.legend, 0, 0, 1, 2)
        grid.addWidget(self.acc, 1, 0)
        grid.addWidget(self.loss, 1, 1)
        grid.addWidget(self.text, 2, 0, 1, 2)

    def run(self) -> None:
        runs = exp.compare_losses(self.x, self.y)
        deltas = exp.output_deltas()
        for plot in (self.acc, self.loss):
            plot.getPlotItem().clear()
        for i, run in enumerate(runs.values()):
            pen = pg.mkPen(SERIES_COLOURS[i], width=2)
            epochs = np.arange(1, len(run.losses) + 1)
            self.acc.plot(epochs, run.accuracies, pen=pen)
            self.loss.plot(epochs, run.losses, pen=pen)
        mse, ce = runs["mse"], runs["binary_cross_entropy"]
        self.text.setText(
            f"Same network, same start, same learning rate. After 5 epochs: MSE "
            f"{mse.accuracies[4]:.0%}, cross-entropy {ce.accuracies[4]:.0%}; at the end "
            f"{mse.accuracies[-1]:.0%} and {ce.accuracies[-1]:.0%}.<br>When the output says "
            f"0.01 and the truth is 1: δ with MSE = {num(deltas['mse'], 4)}, with "
            f"cross-entropy = {num(deltas['binary_cross_entropy'], 4)} — cross-entropy "
            "pushes confident mistakes about 50× harder.")
        self.results_ready.emit({"loss_comparison": runs, "output_deltas": deltas})


class DigitTool(QWidget):
    """Draw a digit: the network's answer and every layer's response, live."""

    results_ready = Signal(dict)

    def __init__(self, doc: Document, digit: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ..panels.draw_pad import DrawPad
        from ..panels.layer_activations import LayerActivations

        self.doc, self.digit = doc, digit
        self.pad = DrawPad(28)
        self.layers = LayerActivations()
        self.answer = _label(f"Draw a {digit} on the black pad with the mouse.")
        example = QPushButton(f"Show the app's own {digit}")
        example.setToolTip(f"A {digit} drawn by the app (not one of the training pictures)")
        example.clicked.connect(self.show_example)
        left = QVBoxLayout()
        left.addWidget(self.pad)
        left.addWidget(example)
        left.addWidget(self.answer)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addWidget(self.layers, 1)
        self.pad.stroke_finished.connect(self.run)
        self.pad.changed.connect(self._maybe_clear)

    def _maybe_clear(self) -> None:
        if self.pad.is_empty():
            self.layers.clear()
            self.answer.setText(f"Draw a {self.digit}.")

    def run(self) -> None:
        """Read the drawing (nothing happens while the pad is empty)."""
        if not self.pad.is_empty():
            self._read(self.pad.image()[None], "your drawing")

    def show_example(self) -> None:
        self._read(exp.drawn_digit(self.digit), f"the app's {self.digit}")

    def _read(self, x: np.ndarray, what: str) -> None:
        try:
            model = self.doc.build_model()
            p = model.predict(x[None])[0]
            self.layers.show_input(model, x)
        except (EngineError, ValueError) as exc:
            self.answer.setText(f"The network cannot read this picture: {exc}")
            return
        k = int(np.argmax(p))
        self.answer.setText(f"The network reads {what} as <b>{k}</b> ({p[k]:.0%} sure).")
        self.results_ready.emit({"digit_prediction": {self.digit: k}})


def make_tool(action: dict[str, Any], doc: Document, setup) -> QWidget:
    """The tool window for a lesson's ``{"do": "tool", "tool": …}`` action; connect its
    ``results_ready``, then call its ``run()``."""
    from .lr_explorer import LearningRateExplorer
    from .pixel_grid import PixelLesson

    tool = action.get("tool")
    if tool == "step_vs_sigmoid":
        w: QWidget = StepVsSigmoid()
    elif tool == "activations":
        w = ActivationExplorer()
    elif tool == "losses":
        w = LossComparison(setup.x, setup.y)
    elif tool == "learning_rate":
        w = LearningRateExplorer(doc.spec, setup.x, setup.y, action.get("rates"),
                                 action.get("epochs", 50), doc.training.batch_size,
                                 doc.training.seed)
    elif tool == "pixel_grid":
        return PixelLesson(doc, setup.class_names)
    elif tool == "draw_digit":
        return DigitTool(doc, action.get("digit", 2))
    else:
        raise ValueError(f"unknown lesson tool {tool!r}")
    return w
