"""TabularForm: type one sample's feature values for a network with a flat Input.

    form = TabularForm()
    form.configure(n_features=5, preprocessing=prep, feature_names=names, stats=stats)
    form.changed.connect(predict)
    x = form.inputs()                  # float32 (1, F), preprocessed as training was

With a ``"table"`` preprocessing (a CSV file or a bundled table) the form asks for the raw
columns — numbers as in the file, a list for each categorical column — and applies the
preprocessing (scaling, one-hot) itself, so the user types "age 34", not "0.239". Otherwise
there is one number field per feature (``x1``, ``x2`` for the 2-D sets). Each numeric field
shows the training data's range next to it and starts at the data's mean.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.data import apply_preprocessing

MAX_FIELDS = 64  # beyond this a form is no way to enter a sample
LIMIT = 1e12


def _fmt(v: float) -> str:
    """11,850 rather than 1.185e+04; 0.25 and 3.142 as they are."""
    return f"{v:,.0f}" if 1000 <= abs(v) < 1e12 else f"{v:.4g}"


class TabularForm(QWidget):
    """One field per input column (see the module docstring)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._prep: dict[str, Any] | None = None
        self._fields: list[tuple[str, QWidget]] = []
        self.n_features = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel()
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        self._form_host = QWidget()
        lay.addWidget(self._form_host)
        self._form = QFormLayout(self._form_host)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

    # -- building -------------------------------------------------------------------------

    def configure(self, n_features: int, preprocessing: dict[str, Any] | None = None,
                  feature_names: list[str] | None = None,
                  stats: list[dict[str, Any]] | None = None) -> None:
        """Fields for ``n_features`` inputs. ``stats`` are the data summary's per-feature
        dicts (name, min, max, mean), in the network's input units."""
        while self._form.rowCount():
            self._form.removeRow(0)
        self._fields = []
        self.n_features = int(n_features)
        prep = preprocessing if isinstance(preprocessing, dict) else None
        table = prep is not None and prep.get("type") == "table" and "features" in prep \
            and len(prep.get("feature_names", [])) == n_features
        self._prep = prep if table else None
        if n_features > MAX_FIELDS:
            self.note.setText(f"The network takes {n_features} numbers: too many to type in "
                              "here. Use Evaluate, or a file with the command line.")
            self.note.show()
            return
        self.note.hide()
        if table:
            self._build_table(prep, stats or [])
        else:
            names = feature_names if feature_names and len(feature_names) == n_features \
                else [f"x{i + 1}" for i in range(n_features)]
            by_name = {s.get("name"): s for s in stats or []}
            for i, name in enumerate(names):
                s = by_name.get(name) or (stats[i] if stats and i < len(stats) else None)
                self._add_number(name, s, 0.0, 1.0)

    def _build_table(self, prep: dict[str, Any], stats: list[dict[str, Any]]) -> None:
        by_name = {s.get("name"): s for s in stats}
        for f in prep["features"]:
            if f["kind"] == "numeric":
                self._add_number(f["name"], by_name.get(f["name"]),
                                 float(f.get("offset", 0.0)), float(f.get("scale", 1.0)))
            else:
                combo = QComboBox()
                combo.addItems([str(c) for c in f["categories"]])
                combo.currentIndexChanged.connect(self.changed)
                self._form.addRow(f["name"], combo)
                self._fields.append((f["name"], combo))

    def _add_number(self, name: str, stat: dict[str, Any] | None, offset: float,
                    scale: float) -> None:
        """A number field in raw units (x = (raw − offset) / scale, so raw = x·scale + offset)."""
        spin = QDoubleSpinBox()
        spin.setRange(-LIMIT, LIMIT)
        # the huge range would make the box as wide as "1000000000000.0000": the dock is narrow
        spin.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        spin.setMinimumWidth(70)
        spin.setKeyboardTracking(False)
        hint = QLabel()
        hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        if stat is not None and all(math.isfinite(stat.get(k, math.nan))
                                    for k in ("min", "max", "mean")):
            lo, hi = stat["min"] * scale + offset, stat["max"] * scale + offset
            mean = stat["mean"] * scale + offset
            span = abs(hi - lo) or 1.0
            decimals = max(0, min(6, 3 - math.floor(math.log10(span))))
            spin.setDecimals(decimals)
            spin.setSingleStep(10 ** -max(0, decimals - 1) if decimals else
                               max(1.0, round(span / 50)))
            spin.setValue(round(mean, decimals))
            hint.setText(f"{_fmt(lo)} … {_fmt(hi)}")
            hint.setToolTip("The range of this column in the training data")
        else:
            spin.setDecimals(4)
            spin.setSingleStep(0.1)
            hint.setText("")
        spin.valueChanged.connect(self.changed)
        row = QWidget()
        h = QVBoxLayout(row)  # the range under the box: a narrow dock has no room beside it
        h.setContentsMargins(0, 0, 0, 2)
        h.setSpacing(0)
        h.addWidget(spin)
        if hint.text():
            h.addWidget(hint)
        self._form.addRow(name, row)
        self._fields.append((name, spin))

    # -- values ---------------------------------------------------------------------------

    def field(self, name: str) -> QWidget:
        return dict(self._fields)[name]

    def set_values(self, values: dict[str, Any]) -> None:
        """Set fields by name (numbers, or category texts); emits ``changed`` once."""
        self.blockSignals(True)
        try:
            for name, value in values.items():
                w = self.field(name)
                if isinstance(w, QComboBox):
                    w.setCurrentText(str(value))
                else:
                    w.setValue(float(value))
        finally:
            self.blockSignals(False)
        self.changed.emit()

    def raw_values(self) -> dict[str, Any]:
        return {name: (w.currentText() if isinstance(w, QComboBox) else w.value())
                for name, w in self._fields}

    def inputs(self) -> np.ndarray:
        """The sample as the network's input (1, F) float32; DataError when it cannot be."""
        raw = self.raw_values()
        if self._prep is not None:
            return apply_preprocessing([raw], self._prep)
        if len(raw) != self.n_features:
            return np.zeros((1, self.n_features), dtype=np.float32)
        return np.array([list(raw.values())], dtype=np.float32)
