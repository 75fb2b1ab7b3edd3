"""The bottom tab set of live views — loss and accuracy curves, weight heatmaps, gradient
norms, decision boundary — fed by the TrainingController and the Document.

The views are created once and updated from the latest values: curves per epoch and a few
batch points per second (the worker's throttled progress), heatmaps and the decision boundary
from weight snapshots (≤ 10 per second; the boundary is re-evaluated at most 5 times a second
on a private model copy, never on the model being trained).
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QTabWidget

from engine import EngineError, Model
from engine.losses import CLASSIFICATION_LOSSES

from ..document import Document
from ..plots.boundary import DecisionBoundary
from ..plots.gradients import GradientNorms
from ..plots.heatmaps import WeightHeatmaps
from ..plots.loss_curves import TrainingCurves
from ..training_controller import TrainingController

BOUNDARY_INTERVAL = 0.2
HEATMAP_INTERVAL = 0.25  # s between heatmap redraws while training (each costs ~10-30 ms)
#: Curves redraw at most this often (ms): re-rendering plot axes is the GUI thread's
#: largest cost while training, and 2 redraws a second still look live.
CURVE_INTERVAL_MS = 500


class LiveViews(QTabWidget):
    def __init__(self, doc: Document, controller: TrainingController, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.controller = controller
        self.curves = TrainingCurves()
        self.heatmaps = WeightHeatmaps()
        self.gradients = GradientNorms()
        self.boundary = DecisionBoundary()
        self.addTab(self.curves, "Loss && accuracy")
        self.addTab(self.heatmaps, "Weights")
        self.addTab(self.gradients, "Gradients")
        self.addTab(self.boundary, "Decision boundary")
        from ..teach import GradientCheckPanel, GradientHealth, StepThrough

        self.step_through = StepThrough(doc)
        self.health = GradientHealth()
        self.gradcheck = GradientCheckPanel(doc)
        from ..scrolling import scrollable

        self.addTab(scrollable(self.step_through), "Step-through")
        self.addTab(self.health, "Gradient health")
        self.addTab(scrollable(self.gradcheck), "Check gradients")
        self.setTabToolTip(4, "One sample's forward and backward pass with the real numbers, "
                              "and one gradient-descent update you can undo")
        self.setTabToolTip(5, "Plain-language warnings: vanishing or exploding gradients, "
                              "saturated units, dead ReLUs")
        self.setTabToolTip(6, "Compare backpropagation with finite differences on your network")
        self.setTabToolTip(0, "Loss and accuracy per epoch, training and validation")
        self.setTabToolTip(1, "Every weight matrix as a heatmap: orange negative, blue positive")
        self.setTabToolTip(2, "How large each layer's gradient is: vanishing and exploding "
                              "gradients show here")
        self.setTabToolTip(3, "What the network answers at every point of a 2-D input space")
        self._latest_weights: dict | None = None
        self._heatmaps_stale = False
        self._last_heatmaps = 0.0
        self._pending_rows: list[tuple] = []
        self._pending_batch: tuple[float, float] | None = None
        # Every measured step forwarded by the worker (≤ 20 a second), drawn at the next flush.
        self._pending_norms: list[tuple[int, dict]] = []
        self._norm_backlog: list[tuple[int, dict]] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(CURVE_INTERVAL_MS)
        self._flush_timer.timeout.connect(self.flush)
        self._display_model: Model | None = None
        self._display_spec: dict | None = None
        self._last_boundary = 0.0
        self._runs = 0
        controller.run_started.connect(self._on_run_started)
        controller.epochs_added.connect(self._on_epochs)
        controller.progress.connect(self._on_progress)
        controller.weights_updated.connect(self._on_weights)
        controller.run_finished.connect(lambda _r: self._refresh_boundary(force=True))
        controller.run_finished.connect(lambda _r: self._on_run_ended())
        controller.failed.connect(lambda _m: self._on_run_ended())
        doc.weights_changed.connect(self._on_document_weights)
        doc.reset.connect(self._on_reset)
        doc.loss_changed.connect(lambda _loss: self._expect_accuracy())
        doc.analysis_changed.connect(self._on_analysis)
        self.currentChanged.connect(lambda _i: self._show_latest())

    # -- data -----------------------------------------------------------------------------

    def set_teaching_data(self, x, y, class_names=None) -> None:
        """Samples for the step-through and the gradient check (the training part)."""
        if x is None or len(x) == 0:
            return
        self.step_through.set_data(x, y, class_names)
        self.gradcheck.set_data(x[:8], y[:8])

    def set_data(self, loaded) -> None:
        """A LoadedData from the Data panel (or None): 2-D data gets a decision boundary."""
        if loaded is not None:
            train = loaded.split.train
            self.set_teaching_data(train.x, train.y, loaded.dataset.class_names)
        if loaded is None or loaded.dataset.input_shape != (2,):
            self.boundary.clear("Decision boundaries are drawn for data with two input "
                                "features (the 2-D data sets).")
            self.boundary.set_predictor(None)
            return
        train, _validation, test = loaded.split
        self.boundary.set_data(train.x, train.y, test.x, test.y,
                               class_names=loaded.dataset.class_names)
        if loaded.dataset.feature_names:
            self.boundary.set_feature_names(loaded.dataset.feature_names)
        self.boundary.set_predictor(self._predict)
        self._refresh_boundary(force=True)

    # -- controller reports ---------------------------------------------------------------

    def _reports_accuracy(self) -> bool:
        return self.doc.spec.loss in CLASSIFICATION_LOSSES

    def _expect_accuracy(self) -> None:
        self.curves.expect_accuracy(self._reports_accuracy())

    def _on_reset(self) -> None:
        self._expect_accuracy()
        self._display_model = None
        self.curves.clear()
        self.gradients.clear()
        self._norm_backlog.clear()
        self._pending_norms.clear()
        self._runs = 0
        self.curves.add_epochs([  # a trained project shows its recorded curves
            (int(e["epoch"]), _num(e.get("loss")), _num(e.get("accuracy")),
             _num(e.get("val_loss")), _num(e.get("val_accuracy")))
            for e in self.doc.history
            if isinstance(e, dict) and e.get("epoch") is not None
        ])
        self._on_document_weights()

    def flush(self) -> None:
        """Draw what arrived since the last redraw (a timer calls this while training)."""
        if self._pending_rows:
            rows, self._pending_rows = self._pending_rows, []
            self.curves.add_epochs(rows)
        if self._pending_batch is not None:
            self.curves.add_batch(*self._pending_batch)
            self._pending_batch = None
        if self._pending_norms:
            rows, self._pending_norms = self._pending_norms, []
            self._norm_backlog.extend(rows)
            for step, norms in rows:
                self.health.add(step, norms)
        if self._showing(self.gradients):
            self._draw_norms()
        if self._showing(self.heatmaps):
            self._draw_heatmaps()
        if self.controller.state == "idle":
            self._flush_timer.stop()

    def _draw_norms(self) -> None:
        """The gradient plot draws only while shown; it catches up on the collected steps."""
        if self._norm_backlog:
            rows, self._norm_backlog = self._norm_backlog, []
            self.gradients.add_many(rows)

    def _on_run_ended(self) -> None:
        self.flush()
        self.curves.finish_run()

    def _on_run_started(self) -> None:
        self.flush()
        self._flush_timer.start()
        self._runs += 1
        self.curves.start_run(f"run {self._runs}", epochs=self.doc.training.epochs,
                              accuracy=self._reports_accuracy())
        self.gradients.clear()
        self._norm_backlog.clear()
        self.health.clear()

    def _on_epochs(self, records: list) -> None:
        self._pending_rows.extend((r.epoch, r.loss, r.accuracy, r.val_loss, r.val_accuracy)
                                  for r in records)

    def _on_progress(self, record) -> None:
        if record.event != "batch":
            return
        self._pending_batch = (record.epoch - 1 + record.batch / max(record.batches, 1),
                               record.loss)
        pending = self._pending_norms
        if record.grad_norms and not (pending and pending[-1][0] == record.step):
            pending.append((record.step, record.grad_norms))

    def _on_weights(self, weights: dict) -> None:
        # Only the visible view redraws; a hidden one catches up when its tab is shown.
        self._latest_weights = weights
        self._heatmaps_stale = True
        if self._showing(self.heatmaps):
            self._draw_heatmaps()
        if self._showing(self.boundary):
            self._refresh_boundary()

    def _draw_heatmaps(self, force: bool = False) -> None:
        """At most every HEATMAP_INTERVAL while training; the flush timer draws the last."""
        now = time.monotonic()
        if not self._latest_weights or not (self._heatmaps_stale or force):
            return
        if not force and now - self._last_heatmaps < HEATMAP_INTERVAL:
            return
        self._last_heatmaps = now
        self._heatmaps_stale = False
        self.heatmaps.set_weights(self._latest_weights, self._layer_order(),
                                  incremental=self.controller.state != "idle")

    def _showing(self, widget) -> bool:
        return self.currentWidget() is widget and self.isVisible()

    def _show_latest(self) -> None:
        if self.currentWidget() is self.gradients:
            self._draw_norms()
        elif self.currentWidget() is self.heatmaps:
            if not self._latest_weights and self.controller.state == "idle":
                # An untrained network: its initial weights (the training seed's), so the
                # heatmaps are laid out before a run rather than at its first snapshot.
                self._latest_weights = self._initial_weights()
            self._draw_heatmaps(force=True)
        elif self.currentWidget() is self.boundary:
            self._refresh_boundary(force=True)

    def _on_document_weights(self) -> None:
        if self.controller.state != "idle":
            return  # snapshots arrive through _on_weights
        self._latest_weights = self.doc.weights or None
        if not self.doc.weights:
            self.heatmaps.clear()
        self._show_latest()

    def _on_analysis(self) -> None:
        """A network edit while idle: an untrained network's initial weights change too."""
        if self.controller.state == "idle" and not self.doc.weights:
            self._latest_weights = None
            if self._showing(self.heatmaps):
                self._show_latest()

    # -- the boundary's model ---------------------------------------------------------------

    def _layer_order(self) -> list[str]:
        return list(self.doc.analysis.order)

    def _predict(self, points: np.ndarray) -> np.ndarray:
        model = self._model()
        if model is None:
            return np.zeros((len(points), 1), dtype=np.float32)
        return model.predict(points)

    def _initial_weights(self) -> dict | None:
        if not self.doc.analysis.ok:
            return None
        try:
            return Model(self.doc.spec, seed=self.doc.training.seed).get_weights()
        except EngineError:
            return None

    def _model(self) -> Model | None:
        """A private copy of the network with the latest weights (never the one training)."""
        spec = self.doc.spec.to_dict()
        if self._display_model is None or spec != self._display_spec:
            try:
                self._display_model = Model(self.doc.spec, seed=self.doc.training.seed)
            except EngineError:
                self._display_model = None
                return None
            self._display_spec = spec
        if self.doc.weights:
            self._display_model.set_weights(self.doc.weights, strict=False)
        return self._display_model

    def _refresh_boundary(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_boundary < BOUNDARY_INTERVAL:
            return
        self._last_boundary = now
        if self.doc.analysis.ok and self.doc.analysis.shapes.get(
                self.doc.analysis.input) == (2,):
            self.boundary.refresh()


def _num(value) -> float | None:
    return None if value is None else float(value)
