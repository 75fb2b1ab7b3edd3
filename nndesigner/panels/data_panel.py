"""The Data panel: choose or import a data set, split it, see what it holds and whether it fits
the network.

``DataPanel(doc)`` offers the bundled data sets (grouped, with their parameters and a seed) and
imports CSV tables, image folders and .npz archives. Loading runs off the GUI thread
(:class:`~nndesigner.workers.data_loader.DataLoader`) with a progress bar and Cancel; a failed
or cancelled load leaves the previous data in place. The split (validation and test shares,
seed, stratified) is redone on every change. Each new data set or split is stored in the
document (``doc.data = {"reference": Dataset.to_dict(), "split": Split.to_dict()}``, plus
``doc.extra["data_fingerprint"]`` and ``["split_seed"]``) and announced as
``dataset_changed(LoadedData)``; :meth:`DataPanel.restore_from_document` loads it back.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine import SpecError
from engine.data import (
    Dataset,
    DatasetSummary,
    Split,
    bundled_info,
    list_datasets,
    load_bundled,
    load_csv,
    load_image_folder,
    load_npz,
    load_reference,
    split,
)
from engine.errors import DataError

from ..document import Document
from ..scrolling import scrollable
from ..workers.data_loader import DataLoader, LoadRequest, LoadResult
from .data_fit import compatibility
from .data_import_dialogs import CsvOptionsDialog, ImageOptionsDialog
from .data_preview import ClassBars, DataPreview
from .labels import heading, text_label
from .param_editors import problem_colour
from .param_fields import INT_LIMIT, Field, IntField, field_for_param

GROUP_TITLES = {"2-D": "2-D points", "pictures": "Pictures", "tables": "Tables",
                "regression": "Regression"}
PARAM_LABELS = {"n_samples": "Samples"}
MAX_RANGES = 6
SPLIT_SEED_MAX = 999_999


@dataclass
class LoadedData:
    """The data the panel shows: the whole set, its split, and its summary."""

    dataset: Dataset
    split: Split
    summary: DatasetSummary




def _form() -> QFormLayout:
    form = QFormLayout()
    form.setContentsMargins(0, 0, 0, 0)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    return form


class DataPanel(QWidget):
    """Data set, split, summary and preview for ``doc`` (see the module docstring)."""

    #: A new data set or split: a LoadedData (None when the document has no data).
    dataset_changed = Signal(object)
    #: The user changed the data: doc.data was rewritten (the lead marks the document modified).
    data_stored = Signal()

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self._current: LoadedData | None = None
        self._reference: dict[str, Any] | None = None  # Dataset.to_dict() of the current data
        self._fields: dict[str, Field] = {}
        self._shown_set: str | None = None  # the bundled set whose fields are in the form
        self.loader = DataLoader(self)
        self.loader.progress.connect(self._on_progress)
        self.loader.finished.connect(self._on_loaded)

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(6, 6, 6, 8)
        lay.setSpacing(6)
        self._build_source(lay)
        self._build_split(lay)
        # the preview before the numbers: seeing the data is what draws people in
        lay.addWidget(heading("Preview"))
        self.preview = DataPreview()
        lay.addWidget(self.preview)
        lay.addWidget(heading("Summary"))
        self.headline = text_label()
        self.compat = text_label()
        self.compat.setTextFormat(Qt.TextFormat.RichText)
        self.bars = ClassBars()
        self.ranges = text_label()
        self.notes = text_label()
        self.warnings = text_label()
        for w in (self.headline, self.compat, self.bars, self.ranges, self.warnings, self.notes):
            lay.addWidget(w)
        lay.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrollable(body))

        doc.analysis_changed.connect(self._show_compatibility)
        self._apply_colours()
        self._show_data(None)

    # -- building ---------------------------------------------------------------------------

    def _build_source(self, lay: QVBoxLayout) -> None:
        lay.addWidget(heading("Data set"))
        self.source_form = _form()
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(8)  # the dock may be only 230 px wide
        self._model = QStandardItemModel(self.combo)
        for group in dict.fromkeys(info.group for info in list_datasets()):
            header = QStandardItem(GROUP_TITLES.get(group, group.capitalize()))
            header.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading, not a choice
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self._model.appendRow(header)
            for info in list_datasets():
                if info.group == group:
                    item = QStandardItem("   " + info.title)
                    item.setData(info.name, Qt.ItemDataRole.UserRole)
                    item.setToolTip(info.description)
                    self._model.appendRow(item)
        self.combo.setModel(self._model)
        self.combo.activated.connect(self._on_set_chosen)
        self.source_form.addRow(self._form_label("Data set"), self.combo)
        self.seed_field = IntField(0, INT_LIMIT, "the same seed makes the same data")
        self.seed_field.set_value(0)
        self.seed_field.edited.connect(self._on_param_edited)
        self.source_form.addRow(self._form_label("Seed"), self.seed_field.widget)
        lay.addLayout(self.source_form)

        row = QHBoxLayout()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("make the chosen data set with these settings")
        self.generate_button.clicked.connect(lambda: self.generate())
        self.import_button = QPushButton("Import")
        self.import_button.setToolTip("load your own data: a CSV table, a folder of images "
                                      "(one sub-folder per class) or a NumPy archive")
        menu = QMenu(self.import_button)
        self.csv_action = menu.addAction("CSV…", self.import_csv)
        self.folder_action = menu.addAction("Image folder…", self.import_image_folder)
        self.npz_action = menu.addAction("NumPy .npz…", self.import_npz)
        self.import_button.setMenu(menu)
        row.addWidget(self.generate_button)
        row.addWidget(self.import_button)
        row.addStretch(1)
        lay.addLayout(row)

        prow = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setMaximumHeight(self.fontMetrics().height() + 4)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.loader.cancel)
        prow.addWidget(self.progress, 1)
        prow.addWidget(self.cancel_button)
        self.progress_row = QWidget()
        self.progress_row.setLayout(prow)
        prow.setContentsMargins(0, 0, 0, 0)
        self.progress_row.hide()
        lay.addWidget(self.progress_row)
        self.status = text_label()
        self.report = text_label()
        lay.addWidget(self.status)
        lay.addWidget(self.report)

    def _build_split(self, lay: QVBoxLayout) -> None:
        lay.addWidget(heading("Split"))
        form = _form()
        self.val_spin, self.test_spin = QSpinBox(), QSpinBox()
        for spin, what in ((self.val_spin, "checking progress during training"),
                           (self.test_spin, "the final, untouched check")):
            spin.setRange(0, 90)
            spin.setValue(15)
            spin.setSuffix(" %")
            spin.setKeyboardTracking(False)
            spin.setToolTip(f"share of the samples kept for {what}")
            spin.valueChanged.connect(self.resplit)
        self.split_seed = QSpinBox()
        self.split_seed.setRange(0, SPLIT_SEED_MAX)
        self.split_seed.setKeyboardTracking(False)
        self.split_seed.setToolTip("which samples go where; the same seed, the same split")
        self.split_seed.valueChanged.connect(self.resplit)
        self.stratify = QCheckBox("Stratified")
        self.stratify.setChecked(True)
        self.stratify.setToolTip("every part gets the same share of each class")
        self.stratify.toggled.connect(self.resplit)
        form.addRow(self._form_label("Validation"), self.val_spin)
        form.addRow(self._form_label("Test"), self.test_spin)
        form.addRow(self._form_label("Split seed"), self.split_seed)
        form.addRow("", self.stratify)
        lay.addLayout(form)
        self.split_label = text_label()
        self.split_error = text_label()
        lay.addWidget(self.split_label)
        lay.addWidget(self.split_error)

    def _form_label(self, text: str) -> QLabel:
        # one width for the labels of every section, so that all fields line up
        label = QLabel(text)
        label.setMinimumWidth(self.fontMetrics().horizontalAdvance("Validation") + 4)
        return label

    # -- public API -------------------------------------------------------------------------

    @property
    def current(self) -> LoadedData | None:
        return self._current

    def choose_bundled(self, name: str) -> None:
        """Select the bundled set ``name`` with its default parameters and make it."""
        index = self.combo.findData(name, Qt.ItemDataRole.UserRole)
        if index < 0:
            raise KeyError(f"no bundled data set named {name!r}")
        self.combo.setCurrentIndex(index)
        self._on_set_chosen(index)

    def generate(self, from_edit: bool = False) -> None:
        """Make the chosen bundled set with the parameters and seed in the form."""
        name = self.combo.currentData(Qt.ItemDataRole.UserRole)
        if not name:
            return
        try:
            params = {p: f.value() for p, f in self._fields.items()}
            seed = self.seed_field.value()
        except SpecError as exc:
            self._show_status(str(exc), "error")
            return
        kwargs = {"name": name, "seed": seed, **params}
        # An arrow click and the focus leaving afterwards are two edits with one value
        if from_edit and self.loader.running and kwargs == self.loader.request.kwargs:
            return
        self._start(LoadRequest(bundled_info(name).title, load_bundled, kwargs))

    def import_csv(self) -> None:
        path = self._ask_open_file("CSV tables (*.csv *.tsv *.txt);;All files (*)")
        options = self._ask_csv_options(path) if path else None
        if options is not None:
            self._start(LoadRequest(Path(path).name, load_csv, {"path": path, **options}))

    def import_image_folder(self) -> None:
        path = self._ask_folder()
        if not path:
            return
        shape = self._network_image_shape()  # convert to what the network takes, if it can
        options = ({"size": shape[1:], "channels": shape[0]} if shape is not None
                   else self._ask_image_options())
        if options is not None:
            self._start(LoadRequest(Path(path).name, load_image_folder,
                                    {"path": path, **options}))

    def import_npz(self) -> None:
        path = self._ask_open_file("NumPy archives (*.npz);;All files (*)")
        if path:
            self._start(LoadRequest(Path(path).name, load_npz, {"path": path}))

    def restore_from_document(self) -> None:
        """Load the data the document refers to (after a project or template was opened):
        ``{"reference": …, "split": …}`` or a bare reference ``{"name", "source"}``."""
        data = self.doc.data or {}
        ref = data.get("reference", data if "source" in data else None)
        if not isinstance(ref, dict):
            self.loader.cancel()
            self._clear()
            return
        split_settings = dict(data.get("split") or {})
        if "seed" not in split_settings and self.doc.extra.get("split_seed") is not None:
            split_settings["seed"] = self.doc.extra["split_seed"]
        base = self.doc.path.parent if self.doc.path else None
        label = ref.get("name") or ref.get("source", {}).get("name") or "the project's data"
        self._start(LoadRequest(label, load_reference, {"reference": ref, "base_dir": base},
                                {"restore": True, "split": split_settings}))

    def resplit(self) -> None:
        """Split the current data again with the settings in the form."""
        if self._current is None:
            return
        new = self._make_split(self._current.dataset)
        if new is not None:
            self._current = LoadedData(self._current.dataset, new, self._current.summary)
            self._show_split()
            self._store(self._reference, user=True)
            self.dataset_changed.emit(self._current)

    def shutdown(self) -> None:
        """Stop a running load and wait for it (call before the application quits)."""
        self.loader.shutdown()

    # -- dialogs (small methods: tests replace them) ----------------------------------------

    def _ask_open_file(self, filter: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Import data", "", filter)
        return path

    def _ask_folder(self) -> str:
        return QFileDialog.getExistingDirectory(self, "Image folder: one sub-folder per class")

    def _ask_csv_options(self, path: str) -> dict[str, Any] | None:
        try:
            dialog = CsvOptionsDialog(path, self)
        except (DataError, OSError) as exc:
            self._show_status(f"Could not read {Path(path).name}: {exc}", "error")
            return None
        return dialog.options() if dialog.exec() else None

    def _ask_image_options(self) -> dict[str, Any] | None:
        dialog = ImageOptionsDialog(self)
        return dialog.options() if dialog.exec() else None

    # -- loading ----------------------------------------------------------------------------

    def _start(self, request: LoadRequest) -> None:
        self.progress.setRange(0, 0)  # busy until the first report
        self.progress_row.show()
        self._show_status(f"Loading {request.label}…")
        self.loader.load(request)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(min(done, total))

    def _on_loaded(self, result: LoadResult) -> None:
        self.progress_row.hide()
        label = result.request.label
        if not result.ok:
            if result.cancelled:
                self._show_status(f"Loading {label} was cancelled; the previous data stay.")
            else:
                self._show_status(f"Could not load {label}: {result.error}", "error")
            if result.request.context.get("restore"):
                self._clear()  # the project's data are missing: don't show another project's
            elif self._current is not None:
                self._sync_source(self._current.dataset)  # the form shows the data in use
            return
        ds = result.dataset
        context = result.request.context
        warning = ("The data file changed since the project was saved; using it as it is now. "
                   if result.warning else "")
        if context.get("restore"):
            new_split, note = self._restore_split(ds, context["split"])
            warning += note
        else:
            new_split = self._make_split(ds)
        if new_split is None:  # the reason is under the split settings
            self._show_status(f"{label} was not used: it cannot be split this way.", "error")
            if self._current is not None:
                self._sync_source(self._current.dataset)
            return
        self._reference = result.reference
        self._current = LoadedData(ds, new_split, result.summary)
        self._sync_source(ds)
        self._show_status(warning, "warning" if warning else "")
        self._show_data(self._current)
        restored_as_saved = context.get("restore") and not warning
        self._store(result.reference, user=not restored_as_saved)
        self.dataset_changed.emit(self._current)

    def _clear(self) -> None:
        self._current = self._reference = None
        self._show_data(None)
        self.dataset_changed.emit(None)

    def _settings(self) -> dict[str, Any]:
        return {"validation": self.val_spin.value() / 100, "test": self.test_spin.value() / 100,
                "seed": self.split_seed.value(), "stratify": self.stratify.isChecked()}

    def _make_split(self, ds: Dataset) -> Split | None:
        try:
            result = split(ds, **self._settings())
        except DataError as exc:
            self.split_error.setText(f"Cannot split: {exc}")
            self.split_error.show()
            return None
        self.split_error.hide()
        return result

    def _restore_split(self, ds: Dataset, saved: dict[str, Any]) -> tuple[Split | None, str]:
        """The saved split again, with its settings in the form."""
        def number(key: str, default: float) -> float:
            value = saved.get(key, default)
            return float(value) if isinstance(value, int | float) else default

        widgets = (self.val_spin, self.test_spin, self.split_seed, self.stratify)
        for w in widgets:
            w.blockSignals(True)
        self.val_spin.setValue(round(100 * number("validation", 0.15)))
        self.test_spin.setValue(round(100 * number("test", 0.15)))
        self.split_seed.setValue(int(number("seed", 0)))
        self.stratify.setChecked(bool(saved.get("stratify", True)) or not ds.is_classification)
        for w in widgets:
            w.blockSignals(False)
        try:
            return Split.from_dict(ds, saved), ""
        except DataError:  # changed data, or settings from elsewhere: split as the form says
            return self._make_split(ds), "The saved split could not be reproduced; split again."

    def _store(self, reference: dict[str, Any] | None, user: bool) -> None:
        if self._current is None or reference is None:
            return
        self.doc.data = {"reference": reference, "split": self._current.split.to_dict()}
        self.doc.extra["data_fingerprint"] = reference.get("fingerprint")
        self.doc.extra["split_seed"] = self.split_seed.value()
        if user:
            self.data_stored.emit()

    # -- the source form --------------------------------------------------------------------

    def _on_set_chosen(self, index: int) -> None:
        name = self.combo.itemData(index, Qt.ItemDataRole.UserRole)
        if name:
            self._show_params(name, bundled_info(name).defaults)
            self.generate()

    def _on_param_edited(self) -> None:
        changed = [f for f in (*self._fields.values(), self.seed_field) if f.is_changed()]
        if changed:
            self.generate(from_edit=True)

    def _show_params(self, name: str | None, values: dict[str, Any]) -> None:
        """Fields for the parameters of the bundled set ``name`` (none for a file)."""
        if name != self._shown_set:
            while self.source_form.rowCount() > 2:  # keep "Data set" and "Seed"
                self.source_form.removeRow(1)
            self._fields = {}
            for i, spec in enumerate(bundled_info(name).params if name else ()):
                field = field_for_param(spec)
                field.edited.connect(self._on_param_edited)
                label = PARAM_LABELS.get(spec.name, spec.name.replace("_", " ").capitalize())
                self.source_form.insertRow(1 + i, self._form_label(label), field.widget)
                self._fields[spec.name] = field
            self._shown_set = name
        for key, field in self._fields.items():
            field.set_value(values.get(key, field.value()), force=True)
        self.source_form.setRowVisible(self.seed_field.widget, name is not None)
        self.generate_button.setEnabled(name is not None)

    def _sync_source(self, ds: Dataset) -> None:
        """Show where ``ds`` came from: its bundled set and settings, or its file."""
        src = ds.source
        if self._model.item(0).data(Qt.ItemDataRole.UserRole) == "":
            self._model.removeRow(0)  # the previous file's entry
        if src.get("type") == "bundled":
            self.combo.setCurrentIndex(self.combo.findData(src["name"], Qt.ItemDataRole.UserRole))
            self._show_params(src["name"], src.get("params", {}))
            self.seed_field.set_value(src.get("seed", 0), force=True)
        else:
            item = QStandardItem(f"From file: {Path(src.get('path', ds.name)).name}")
            item.setData("", Qt.ItemDataRole.UserRole)
            item.setToolTip(str(src.get("path", "")))
            self._model.insertRow(0, item)
            self.combo.setCurrentIndex(0)
            self._show_params(None, {})
        self.stratify.setEnabled(ds.is_classification)

    # -- showing ----------------------------------------------------------------------------

    def _show_status(self, text: str, severity: str = "") -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
        self.status.setProperty("severity", severity)
        self._colour(self.status, severity)

    def _colour(self, label: QLabel, severity: str) -> None:
        pal = self.palette()
        colour = (problem_colour(severity, pal) if severity
                  else pal.color(QPalette.ColorRole.WindowText))
        lp = label.palette()
        lp.setColor(QPalette.ColorRole.WindowText, colour)
        label.setPalette(lp)

    def _apply_colours(self) -> None:
        self._colour(self.status, self.status.property("severity") or "")
        for label in (self.report, self.warnings):
            self._colour(label, "warning")
        self._colour(self.split_error, "error")
        pal = self.notes.palette()
        pal.setColor(QPalette.ColorRole.WindowText,
                     self.palette().color(QPalette.ColorRole.PlaceholderText))
        self.notes.setPalette(pal)
        self.preview.apply_palette()
        self._show_compatibility()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # light ↔ dark: recolour
            self._apply_colours()

    def _show_data(self, loaded: LoadedData | None) -> None:
        self.preview.set_data(loaded.dataset if loaded else None)
        for w in (self.bars, self.ranges, self.notes, self.warnings, self.report):
            w.hide()
        if loaded is None:
            self.headline.setText("No data loaded: choose a data set above or import one.")
            self.split_label.setText("")
            self._show_compatibility()
            return
        ds, s = loaded.dataset, loaded.summary
        shape = ds.input_shape
        what = (f"{shape[0]} feature{'s' * (shape[0] != 1)}" if len(shape) == 1
                else f"{'×'.join(map(str, shape))} images")
        kind = (f"{ds.n_classes} classes" if ds.is_classification
                else f"regression, {ds.n_outputs} target{'s' * (ds.n_outputs != 1)}")
        self.headline.setText(f"<b>{html.escape(ds.name)}</b>: {len(ds):,} samples · {what} · "
                              f"{kind}")
        if s.class_names and s.class_counts:
            self.bars.set_counts(s.class_names, s.class_counts)
            self.bars.show()
        stats = [*(s.feature_stats if not ds.is_image else s.feature_stats[:3]),
                 *({**t, "name": f"target {t['name']}"} for t in s.target_stats or [])]
        lines = [f"{t['name']}: {t['min']:.4g} … {t['max']:.4g}" for t in stats]
        if lines:
            more = len(lines) - MAX_RANGES
            self.ranges.setText("\n".join(lines[:MAX_RANGES]
                                          + ([f"… and {more} more"] if more > 0 else [])))
            self.ranges.setToolTip("\n".join(lines) if more > 0 else "")
            self.ranges.show()
        self._set_lines(self.notes, s.notes, "")
        self._set_lines(self.warnings, [f"Warning: {w.message}" for w in s.warnings],
                        "\n".join(f"{w.message}\nFix: {w.fix}" for w in s.warnings))
        self._show_report(ds)
        self._show_split()
        self._show_compatibility()

    @staticmethod
    def _set_lines(label: QLabel, lines: list[str], tip: str) -> None:
        label.setText("\n".join(lines))
        label.setToolTip(tip)
        label.setVisible(bool(lines))

    def _show_report(self, ds: Dataset) -> None:
        rep, parts, details = ds.report, [], []
        if rep.skipped:
            parts.append(f"{len(rep.skipped)} file(s) skipped")
            details += [f"{f} — {why}" for f, why in rep.skipped[:40]]
        if rep.dropped:
            parts.append(f"{rep.dropped} row(s) with invalid values dropped")
            details.append("dropped lines: " + ", ".join(map(str, rep.dropped_lines[:40])))
        self._set_lines(self.report, [f"Warning: {'; '.join(parts)} (details)"] if parts else [],
                        "\n".join(details))

    def _show_split(self) -> None:
        if self._current is None:
            return
        c = self._current.split.to_dict()["counts"]
        self.split_label.setText(f"Train {c['train']:,} · validation {c['validation']:,} · "
                                 f"test {c['test']:,}")

    def _show_compatibility(self) -> None:
        if self._current is None:
            self.compat.hide()
            return
        bad = problem_colour("error", self.palette()).name()
        lines = [_esc(text) if ok else f"<span style='color:{bad}'>{_esc(text)}"
                 "</span>" for ok, text in compatibility(self._current.dataset, self.doc)]
        self.compat.setText("<br>".join(lines))
        self.compat.show()

    def _network_image_shape(self) -> tuple[int, int, int] | None:
        a = self.doc.analysis
        shape = a.shapes.get(a.input) if a.input else None
        if shape is not None and len(shape) == 3 and shape[0] in (1, 3):
            return tuple(int(d) for d in shape)  # type: ignore[return-value]
        return None


def _esc(text: str) -> str:
    return html.escape(text, quote=False)  # apostrophes stay readable in the label's text
