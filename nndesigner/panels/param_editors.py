"""Parameter editors for the Properties panel: the label(s) and field(s) of one
:class:`engine.ParamSpec`, plus a line for the reason an edit was refused.

Plain parameters get one row. Activations and initialisers are a *named function with
options*: a combo, then one indented row per option of the chosen function (step: threshold,
straight-through; leaky ReLU: slope; normal: mean, std; …), rebuilt only when the choice
changes, so the combo the user just used survives.

An editor emits ``committed(value)`` with the whole new parameter value in the spec's own form
(``"relu"``, ``{"name": "leaky_relu", "slope": 0.2}``, ``[1, 28, 28]``) and never touches the
document: the panel turns it into one undoable command and, if the command refuses the value,
calls :meth:`ParamEditor.show_error` and puts the document's value back with
``set_value(value, force=True)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from engine import ParamSpec, SpecError, activations, initializers

from ..canvas.style import ERROR, WARNING
from .param_fields import ChoiceField, Field, FloatTextField, field_for_option, field_for_param

FORM_SPACING = (8, 6)  # horizontal, vertical: shared by every form of the panel


def problem_colour(severity: str, palette: QPalette) -> QColor:
    """The app's red (errors) or amber (warnings), shifted to stay readable on the palette's
    background, light or dark."""
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    if severity == "error":
        return ERROR.lighter(140) if dark else ERROR
    return WARNING if dark else WARNING.darker(150)


def humanize(name: str) -> str:
    """``kernel_size`` → ``Kernel size``."""
    return name.replace("_", " ").capitalize()


class ParamEditor(QWidget):
    """Rows for one parameter. ``committed(value)`` carries the whole new parameter value in
    the spec's form; the panel makes it a command and, if the command refuses it, calls
    :meth:`show_error` and :meth:`set_value` with ``force=True`` to put the document's back."""

    committed = Signal(object)

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.label_width = 0
        self.labels: list[QLabel] = []
        self.form = _form()
        self.error_label = QLabel()
        self.error_label.setObjectName(f"error_{key}")
        self.error_label.setWordWrap(True)
        pal = self.error_label.palette()
        pal.setColor(QPalette.ColorRole.WindowText, problem_colour("error", pal))
        self.error_label.setPalette(pal)
        self.error_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)

    def set_value(self, value: Any, force: bool = False) -> None:
        raise NotImplementedError

    def add_row(self, form: QFormLayout, text: str, field: Field, indent: bool = False) -> None:
        label = QLabel(text)
        label.setToolTip(field.widget.toolTip())
        label.setBuddy(field.widget)
        if indent:
            label.setIndent(12)  # visibly belongs to the row above
        if self.label_width:
            label.setFixedWidth(self.label_width)
        self.labels.append(label)
        form.addRow(label, field.widget)

    def set_label_width(self, width: int) -> None:
        """Line up this editor's labels (and error) with the rest of the panel."""
        self.label_width = width
        for label in self.labels:
            label.setFixedWidth(width)
        self.error_label.setContentsMargins(width + self.form.horizontalSpacing(), 0, 0, 0)

    def show_error(self, message: str) -> None:
        # Words first, colour second: the field now shows the document's value again.
        self.error_label.setText(f"Not applied: {message}")
        self.error_label.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()

    def _emit(self, field: Field, make_value: Callable[[Any], Any] = lambda v: v) -> None:
        """Commit a finished edit of ``field`` (unless it changed nothing)."""
        if not field.is_changed():
            return
        try:
            value = field.value()
        except SpecError as exc:  # unreadable text never reaches a command
            self.show_error(str(exc))
            field.revert()
            return
        self.committed.emit(make_value(value))


class PlainEditor(ParamEditor):
    """One label, one field."""

    def __init__(self, key: str, label: str, field: Field,
                 parent: QWidget | None = None) -> None:
        super().__init__(key, parent)
        self.field = field
        field.widget.setObjectName(f"param_{key}")
        self.add_row(self.form, label, field)
        field.edited.connect(lambda: self._emit(field))

    def set_value(self, value: Any, force: bool = False) -> None:
        self.field.set_value(value, force)


class OptionsEditor(ParamEditor):
    """A named function (activation or initialiser) whose options depend on which one is
    chosen: a combo, then one indented row per option, rebuilt only when the choice changes.
    Subclasses say how a stored value splits into ``(name, options)``."""

    def __init__(self, key: str, label: str, names: tuple[str, ...], help_text: str,
                 tooltips: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(key, parent)
        self.field = ChoiceField(names, help_text, tooltips)
        self.field.widget.setObjectName(f"param_{key}")
        self.add_row(self.form, label, self.field)
        self.field.edited.connect(lambda: self._emit(self.field))
        self.option_fields: dict[str, Field] = {}
        self._choice: str | None = None
        self._options: dict[str, Any] = {}
        self._box: QWidget | None = None

    def split(self, value: Any) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def option_fields_for(self, name: str) -> list[tuple[str, Field]]:
        raise NotImplementedError

    def set_value(self, value: Any, force: bool = False) -> None:
        name, options = self.split(value)
        self.field.set_value(name, force)
        if name != self._choice:
            self._rebuild_options(name)
        self._options = options
        for opt, field in self.option_fields.items():
            field.set_value(options[opt], force)

    def _rebuild_options(self, name: str) -> None:
        if self._box is not None:
            for label in self._box.findChildren(QLabel):
                if label in self.labels:
                    self.labels.remove(label)
            self._box.hide()
            self._box.deleteLater()  # later: one of its fields may be emitting right now
        self._choice, self.option_fields = name, {}
        self._box = QWidget(self)
        form = _form(self._box)
        for opt, field in self.option_fields_for(name):
            field.widget.setObjectName(f"option_{self.key}_{opt}")
            self.add_row(form, humanize(opt), field, indent=True)
            field.edited.connect(lambda f=field, o=opt: self._emit(f, self._with_option(o)))
            self.option_fields[opt] = field
        self._box.setVisible(bool(self.option_fields))
        self.layout().insertWidget(1, self._box)

    def _with_option(self, opt: str) -> Callable[[Any], Any]:
        return lambda v: {"name": self._choice, **self._options, opt: v}


class ActivationEditor(OptionsEditor):
    """The activation combo and its options (step θ, leaky slope α, ELU α)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        tips = {name: cls.description for name, cls in activations.REGISTRY.items()}
        super().__init__(spec.name, "Function", activations.NAMES, spec.help, tips, parent)

    def split(self, value: Any) -> tuple[str, dict[str, Any]]:
        act = activations.make(value)
        return act.name, {o.name: getattr(act, o.name) for o in act.options}

    def option_fields_for(self, name: str) -> list[tuple[str, Field]]:
        return [(o.name, field_for_option(o)) for o in activations.REGISTRY[name].options]


class InitializerEditor(OptionsEditor):
    """The initialiser combo and its options (normal: mean, std; uniform: low, high; …)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec.name, humanize(spec.name), initializers.NAMES, spec.help,
                         initializers.DESCRIPTIONS, parent)

    def split(self, value: Any) -> tuple[str, dict[str, Any]]:
        return initializers.parse(value)

    def option_fields_for(self, name: str) -> list[tuple[str, Field]]:
        _, defaults = initializers.parse(name)
        tip = f"{name}: {initializers.DESCRIPTIONS[name]}"
        return [(opt, FloatTextField(tip)) for opt in defaults]


def editor_for(spec: ParamSpec) -> ParamEditor:
    if spec.kind == "activation":
        return ActivationEditor(spec)
    if spec.kind == "initializer":
        return InitializerEditor(spec)
    return PlainEditor(spec.name, humanize(spec.name), field_for_param(spec))


def _form(parent: QWidget | None = None) -> QFormLayout:
    form = QFormLayout(parent)
    form.setContentsMargins(0, 0, 0, 0)
    # Explicit: a nested form would otherwise inherit its parent layout's spacing.
    form.setHorizontalSpacing(FORM_SPACING[0])
    form.setVerticalSpacing(FORM_SPACING[1])
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    return form
