"""Step through one sample: forward layer by layer, the loss, backward layer by layer, one
gradient-descent update — and step back.

    st = StepThrough(doc)
    st.set_data(x_train, y_train, class_names)     # the samples to choose from
    st.layer_highlighted.connect(canvas.highlight)   # "" when nothing is active
    st.forward(); …; st.show_loss(); st.backward(); …; st.apply_update(); st.step_back()

The numbers are :func:`engine.teach.trace` on ``doc.build_model()`` in the document's own
precision, so "Apply update" (:func:`engine.teach.sgd_update` with ``doc.training.lr``) moves
the weights exactly as one plain-SGD training step on this sample would; the new weights go
to ``doc.set_weights`` so the canvas recolours. "Step back" restores the document's previous
weights exactly (the very arrays it had before).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import EngineError, Trace, sgd_update, trace, undo_update

from ..canvas.style import SELECTION
from ..document import Document
from . import step_text
from .formulas import dummy_target, loss_text, num

MAX_ROWS = 100  # neurons listed per layer
MAX_CHANGES = 300  # weights listed after an update


class StepThrough(QWidget):
    """One sample's forward pass, loss, backward pass and update; see the module docstring."""

    layer_highlighted = Signal(str)

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.x: np.ndarray | None = None
        self.y: np.ndarray | None = None
        self.class_names: list[str] | None = None
        self.model = None
        self.trace: Trace | None = None
        self.phase = "idle"  # idle, forward, loss, backward, updated
        self.fwd = 0  # layers revealed by the forward pass
        self.bwd = 0  # layers revealed by the backward pass
        self.changes: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
        self._old_weights: Any = None  # the document's weights before the update
        self._applied: Any = None  # the dict we gave the document (to notice other changes)
        self._update_trace: Trace | None = None  # the pass whose gradients made the update
        self._own_change = False

        self.sample = QSpinBox()
        self.sample.setPrefix("sample ")
        self.sample.valueChanged.connect(lambda _: self.restart())
        self.sample_info = QLabel()
        self.pipeline = QLabel()
        self.pipeline.setWordWrap(True)
        self.b_forward = QPushButton("Forward ▸")
        self.b_loss = QPushButton("Loss")
        self.b_backward = QPushButton("Backward ◂")
        self.b_update = QPushButton("Apply update")
        self.b_back = QPushButton("Step back")
        self.b_forward.clicked.connect(self.forward)
        self.b_loss.clicked.connect(self.show_loss)
        self.b_backward.clicked.connect(self.backward)
        self.b_update.clicked.connect(self.apply_update)
        self.b_back.clicked.connect(self.step_back)
        self.b_forward.setToolTip("Compute the next layer: z = W·x + b, a = f(z)")
        self.b_loss.setToolTip("Compare the output with the true label")
        self.b_backward.setToolTip("Carry the error one layer back: δ = ∂L/∂z, ∂L/∂W, ∂L/∂b")
        self.b_back.setToolTip("Undo the update: every weight gets its exact old value back")
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setFrameShape(QFrame.Shape.StyledPanel)
        self.explanation.setMargin(6)
        self.loss_label = QLabel()
        self.loss_label.setWordWrap(True)
        self.loss_label.setToolTip("The loss of this sample: how far the output is from the "
                                   "true label")
        self.formula = QLabel()
        self.formula.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.updates = QListWidget()
        self.updates.setToolTip("Each weight's old → new value, largest changes first")
        self.updates_title = QLabel("<b>Weight changes</b>, largest first (old → new):")
        self.updates.hide()
        self.updates_title.hide()

        top = QHBoxLayout()
        top.addWidget(self.sample)
        top.addWidget(self.sample_info, 1)
        buttons = QHBoxLayout()
        for b in (self.b_forward, self.b_loss, self.b_backward, self.b_update, self.b_back):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pipeline)
        layout.addWidget(self.loss_label)
        layout.addLayout(buttons)
        layout.addWidget(self.explanation)
        layout.addWidget(self.formula)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.updates_title)
        layout.addWidget(self.updates, 1)
        doc.weights_changed.connect(self._on_weights_changed)
        doc.analysis_changed.connect(self._on_network_changed)
        doc.reset.connect(self._on_network_changed)
        doc.training_changed.connect(self._update_buttons)
        self.restart()

    # -- public API ------------------------------------------------------------------------

    def set_data(self, x: Any, y: Any, class_names: list[str] | None = None) -> None:
        """The samples to pick from (None: an all-zero input with a made-up target)."""
        self.x = None if x is None else np.asarray(x)
        self.y = None if y is None else np.asarray(y)
        self.class_names = list(class_names) if class_names else None
        self.sample.blockSignals(True)
        self.sample.setRange(0, max(0, (len(self.x) if self.x is not None else 1) - 1))
        self.sample.blockSignals(False)
        self.restart()

    def set_sample_index(self, index: int) -> None:
        self.sample.setValue(index)

    def restart(self) -> None:
        """Back to the start (the weights stay as they are)."""
        self.trace, self.model = None, None
        self.phase, self.fwd, self.bwd = "idle", 0, 0
        self.changes = None if self._applied is None else self.changes
        self.updates.hide()
        self.updates_title.hide()
        self.table.setRowCount(0)
        self.formula.setText("")
        self.loss_label.setText("")
        self.explanation.setText(step_text.IDLE)
        self._describe_sample()
        self._highlight(None)
        self._update_buttons()

    def forward(self) -> None:
        """Reveal the next layer of the forward pass (a new pass starts from the current
        weights)."""
        new_pass = self.phase in ("idle", "updated") or self.trace is None
        if new_pass and not self._start_pass():
            return
        layers = self.trace.layers
        if self.fwd >= len(layers):
            return
        lt = layers[self.fwd]
        self.fwd += 1
        self.phase = "forward"
        self._show_layer(lt, backward=False)
        self.explanation.setText(step_text.forward(lt, self.model, self.fwd, len(layers)))
        self.formula.setText(step_text.forward_formula(lt, self.model))
        self._highlight(lt.name)
        self._update_buttons()

    def show_loss(self) -> None:
        if self.trace is None or self.fwd < len(self.trace.layers):
            return
        self.phase = "loss"
        self.explanation.setText(step_text.LOSS)
        text = loss_text(self.trace, self.model, self._y(), self.class_names)
        self.formula.setText("")
        self.loss_label.setText(f"<b>Loss</b> of this sample: {text}")
        self._highlight(self.model.output_name)
        self._update_buttons()

    def backward(self) -> None:
        """Reveal the next layer of the backward pass, from the output towards the input."""
        layers = self._backward_layers()
        if self.phase not in ("loss", "backward") or self.bwd >= len(layers):
            return
        lt = layers[self.bwd]
        self.bwd += 1
        self.phase = "backward"
        self._show_layer(lt, backward=True)
        self.explanation.setText(step_text.backward(lt, self.model, self.bwd == 1))
        self.formula.setText(step_text.gradient_summary(lt))
        self._highlight(lt.name)
        self._update_buttons()

    def apply_update(self) -> None:
        """w ← w − lr·∂L/∂w for every weight; the document gets the new weights."""
        if not self._backward_done():
            return
        lr = self.doc.training.lr
        before = self.trace.loss
        old_doc = self.doc.weights
        self.changes = sgd_update(self.model, lr)
        # Keep the document's own arrays (copied: nobody may change them meanwhile).
        self._old_weights = None if old_doc is None else {k: v.copy() for k, v in old_doc.items()}
        new = self.model.get_weights()
        self._applied = new
        self._update_trace = self.trace
        self._set_doc_weights(new)
        after = self._loss_now()
        self.phase = "updated"
        self._list_changes()
        self.explanation.setText(step_text.updated(lr, before, after, self.doc.training))
        self.formula.setText("w ← w − learning rate · ∂L/∂w")
        self._highlight(None)
        self._update_buttons()

    def step_back(self) -> None:
        """Undo the update exactly: the model and the document get their old weights back."""
        if self.changes is None or not self._can_step_back():
            return
        same_pass = self.trace is not None and self.trace is self._update_trace
        if same_pass:
            undo_update(self.model, self.changes)
        self._set_doc_weights(self._old_weights)
        self.changes, self._applied, self._old_weights = None, None, None
        self._update_trace = None
        if not same_pass:  # a newer pass ran on the updated weights: start afresh
            self.restart()
        else:  # the gradients still hold for the restored weights: the update can be redone
            self.updates.hide()
            self.updates_title.hide()
            self.phase = "backward"
            self.bwd = len(self._backward_layers())
        self.explanation.setText(step_text.STEPPED_BACK)
        self.formula.setText("")
        self._update_buttons()

    # -- internals -------------------------------------------------------------------------

    def _y(self):
        if self.y is not None and self.x is not None:
            return self.y[self.sample.value() : self.sample.value() + 1]
        return dummy_target(self.model)

    def _start_pass(self) -> bool:
        self.updates.hide()
        self.updates_title.hide()
        if not self.doc.analysis.ok:
            self.explanation.setText(step_text.INVALID)
            return False
        try:
            self.model = self.doc.build_model()
            if self.x is not None:
                i = self.sample.value()
                xb = self.model.prepare_inputs(self.x[i : i + 1])
            else:
                xb = self.model.prepare_inputs(np.zeros((1, *self.model.input_shape)))
            self.trace = trace(self.model, xb, self._y())
        except (EngineError, ValueError) as exc:
            self.explanation.setText(f"Cannot run this sample through the network: {exc}")
            self.trace, self.model = None, None
            return False
        self.fwd, self.bwd = 0, 0
        self.loss_label.setText("")
        return True

    def _loss_now(self) -> float:
        t = trace(self.model.copy(), self.trace.layers[0].a, self._y())
        return t.loss

    def _backward_layers(self):
        if self.trace is None:
            return []
        return [lt for lt in reversed(self.trace.layers) if lt.delta is not None]

    def _backward_done(self) -> bool:
        layers = self._backward_layers()
        return self.phase == "backward" and bool(layers) and self.bwd >= len(layers)

    def _can_step_back(self) -> bool:
        return self._applied is not None and self.doc.weights is self._applied

    def _set_doc_weights(self, weights) -> None:
        self._own_change = True
        try:
            self.doc.set_weights(weights)
        finally:
            self._own_change = False

    def _on_weights_changed(self) -> None:
        if self._own_change:
            return
        # Someone else (training, a reset) changed the weights: start over, no step back.
        self.changes, self._applied, self._old_weights = None, None, None
        self._update_trace = None
        self.restart()

    def _on_network_changed(self) -> None:
        self._on_weights_changed()

    def _describe_sample(self) -> None:
        if self.x is None:
            self.sample_info.setText("No data: an all-zero input is used.")
            self.sample.setEnabled(False)
            return
        self.sample.setEnabled(True)
        i = self.sample.value()
        label = ""
        if self.y is not None and i < len(self.y):
            yi = self.y[i]
            if self.class_names and np.ndim(yi) == 0 and float(yi).is_integer():
                k = int(yi)
                label = self.class_names[k] if k < len(self.class_names) else str(k)
            else:
                label = ", ".join(num(v) for v in np.ravel(yi)[:4])
        self.sample_info.setText(f"of {len(self.x):,} · true label: {label}")

    def _highlight(self, name: str | None) -> None:
        names = [lt.name for lt in self.trace.layers] if self.trace else \
            list(self.doc.analysis.order or self.doc.spec.layers)
        parts = []
        for n in names:
            if n == name:
                parts.append(f"<span style='background:{SELECTION.name()};color:white'>"
                             f"&nbsp;<b>{n}</b>&nbsp;</span>")
            else:
                parts.append(n)
        self.pipeline.setText(" → ".join(parts))
        self.layer_highlighted.emit(name or "")

    def _show_layer(self, lt, backward: bool) -> None:
        z, a = np.ravel(lt.z[0]), np.ravel(lt.a[0])
        n = z.size
        rows = min(n, MAX_ROWS)
        shape = lt.z.shape[1:]
        headers = ["neuron", "z", "a = f(z)"]
        if lt.type == "Input":
            headers = ["input neuron", "value"]
        delta = db = None
        if backward and lt.delta is not None:
            headers += ["δ = ∂L/∂z"]
            delta = np.ravel(lt.delta[0])
            if lt.type == "Dense" and "b" in lt.grads:
                headers += ["∂L/∂b"]
                db = np.ravel(lt.grads["b"])
        target = step_text.target_row(self.model, lt, self._y()) if backward else None
        if target is not None:
            headers.insert(3, "target y")
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(rows)
        for r in range(rows):
            idx = np.unravel_index(r, shape) if len(shape) > 1 else (r,)
            cells = [f"{lt.name}[{','.join(map(str, idx))}]", num(z[r], 4)]
            if lt.type != "Input":
                cells.append(num(a[r], 4))
            if target is not None:
                cells.append(num(target[r], 0) if float(target[r]).is_integer()
                             else num(target[r], 4))
            if delta is not None:
                cells.append(num(delta[r], 4))
            if db is not None:
                cells.append(num(db[r], 4))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        note = f"showing {rows} of {n:,} values" if n > rows else ""
        self.table.setToolTip(note)

    def _list_changes(self) -> None:
        self.updates.clear()
        self.updates.addItems(step_text.change_lines(self.changes or {}, MAX_CHANGES))
        self.updates.show()
        self.updates_title.show()

    def _update_buttons(self) -> None:
        has_trace = self.trace is not None
        layers = self.trace.layers if has_trace else []
        self.b_forward.setEnabled(self.phase in ("idle", "updated") or
                                  (self.phase == "forward" and self.fwd < len(layers)))
        self.b_loss.setEnabled(has_trace and self.phase == "forward" and self.fwd >= len(layers))
        back = self._backward_layers()
        self.b_backward.setEnabled(self.phase in ("loss", "backward") and self.bwd < len(back))
        self.b_update.setEnabled(self._backward_done())
        self.b_update.setText(f"Apply update (lr {self.doc.training.lr:g})")
        self.b_back.setEnabled(self.changes is not None and self._can_step_back())
