"""Field widgets for the Properties panel: one editor per kind of value, chosen from a
:class:`engine.ParamSpec` (or an activation's :class:`~engine.activations.Option`).

A :class:`Field` wraps one Qt widget and reports ``edited`` once per *finished* edit — Return,
focus leaving, an arrow click, a combo pick, a tick — never per keystroke, so typing "128" is
one edit, not three. It remembers what it last showed from the document, so that

* :meth:`Field.is_changed` tells a real edit from focus merely passing through, and
* :meth:`Field.set_value` leaves the widget alone when the document value has not changed,
  which keeps half-typed text intact while other parts of the panel refresh.

Fields never touch the document: the panel turns an edit into an undoable command.
"""

from __future__ import annotations

import math
import re
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from engine import ParamSpec, SpecError
from engine.activations import Option

INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int
_NUMBER_SEPARATORS = re.compile(r"\s*[×xX*,]\s*|\s+")


class Field(QObject):
    """One value in one widget. Subclasses implement ``_write`` and ``_read``."""

    edited = Signal()

    def __init__(self, widget: QWidget, help_text: str = "") -> None:
        super().__init__(widget)  # lives exactly as long as its widget
        self.widget = widget
        widget.setToolTip(help_text)
        self._source: Any = object()  # nothing shown yet: the first set_value always writes
        self._baseline: Any = None
        if isinstance(widget, QSpinBox | QDoubleSpinBox | QComboBox):
            # Scrolling the panel over a spin box or combo must scroll, not edit.
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            widget.installEventFilter(self)

    def set_value(self, value: Any, force: bool = False) -> None:
        """Show ``value`` from the document (signals blocked). Without ``force`` the widget is
        untouched if this value is already the one shown."""
        if not force and value == self._source:
            return
        was_blocked = self.widget.blockSignals(True)
        try:
            self._write(value)
        finally:
            self.widget.blockSignals(was_blocked)
        self._source = value
        self._baseline = self._read()

    def revert(self) -> None:
        """Show the last document value again, dropping what was typed."""
        self.set_value(self._source, force=True)

    def value(self) -> Any:
        """The value in the widget; raises SpecError when typed text cannot be read."""
        return self._read()

    def is_changed(self) -> bool:
        try:
            return self._read() != self._baseline
        except SpecError:
            return True  # unreadable text is an edit: the caller reports it

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and not self.widget.hasFocus():
            event.ignore()  # ignored events travel on to the scroll area
            return True
        return False

    def _write(self, value: Any) -> None:
        raise NotImplementedError

    def _read(self) -> Any:
        raise NotImplementedError


class IntField(Field):
    def __init__(self, minimum: float | None, maximum: float | None, help_text: str = "",
                 zero_means: str = "") -> None:
        box = QSpinBox()
        low = -INT_LIMIT if minimum is None else int(minimum)
        box.setRange(low, INT_LIMIT if maximum is None else int(maximum))
        if zero_means and low == 0:
            box.setSpecialValueText(f"0 ({zero_means})")
        # Without keyboard tracking, valueChanged fires on Return, focus-out and arrow steps only.
        box.setKeyboardTracking(False)
        super().__init__(box, help_text)
        box.valueChanged.connect(lambda _v: self.edited.emit())
        box.editingFinished.connect(self.edited.emit)

    def _write(self, value: Any) -> None:
        self.widget.setValue(int(value))

    def _read(self) -> int:
        return self.widget.value()


class _CompactDoubleSpinBox(QDoubleSpinBox):
    """Shows 0.5 rather than 0.500: trailing zeros suggest a precision nobody chose."""

    def textFromValue(self, value: float) -> str:
        text = self.locale().toString(value, "f", self.decimals())
        point = self.locale().decimalPoint()
        return text.rstrip("0").rstrip(point) if point in text else text


class FloatSpinField(Field):
    """For bounded everyday numbers (rates, slopes, momentum)."""

    def __init__(self, minimum: float, maximum: float, default: float,
                 help_text: str = "") -> None:
        box = _CompactDoubleSpinBox()
        box.setDecimals(4)
        box.setRange(minimum, maximum)
        box.setSingleStep(0.05 if abs(default) >= 0.1 else 0.01)
        box.setKeyboardTracking(False)
        super().__init__(box, help_text)
        box.valueChanged.connect(lambda _v: self.edited.emit())
        box.editingFinished.connect(self.edited.emit)

    def _write(self, value: Any) -> None:
        self.widget.setValue(float(value))

    def _read(self) -> float:
        return self.widget.value()


class FloatTextField(Field):
    """For unbounded or tiny numbers (1e-05): typed text, shown in the shortest form."""

    def __init__(self, help_text: str = "") -> None:
        edit = QLineEdit()
        edit.setPlaceholderText("a number, e.g. 0.5 or 1e-5")
        super().__init__(edit, help_text)
        edit.editingFinished.connect(self.edited.emit)

    def _write(self, value: Any) -> None:
        self.widget.setText(f"{float(value):g}")

    def _read(self) -> float:
        text = self.widget.text().strip().replace("−", "-").replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise SpecError(f"'{self.widget.text()}' is not a number") from None
        if not math.isfinite(number):
            raise SpecError("the value must be a finite number")
        return number


class TextField(Field):
    """Free text, without surrounding spaces (a layer name)."""

    def __init__(self, help_text: str = "") -> None:
        edit = QLineEdit()
        super().__init__(edit, help_text)
        edit.editingFinished.connect(self.edited.emit)

    def _write(self, value: Any) -> None:
        self.widget.setText(str(value))

    def _read(self) -> str:
        return self.widget.text().strip()


class BoolField(Field):
    def __init__(self, help_text: str = "") -> None:
        box = QCheckBox()
        super().__init__(box, help_text)
        box.toggled.connect(lambda _v: self.edited.emit())

    def _write(self, value: Any) -> None:
        self.widget.setChecked(bool(value))

    def _read(self) -> bool:
        return self.widget.isChecked()


class ChoiceField(Field):
    """A combo over fixed choices; ``tooltips`` explain each item."""

    def __init__(self, choices: tuple[str, ...], help_text: str = "",
                 tooltips: dict[str, str] | None = None) -> None:
        combo = QComboBox()
        # Long item names must not force the narrow dock to scroll sideways.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(10)
        for i, choice in enumerate(choices):
            combo.addItem(choice, choice)
            if tooltips and choice in tooltips:
                combo.setItemData(i, tooltips[choice], Qt.ItemDataRole.ToolTipRole)
        super().__init__(combo, help_text)
        combo.activated.connect(lambda _i: self.edited.emit())

    def _write(self, value: Any) -> None:
        self.widget.setCurrentIndex(self.widget.findData(value))

    def _read(self) -> str:
        return self.widget.currentData()


class SizesField(Field):
    """Sizes typed as ``28``, ``1×28×28``, ``1x28x28`` or ``1,28,28``.

    ``as_list`` gives a list even for one number (an input shape); otherwise one number stays
    an int (a square kernel) and several become a list (a rectangular one)."""

    def __init__(self, as_list: bool, help_text: str = "", placeholder: str = "") -> None:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        self.as_list = as_list
        super().__init__(edit, help_text)
        edit.editingFinished.connect(self.edited.emit)

    def _write(self, value: Any) -> None:
        sizes = value if isinstance(value, list | tuple) else [value]
        self.widget.setText("×".join(str(d) for d in sizes))

    def _read(self) -> int | list[int]:
        parts = [p for p in _NUMBER_SEPARATORS.split(self.widget.text().strip()) if p]
        if not parts or not all(p.isdigit() for p in parts):
            raise SpecError(
                f"'{self.widget.text()}' is not a size: write whole numbers like 28 or 1×28×28"
            )
        sizes = [int(p) for p in parts]
        return sizes if self.as_list or len(sizes) > 1 else sizes[0]


def _zero_meaning(help_text: str) -> str:
    # Catalog help says e.g. "(0: the pool size)"; the spin box then shows that at 0.
    match = re.search(r"\(0: ([^)]+)\)", help_text)
    return match.group(1) if match else ""


def _is_tiny(minimum: float | None) -> bool:
    return minimum is not None and 0 < minimum < 1e-3


def field_for_param(spec: ParamSpec) -> Field:
    """The field for a plain parameter (every kind except activation and initializer)."""
    if spec.kind == "int":
        return IntField(spec.minimum, spec.maximum, spec.help, _zero_meaning(spec.help))
    if spec.kind == "float":
        return float_field(spec.minimum, spec.maximum, spec.default, spec.help)
    if spec.kind == "bool":
        return BoolField(spec.help)
    if spec.kind == "choice":
        return ChoiceField(spec.choices, spec.help)
    if spec.kind == "shape":
        return SizesField(True, spec.help, "e.g. 4, or 1×28×28")
    if spec.kind == "size2":
        return SizesField(False, spec.help, "e.g. 3, or 3×5")
    raise ValueError(f"no plain field for parameter kind '{spec.kind}'")


def float_field(minimum: float | None, maximum: float | None, default: float,
                help_text: str = "") -> Field:
    """A spin box for bounded everyday numbers, a text field for unbounded or tiny ones."""
    if minimum is None or maximum is None or _is_tiny(minimum):
        return FloatTextField(help_text)
    return FloatSpinField(minimum, maximum, default, help_text)


def field_for_option(option: Option) -> Field:
    """The field for one option of an activation (a threshold, a slope, a switch)."""
    if isinstance(option.default, bool):
        return BoolField(option.help)
    return float_field(option.minimum, option.maximum, float(option.default), option.help)
