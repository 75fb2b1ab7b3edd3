"""Classify a folder: every image in it (and its sub-folders) through the network.

    dialog = BatchClassifyDialog(doc, parent, dataset=loaded.dataset)   # dataset optional
    dialog.show()              # "Choose folder…" asks, or call dialog.classify_folder(path)
    dialog.finished_classifying.connect(...)    # rows in dialog.rows, shown in dialog.table

The images are read, prepared exactly as the training images were (see
:func:`~nndesigner.panels.use_common.prepare_image`) and predicted in batches in a worker
thread — the model is a copy, so training may go on — with a progress bar (at most 20 updates
per second) and Cancel. The table has one row per image file: a thumbnail of what the network
saw, the file, the answer and its confidence (unreadable files say why). Columns sort by a
click on their header; "Export CSV…" writes the rows atomically (file, label, confidence,
one probability column per class, error).
"""

from __future__ import annotations

import csv
import io
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, QThread, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import DataError, EngineError
from engine.data import IMAGE_EXTENSIONS
from engine.io import write_bytes_atomic

from ..canvas.style import ERROR
from .use_common import (
    class_names_for,
    image_preprocessing_for,
    input_shape,
    output_view,
    prepare_image,
    scaled_pixmap,
)

PROGRESS_INTERVAL = 0.05  # s: at most 20 progress signals per second
BATCH = 64
THUMB = 40


@dataclass
class BatchRow:
    """One image file's result: an answer with its confidence, or why there is none."""

    path: Path
    name: str  # relative to the folder
    label: str = ""
    confidence: float | None = None
    probabilities: list[float] = field(default_factory=list)
    error: str = ""  # why there is no answer
    note: str = ""  # a remark on the answer (an elongated picture was stretched)
    thumbnail: np.ndarray | None = None


def image_files(folder: Path) -> list[Path]:
    """Every image file under ``folder`` (hidden files and folders skipped), sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [Path(dirpath) / f for f in sorted(filenames)
                  if not f.startswith(".") and Path(f).suffix.lower() in IMAGE_EXTENSIONS]
    return found


def classify_files(model: Any, folder: Path, files: list[Path], shape: tuple[int, ...],
                   prep: dict[str, Any], names: list[str], cancelled: threading.Event,
                   progress=None) -> list[BatchRow]:
    """Predict every file (pure NumPy and Pillow: runs in any thread)."""
    rows = [BatchRow(f, f.relative_to(folder).as_posix()) for f in files]
    for start in range(0, len(rows), BATCH):
        if cancelled.is_set():
            break
        chunk = rows[start : start + BATCH]
        xs, good = [], []
        for row in chunk:
            try:
                x, note = prepare_image(row.path, shape, prep)
            except DataError as exc:
                row.error = str(exc)
                continue
            row.note = note
            row.thumbnail = x[0]
            xs.append(x[0])
            good.append(row)
        if xs:
            out = model.predict(np.stack(xs))
            for row, o in zip(good, out, strict=True):
                view = output_view(model.spec.loss, o)
                if view.probabilities is None:
                    row.label = ", ".join(f"{v:.4g}" for v in view.values[:4])
                else:
                    row.label = names[view.top] if view.top < len(names) else str(view.top)
                    row.confidence = float(view.probabilities[view.top])
                    row.probabilities = [float(p) for p in view.probabilities]
        if progress is not None:
            progress(min(start + BATCH, len(rows)), len(rows))
    return rows


class _Worker(QThread):
    progressed = Signal(int, int)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, job, parent=None) -> None:
        super().__init__(parent)
        self._job = job
        self.cancel_event = threading.Event()
        self._last = -1.0

    def _progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            self.progressed.emit(done, total)

    def run(self) -> None:
        try:
            rows = self._job(self.cancel_event, self._progress)
        except (EngineError, ValueError, OSError, MemoryError) as exc:
            self.failed.emit(str(exc) or type(exc).__name__)
        else:
            self.done.emit(rows)


class _SortItem(QTableWidgetItem):
    """Sorts by a number (confidence) instead of its text; empty cells last."""

    def __init__(self, text: str, key: float) -> None:
        super().__init__(text)
        self.key = key

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return self.key < getattr(other, "key", -1.0)


class BatchClassifyDialog(QDialog):
    """Classify every image of a folder (see the module docstring)."""

    finished_classifying = Signal()
    COLUMNS = ("", "file", "label", "confidence")

    def __init__(self, doc: Any, parent: QWidget | None = None, dataset: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Classify a folder")
        self.doc = doc
        self.dataset = dataset
        self.folder: Path | None = None
        self.rows: list[BatchRow] = []
        self.class_names: list[str] = []
        self.worker: _Worker | None = None
        self.choose_button = QPushButton("Choose folder…")
        self.choose_button.clicked.connect(self.choose_folder)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.progress = QProgressBar()
        self.progress.hide()
        self.status = QLabel("Choose a folder of images: each is classified by the network.")
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        top = QHBoxLayout()
        for w in (self.choose_button, self.cancel_button, self.export_button):
            top.addWidget(w)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        self.resize(560, 480)

    # -- asking (tests replace these) -------------------------------------------------------

    def _ask_folder(self) -> str | None:
        return QFileDialog.getExistingDirectory(self, "Classify the images in") or None

    def _ask_csv_path(self) -> str | None:
        suggested = f"{self.folder.name if self.folder else 'predictions'}_predictions.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export predictions", suggested,
                                              "CSV files (*.csv)")
        return path or None

    # -- running ----------------------------------------------------------------------------

    def choose_folder(self) -> None:
        path = self._ask_folder()
        if path:
            self.classify_folder(path)

    def classify_folder(self, path: str | Path) -> bool:
        """Start classifying; False (and a message) when it cannot start."""
        if self.worker is not None:
            return False
        folder = Path(path)
        shape = input_shape(self.doc)
        problem = ""
        if shape is None or len(shape) != 3:
            problem = "The network does not take images: Classify a folder needs an image network."
        elif not self.doc.analysis.ok:
            problem = "The network has problems: fix them on the canvas first."
        elif not folder.is_dir():
            problem = f"{folder}: no such folder."
        if problem:
            self._say(problem, error=True)
            return False
        files = image_files(folder)
        if not files:
            self._say(f"{folder.name} holds no .png, .jpg, .bmp or .gif images.", error=True)
            return False
        try:
            model = self.doc.build_model()  # a copy: safe in the worker
        except (EngineError, ValueError) as exc:
            self._say(f"The network cannot be built: {exc}", error=True)
            return False
        prep = image_preprocessing_for(self.doc, shape, self.dataset)
        units = int(np.prod(model.output_shape))
        self.class_names = class_names_for(self.doc, self.dataset, max(units, 2))
        self.folder = folder
        names = self.class_names

        def job(cancelled, progress):
            return classify_files(model, folder, files, shape, prep, names, cancelled, progress)

        self.worker = _Worker(job, self)
        self.worker.progressed.connect(self._on_progress)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(lambda msg: self._say(msg, error=True))
        self.worker.finished.connect(self._on_finished)
        self.progress.setRange(0, len(files))
        self.progress.setValue(0)
        self.progress.show()
        self._say(f"Classifying {len(files):,} images in {folder.name}…")
        self.choose_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.worker.start()
        return True

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel_event.set()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _on_done(self, rows: list[BatchRow]) -> None:
        cancelled = self.worker is not None and self.worker.cancel_event.is_set()
        self.rows = [r for r in rows if r.label or r.error]
        self._fill_table()
        bad = sum(1 for r in self.rows if not r.label)
        good = len(self.rows) - bad
        text = f"{good:,} images classified" if not cancelled else \
            f"Cancelled: {good:,} of {len(rows):,} images classified"
        self._say(text + (f"; {bad} could not be read" if bad else "") + ".")
        self.export_button.setEnabled(bool(self.rows))

    def _on_finished(self) -> None:
        if self.worker is not None:
            self.worker.deleteLater()
        self.worker = None
        self.progress.hide()
        self.choose_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.finished_classifying.emit()

    def _fill_table(self) -> None:
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            thumb = QTableWidgetItem()
            if row.thumbnail is not None:
                thumb.setIcon(QIcon(scaled_pixmap(row.thumbnail, THUMB)))
            self.table.setItem(r, 0, thumb)
            name = QTableWidgetItem(row.name)
            remark = row.error or row.note
            name.setToolTip(str(row.path) + (f"\n{remark}" if remark else ""))
            self.table.setItem(r, 1, name)
            label = QTableWidgetItem(row.label or "unreadable")
            if row.error:
                label.setToolTip(row.error)
                label.setForeground(ERROR)  # red: a problem with this file
            self.table.setItem(r, 2, label)
            conf = row.confidence
            item = _SortItem(f"{100 * conf:.1f} %" if conf is not None else "",
                             conf if conf is not None else -1.0)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, 3, item)
            self.table.setRowHeight(r, THUMB + 4)
        self.table.setSortingEnabled(True)
        self.table.sortItems(1)  # by file name until the user clicks another header

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #d32f2f" if error else "")

    # -- export -----------------------------------------------------------------------------

    def csv_text(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        probs = [f"p({n})" for n in self.class_names] if any(r.probabilities
                                                              for r in self.rows) else []
        writer.writerow(["file", "label", "confidence", *probs, "error"])
        for row in self.rows:
            p = [f"{v:.6g}" for v in row.probabilities] or [""] * len(probs)
            conf = f"{row.confidence:.6g}" if row.confidence is not None else ""
            writer.writerow([row.name, row.label, conf, *p[: len(probs)], row.error])
        return buf.getvalue()

    def export_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the rows as CSV (atomically); ask for the file when ``path`` is None."""
        if path is None:
            path = self._ask_csv_path()
            if not path:
                return None
        target = Path(path)
        try:
            write_bytes_atomic(target, self.csv_text().encode("utf-8"))
        except OSError as exc:
            self._say(f"Could not write {target.name}: {exc.strerror or exc}", error=True)
            return None
        self._say(f"Saved {len(self.rows):,} rows to {target.name}.")
        return target

    def _stop(self) -> None:
        """Cancel a running classification and wait for its thread (before closing)."""
        self.cancel()
        if self.worker is not None:
            self.worker.wait()

    def closeEvent(self, event) -> None:
        self._stop()
        super().closeEvent(event)

    def reject(self) -> None:  # Esc closes without a closeEvent
        self._stop()
        super().reject()
