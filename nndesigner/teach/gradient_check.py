"""Check my gradients: finite differences against backpropagation on the user's own network.

    panel = GradientCheckPanel(doc)
    panel.set_data(x_train, y_train)   # a few of these samples are used (else random ones)
    panel.check()                      # or the button; panel.results when done
    panel.finished.connect(...)        # list[GradCheckResult]

The check is :func:`engine.gradcheck` (float64, centred differences) on a few samples. If it
would take longer than ``THREAD_SECONDS`` it runs in a QThread while the panel says
"checking…"; small networks are checked at once.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import EngineError, GradCheckResult, Model, gradcheck

from ..canvas.style import ERROR
from ..document import Document
from .formulas import num

AGREE = QColor("#2e7d32")  # green: "agrees"
THREAD_SECONDS = 0.1
SAMPLES = 4
MAX_PER_TENSOR = 32
EXPLANATION = (
    "Backpropagation computes every gradient ∂L/∂w at once with the chain rule. Finite "
    "differences check it the slow, obvious way: nudge one weight by ±ε (10⁻⁶), run the "
    "network twice and see how the loss changes, (L(w+ε) − L(w−ε)) / 2ε. If both agree to a "
    "relative error below 10⁻³, the backward pass is right. Up to "
    f"{MAX_PER_TENSOR} weights of each tensor are tested on {SAMPLES} samples.")


def sample_batch(model: Model, x: Any = None, y: Any = None, n: int = SAMPLES,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` samples of ``x, y``, or random inputs and valid random targets."""
    if x is not None and y is not None and len(x):
        return np.asarray(x[:n]), np.asarray(y[:n])
    rng = np.random.default_rng(seed)
    xs = rng.uniform(0, 1, (n, *model.input_shape))
    loss, out = model.spec.loss, model.output_shape
    if loss == "cross_entropy":
        ys = rng.integers(0, out[0], n)
    elif loss == "binary_cross_entropy":
        ys = rng.integers(0, 2, (n, *out)).astype(np.float64)
    else:
        ys = rng.normal(0, 1, (n, *out))
    return xs, ys


def estimate_seconds(model: Model, x: np.ndarray, max_per_tensor: int = MAX_PER_TENSOR) -> float:
    """Two forward passes per checked weight, timed on one pass."""
    m = model.copy(np.float64)
    xb = m.prepare_inputs(x)
    start = time.perf_counter()
    m.forward(xb, training=True)
    one = time.perf_counter() - start
    checks = sum(min(p.value.size, max_per_tensor) for p in m.parameters())
    return 2 * checks * one


_RUNNING: set[QThread] = set()  # threads outlive a closed panel; they are kept until done


class _CheckThread(QThread):
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, model: Model, x, y, parent=None) -> None:
        super().__init__(parent)
        self.model, self.x, self.y = model, x, y

    def run(self) -> None:
        try:
            self.done.emit(gradcheck(self.model, self.x, self.y, max_per_tensor=MAX_PER_TENSOR))
        except (EngineError, ValueError) as exc:
            self.failed.emit(str(exc))


class GradientCheckPanel(QWidget):
    """A "Check my gradients" button, a per-tensor table of relative errors, a verdict."""

    finished = Signal(list)

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.x: Any = None
        self.y: Any = None
        self.results: list[GradCheckResult] | None = None
        self.thread: _CheckThread | None = None
        self.thread_seconds = THREAD_SECONDS
        self.button = QPushButton("Check my gradients")
        self.button.setToolTip("Compare backpropagation with finite differences on this "
                               "network")
        self.button.clicked.connect(self.check)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: gradcheck reports no progress
        self.busy.setFormat("checking…")
        self.busy.setTextVisible(True)
        self.busy.hide()
        self.explanation = QLabel(EXPLANATION)
        self.explanation.setWordWrap(True)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["layer / tensor", "weights checked",
                                              "largest relative error", "result"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addWidget(self.button)
        layout.addWidget(self.busy)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 1)
        doc.analysis_changed.connect(self._stale)
        doc.weights_changed.connect(self._stale)

    def set_data(self, x: Any, y: Any) -> None:
        self.x, self.y = x, y

    @property
    def running(self) -> bool:
        return self.thread is not None

    def check(self) -> None:
        if self.running:
            return
        if not self.doc.analysis.ok:
            self._say("The network has problems (see the Problems panel): fix them first.",
                      ERROR)
            return
        try:
            model = self.doc.build_model()
            x, y = sample_batch(model, self.x, self.y)
            model.prepare_targets(y, len(x))
            slow = estimate_seconds(model, x) > self.thread_seconds
        except (EngineError, ValueError) as exc:
            self._say(f"Cannot check: {exc}", ERROR)
            return
        self.table.setRowCount(0)
        if not slow:
            try:
                self._done(gradcheck(model, x, y, max_per_tensor=MAX_PER_TENSOR))
            except (EngineError, ValueError) as exc:
                self._failed(str(exc))
            return
        self.button.setEnabled(False)
        self.busy.show()
        self.verdict.setText("Checking… (each tested weight needs two extra runs of the "
                             "network)")
        # No parent: closing the panel mid-check must not destroy a running thread.
        thread = self.thread = _CheckThread(model, x, y)
        _RUNNING.add(thread)
        thread.done.connect(self._done)
        thread.failed.connect(self._failed)
        thread.finished.connect(self._thread_ended)
        thread.finished.connect(lambda: _RUNNING.discard(thread))
        thread.start()

    def wait(self, ms: int = 30000) -> bool:
        """Block until a running check ends (for tests and shutdown)."""
        return self.thread.wait(ms) if self.thread is not None else True

    @staticmethod
    def shutdown(ms: int = 30000) -> bool:
        """Wait for every running check (call before the application quits)."""
        return all(t.wait(ms) for t in list(_RUNNING))

    # -- internals -------------------------------------------------------------------------

    def _thread_ended(self) -> None:
        if self.thread is not None:
            self.thread.deleteLater()
        self.thread = None
        self.busy.hide()
        self.button.setEnabled(True)

    def _say(self, text: str, colour: QColor | None = None) -> None:
        style = f"color:{colour.name()}" if colour is not None else ""
        self.verdict.setStyleSheet(style)
        self.verdict.setText(text)

    def _stale(self) -> None:
        if self.results is not None and not self.running:
            self._say("The network changed since the last check: check again.")

    def _failed(self, message: str) -> None:
        self._say(f"The check failed: {message}", ERROR)

    def _done(self, results: list[GradCheckResult]) -> None:
        self.results = results
        self.table.setRowCount(len(results))
        for row, r in enumerate(results):
            verdict = "✓ agrees" if r.ok else "✗ differs"
            cells = [r.key, f"{r.checked:,}", num(r.max_rel_error, 2) if r.max_rel_error
                     else "0 (identical)", verdict]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setForeground(QBrush(AGREE if r.ok else ERROR))
                item.setToolTip(f"largest absolute error {r.max_abs_error:.2e}")
                self.table.setItem(row, col, item)
        worst = max((r.max_rel_error for r in results), default=0.0)
        if all(r.ok for r in results):
            self._say(f"✓ Backpropagation agrees with finite differences for all "
                      f"{len(results)} tensors (largest relative error {worst:.1e}).", AGREE)
        else:
            bad = ", ".join(r.key for r in results if not r.ok)
            self._say(f"✗ The gradients of {bad} differ from finite differences. A kink "
                      "(ReLU at exactly 0, a step at its threshold) can cause this; if it "
                      "persists with other samples, the backward pass is wrong.", ERROR)
        self.finished.emit(results)
