"""The Evaluate panel: how good is the trained network, and where does it go wrong?

    panel = EvaluatePanel(doc)
    panel.set_data(loaded)        # DataPanel.dataset_changed (LoadedData or None)
    panel.evaluate()              # also the Evaluate button; `evaluated` fires when shown

"Evaluate on" the test, validation or training split, or another data set (a CSV file, an
``.npz``, a folder of class folders — prepared as the training data were). Classifiers get
accuracy and loss, a :class:`~nndesigner.plots.confusion.ConfusionMatrixView` (click a cell to
list its samples below, most confident first), precision, recall and F1 per class, and a
"Misclassified" list of every wrong answer, the most confidently wrong first. Regression gets
MSE, MAE, R² and predicted against true values. More than 5,000 samples are evaluated in a
worker thread, so the window stays responsive.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from engine import EngineError

from ..plots.colours import SERIES_COLOURS, style_plot, theme_of
from ..plots.confusion import ConfusionMatrixView
from ..scrolling import FitLayout
from .evaluation import Evaluation, evaluate_model, load_other
from .sample_list import ClassScoresTable, SampleList
from .use_common import class_names_for, input_shape, reference

THREAD_ABOVE = 5000  # samples: more are evaluated off the GUI thread
MAX_SCATTER = 5000
CHOICES = [("test", "test split"), ("validation", "validation split"),
           ("train", "training split"), ("other", "another data set…")]


class _Job(QThread):
    """Runs one function in a thread; ``done(result)`` or ``failed(message)``."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn, parent=None) -> None:
        super().__init__(parent)
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn()
        except (EngineError, ValueError, OSError, MemoryError) as exc:
            self.failed.emit(str(exc) or type(exc).__name__)
        else:
            self.done.emit(result)


class EvaluatePanel(QWidget):
    """Evaluate the network on a data set (see the module docstring)."""

    #: An evaluation is shown (its :class:`Evaluation`).
    evaluated = Signal(object)
    #: An evaluation could not be done (the message is also shown in the panel).
    failed = Signal(str)

    def __init__(self, doc: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.loaded = None
        self.result: Evaluation | None = None
        self.other_path: str | None = None
        self._job: _Job | None = None
        self._untrained_note = ""
        self._build()
        self._update_choices()

    def _build(self) -> None:
        self.choice = QComboBox()
        for key, text in CHOICES:
            self.choice.addItem(text, key)
        self.choice.activated.connect(self._on_choice)
        self.run_button = QPushButton("Evaluate")
        self.run_button.clicked.connect(self._on_run_clicked)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Evaluate on:"))
        top.addWidget(self.choice)
        top.addWidget(self.run_button)
        top.addWidget(self.status, 1)
        self.headline = QLabel("Train the network, then evaluate it on data it has not seen.")
        self.headline.setWordWrap(True)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.headline.setFont(font)

        self.matrix = ConfusionMatrixView()
        self.matrix.cell_clicked.connect(self.show_cell)
        self.matrix.caption.hide()  # the headline above says the accuracy
        self.scores = ClassScoresTable()
        upper = QSplitter()
        upper.addWidget(self.matrix)
        upper.addWidget(self.scores)
        upper.setStretchFactor(0, 1)
        upper.setStretchFactor(1, 1)
        self.cell_list = SampleList()
        self.wrong_list = SampleList()
        self.samples = QTabWidget()
        self.samples.addTab(self.cell_list, "Cell")
        self.samples.addTab(self.wrong_list, "Misclassified")
        # Side by side: the bottom dock is wide and short, and the matrix then gets its
        # whole height.
        classification = QSplitter()
        classification.addWidget(upper)
        classification.addWidget(self.samples)
        classification.setStretchFactor(0, 3)
        classification.setStretchFactor(1, 2)

        self.scatter = pg.PlotWidget()
        self.scatter.setMenuEnabled(False)
        self.scatter.setLabel("bottom", "true value")
        self.scatter.setLabel("left", "predicted value")
        self.points = pg.ScatterPlotItem(size=5, pen=None)
        self.diagonal = pg.PlotDataItem()
        self.scatter.addItem(self.diagonal)
        self.scatter.addItem(self.points)
        self.pages = QStackedWidget()
        self.pages.addWidget(classification)
        self.pages.addWidget(self.scatter)

        lay = FitLayout(self)  # the matrix fits the dock instead of scrolling out of it
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(top)
        lay.addWidget(self.headline)
        lay.addWidget(self.pages, 1)

    # -- data ---------------------------------------------------------------------------------

    def set_data(self, loaded: Any) -> None:
        """The Data panel's LoadedData (None: only "another data set" remains)."""
        self.loaded = loaded
        self._update_choices()

    def _update_choices(self) -> None:
        split = getattr(self.loaded, "split", None)
        model = self.choice.model()
        for row, (key, text) in enumerate(CHOICES):
            if key == "other":
                continue
            part = getattr(split, key, None) if split is not None else None
            n = len(part) if part is not None else 0
            self.choice.setItemText(row, f"{text} ({n:,})" if split is not None else text)
            model.item(row).setEnabled(n > 0)
        current = self.choice.currentIndex()
        stuck = self.choice.currentData() == "other" and not self.other_path
        if stuck or not model.item(current).isEnabled():
            enabled = [r for r in range(len(CHOICES)) if model.item(r).isEnabled()]
            self.choice.setCurrentIndex(enabled[0] if enabled else len(CHOICES) - 1)

    def _ask_data_path(self) -> str | None:
        """Ask for a CSV / .npz file or an image folder (tests replace this)."""
        menu = QMenu(self)
        file_action = menu.addAction("A CSV or .npz file…")
        folder_action = menu.addAction("A folder of class folders (images)…")
        chosen = menu.exec(self.choice.mapToGlobal(self.choice.rect().bottomLeft()))
        if chosen is file_action:
            path, _ = QFileDialog.getOpenFileName(self, "Evaluate on", "",
                                                  "Data (*.csv *.npz);;All files (*)")
            return path or None
        if chosen is folder_action:
            return QFileDialog.getExistingDirectory(self, "Evaluate on a folder") or None
        return None

    def _on_choice(self, _row: int = 0) -> None:
        if self.choice.currentData() == "other":
            path = self._ask_data_path()
            if path:
                self.other_path = path
                self.choice.setItemText(len(CHOICES) - 1, f"{Path(path).name}…")
                self.evaluate()

    # -- running ------------------------------------------------------------------------------

    def _on_run_clicked(self) -> None:
        if self.choice.currentData() == "other" and not self.other_path:
            self._on_choice()  # asks for the data, then evaluates
        else:
            self.evaluate()

    def evaluate(self) -> None:
        """Evaluate on the chosen data (in a thread when there are many samples)."""
        if self._job is not None:
            return
        if not self.doc.analysis.ok:
            return self._fail("The network has problems: fix them on the canvas first.")
        try:
            model = self.doc.build_model()
        except (EngineError, ValueError) as exc:
            return self._fail(f"The network cannot be built: {exc}")
        key = self.choice.currentData()
        ref = reference(self.doc)
        project_classes = ref.get("class_names") or self.doc.extra.get("imported_class_names")
        if key == "other":
            if not self.other_path:
                return self._fail("Choose the other data set first.")
            path, shape = self.other_path, input_shape(self.doc)
            prep = ref.get("preprocessing") or getattr(
                getattr(self.loaded, "dataset", None), "preprocessing", None)
            label = Path(path).name

            def job():
                ds = load_other(path, shape, prep, project_classes)
                return evaluate_model(model, ds, label, project_classes)
            big = True  # a file's size is unknown until it is read
        else:
            split = getattr(self.loaded, "split", None)
            ds = getattr(split, key, None) if split is not None else None
            if ds is None or len(ds) == 0:
                return self._fail("Choose a data set in the Data panel first.")
            label = dict(CHOICES)[key]

            def job():
                return evaluate_model(model, ds, label, project_classes)
            big = len(ds) > THREAD_ABOVE
        note = "" if self.doc.weights else " The network is untrained: its weights are random."
        self._untrained_note = note
        if not big:
            try:
                result = job()
            except (EngineError, ValueError) as exc:
                return self._fail(str(exc))
            return self._show(result)
        self.status.setText("Evaluating…")
        self.run_button.setEnabled(False)
        self._job = _Job(job, self)
        self._job.done.connect(self._on_job_done)
        self._job.failed.connect(self._on_job_failed)
        self._job.finished.connect(self._job_finished)
        self._job.start()

    def _on_job_done(self, result: Evaluation) -> None:
        self._show(result)

    def _on_job_failed(self, message: str) -> None:
        self._fail(message)

    def _job_finished(self) -> None:
        if self._job is not None:
            self._job.deleteLater()
        self._job = None
        self.run_button.setEnabled(True)

    def shutdown(self) -> None:
        """Wait for a running evaluation (the lead calls this when the window closes)."""
        if self._job is not None:
            self._job.wait()

    def _fail(self, message: str) -> None:
        self.status.setText(message)
        self.status.setStyleSheet("color: #d32f2f")
        self.failed.emit(message)

    # -- showing ------------------------------------------------------------------------------

    def _show(self, ev: Evaluation) -> None:
        self.result = ev
        self.status.setStyleSheet("")
        self.status.setText(self._untrained_note.strip())
        loss = f"loss {ev.loss:.4g}" if ev.loss is not None else ""
        if ev.kind == "classification":
            k = ev.report["confusion_matrix"].shape[0]
            ev.class_names = class_names_for(self.doc, ev.dataset, k)
            self.headline.setText(f"<b>Accuracy {100 * ev.accuracy:.1f} %</b> · {loss} · "
                                  f"{ev.n:,} samples ({ev.label})")
            self.matrix.set_matrix(ev.report["confusion_matrix"], ev.class_names)
            self.scores.show_scores(ev.report["per_class"], ev.class_names)
            wrong = ev.misclassified()
            self.wrong_list.show_samples(ev, wrong, wrong_only=True)
            self.samples.setTabText(1, f"Misclassified ({len(wrong):,})")
            self.cell_list.show_samples(ev, np.zeros(0, dtype=np.int64))
            self.samples.setTabText(0, "Cell")
            self.cell_list.set_message("Click a cell of the confusion matrix to see its samples.")
            self.pages.setCurrentIndex(0)
        else:
            s = ev.scores or {}
            self.headline.setText(f"<b>R² {s.get('r2', float('nan')):.3f}</b> · MSE "
                                  f"{s.get('mse', float('nan')):.4g} · MAE "
                                  f"{s.get('mae', float('nan')):.4g} · {loss} · "
                                  f"{ev.n:,} samples ({ev.label})")
            self._show_scatter(ev)
            self.pages.setCurrentIndex(1)
        self.evaluated.emit(ev)

    def show_cell(self, true_k: int, pred_k: int) -> None:
        """List the samples of one confusion-matrix cell, most confident first."""
        ev = self.result
        if ev is None or ev.kind != "classification":
            return
        idx = ev.cell(true_k, pred_k)
        names = ev.class_names
        self.cell_list.show_samples(ev, idx, wrong_only=true_k != pred_k)
        self.samples.setTabText(0, f"True {names[true_k]} → predicted {names[pred_k]} "
                                   f"({len(idx):,})")
        self.samples.setCurrentIndex(0)

    def _show_scatter(self, ev: Evaluation) -> None:
        th = theme_of(self)
        self.scatter.setBackground(th.bg)
        style_plot(self.scatter.getPlotItem(), th)
        t = np.asarray(ev.y, dtype=np.float64).reshape(ev.n, -1)[:, 0]
        p = np.asarray(ev.outputs, dtype=np.float64).reshape(ev.n, -1)[:, 0]
        if len(t) > MAX_SCATTER:  # a random subset looks the same and draws fast
            keep = np.random.default_rng(0).choice(len(t), MAX_SCATTER, replace=False)
            t, p = t[keep], p[keep]
        colour = pg.mkColor(SERIES_COLOURS[0])
        colour.setAlphaF(0.6)
        self.points.setData(t, p, brush=pg.mkBrush(colour))
        if len(t):
            lo, hi = float(min(t.min(), p.min())), float(max(t.max(), p.max()))
            pen = pg.mkPen(th.muted, width=1, style=Qt.PenStyle.DashLine)
            self.diagonal.setData([lo, hi], [lo, hi], pen=pen)
