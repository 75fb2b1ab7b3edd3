"""The Data panel's import dialogs: a CSV file's target column and value handling, and the
size and colour mode for an image folder when the network does not say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.data.csvsniff import (
    column_names,
    default_target,
    detect_decimal,
    detect_delimiter,
    detect_header,
    read_sample,
    split_lines,
)
from engine.errors import DataError


def peek_csv_columns(path: str | Path) -> tuple[list[str], int]:
    """The column names of a CSV file as the loader will see them, and the default target."""
    lines = [ln for ln in read_sample(Path(path), None)[0] if ln.strip()]
    if not lines:
        raise DataError(f"{Path(path).name} has no rows")
    delimiter = detect_delimiter(lines)
    rows = [r for r in split_lines(lines[:200], delimiter) if any(c.strip() for c in r)]
    names = column_names(rows[0], detect_header(rows, detect_decimal(rows[1:], delimiter)))
    return names, default_target(names)


class _OptionsDialog(QDialog):
    def __init__(self, title: str, note: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        intro = QLabel(note)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        lay.addLayout(self.form)
        lay.addWidget(buttons)


class CsvOptionsDialog(_OptionsDialog):
    """The target column (from the file's header) and how to treat the values."""

    def __init__(self, path: str | Path, parent: QWidget | None = None) -> None:
        names, target = peek_csv_columns(path)  # DataError/OSError: the caller says why
        super().__init__("Import CSV", f"{Path(path).name}: {len(names)} columns", parent)
        self.target = QComboBox()
        self.target.addItems(names)
        self.target.setCurrentIndex(target)
        self.target.setToolTip("the column the network learns to predict")
        self.standardize = QCheckBox("Standardise features")
        self.standardize.setToolTip("scale every numeric feature to mean 0, standard deviation 1")
        self.drop_invalid = QCheckBox("Drop rows with invalid values")
        self.drop_invalid.setToolTip("leave out rows with missing or malformed values instead "
                                     "of refusing the file")
        self.form.addRow("Target", self.target)
        self.form.addRow(self.standardize)
        self.form.addRow(self.drop_invalid)

    def options(self) -> dict[str, Any]:
        return {"target": self.target.currentText(), "standardize": self.standardize.isChecked(),
                "drop_invalid": self.drop_invalid.isChecked()}


class ImageOptionsDialog(_OptionsDialog):
    """Size and channels for an image folder when the network has no image Input to follow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Import image folder", "The network has no image Input: every image is "
                         "converted to this size and colour mode.", parent)
        self.height_spin, self.width_spin = QSpinBox(), QSpinBox()
        for spin in (self.height_spin, self.width_spin):
            spin.setRange(2, 1024)
            spin.setValue(28)
            spin.setSuffix(" px")
        self.channels = QComboBox()
        self.channels.addItem("Grayscale (1 channel)", 1)
        self.channels.addItem("Colour (3 channels, RGB)", 3)
        self.form.addRow("Height", self.height_spin)
        self.form.addRow("Width", self.width_spin)
        self.form.addRow("Colour", self.channels)

    def options(self) -> dict[str, Any]:
        return {"size": (self.height_spin.value(), self.width_spin.value()),
                "channels": self.channels.currentData()}
