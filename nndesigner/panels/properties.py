"""The Properties panel: everything about the selected layer, and every edit undoable.

``PropertiesPanel(doc).show_layer(name)`` shows one layer — its type and what it does, its name,
each parameter with a fitting editor (help text as tooltip), the activation with its formula and
a plot of f and f', the loss when the layer is the network's output, and what the analysis
says: output shape, parameter count, problems with their fixes. ``show_layer(None)`` shows a
hint and a summary of the whole network.

Every finished edit pushes exactly one command on ``doc.undo_stack`` (SetParamsCommand with the
one changed key, RenameLayerCommand, SetLossCommand). A command that refuses the value raises
SpecError before anything changes: the reason appears in red under the field and the field
shows the document's value again.

The panel follows the document rather than its own widgets: ``layer_changed`` and
``analysis_changed`` update values in place with signals blocked (the field being typed in
survives); only a different layer, a removed layer or a reset build a new page.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette, QUndoCommand
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from engine import LAYER_TYPES, LOSSES, ParamSpec, SpecError, activations, initializers
from engine.catalog import fmt_shape

from ..commands import RenameLayerCommand, SetLossCommand, SetParamsCommand
from ..document import Document
from ..scrolling import scrollable
from .activation_plot import ActivationPlot
from .labels import heading
from .param_editors import (
    FORM_SPACING,
    ActivationEditor,
    ParamEditor,
    PlainEditor,
    editor_for,
    humanize,
    problem_colour,
)
from .param_fields import ChoiceField, TextField

HINT = "Select a layer on the canvas to edit it."
INPUT_NOTE = "Each value of the input is one input neuron (e.g. a 7×7 picture is 49 inputs)."


class PropertiesPanel(QWidget):
    """Shows and edits one layer of ``doc`` (or a summary); place it in a dock or anywhere."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.page: LayerPage | SummaryPage | None = None
        host = QWidget()
        self._host_layout = QVBoxLayout(host)
        self._host_layout.setContentsMargins(10, 8, 10, 10)
        self._host_layout.addStretch(1)
        scroll = scrollable(host)
        # Every page fits 300 px; narrower than that, scrolling beats clipping.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        doc.layer_removed.connect(self._on_layer_removed)
        doc.layer_renamed.connect(self._on_layer_renamed)
        doc.layer_changed.connect(self._on_layer_changed)
        doc.analysis_changed.connect(self._on_analysis_changed)
        doc.reset.connect(lambda: self.show_layer(None))
        self.show_layer(None)

    @property
    def layer_name(self) -> str | None:
        return self.page.name if isinstance(self.page, LayerPage) else None

    def show_layer(self, name: str | None) -> None:
        """Show the layer called ``name``, or the hint and network summary for None."""
        if name is not None and name not in self.doc.spec.layers:
            name = None
        if name is not None and name == self.layer_name:
            self.page.refresh_params()  # re-selecting keeps focus and scroll position
            return
        self._set_page(LayerPage(self.doc, name) if name else SummaryPage(self.doc))

    def editor(self, key: str) -> ParamEditor | None:
        """The editor of a parameter (or of "name" / "loss") of the shown layer."""
        return self.page.editors.get(key) if isinstance(self.page, LayerPage) else None

    def _set_page(self, page: QWidget) -> None:
        if self.page is not None:
            self._host_layout.removeWidget(self.page)
            self.page.hide()
            # Later, not now: the edit that led here may be emitting from a widget of this page.
            self.page.deleteLater()
        self.page = page
        self._host_layout.insertWidget(0, page)
        page.show()  # a layout shows new children only on the next event loop turn

    def _on_layer_removed(self, name: str) -> None:
        if name == self.layer_name:
            self.show_layer(None)

    def _on_layer_renamed(self, old: str, new: str) -> None:
        # Same layer, same fields: follow the new name in place so focus stays where it is.
        if old == self.layer_name:
            self.page.name = new
            self.page.refresh_params()

    def _on_layer_changed(self, name: str) -> None:
        if name != self.layer_name:
            return
        if self.doc.layer(name).type != self.page.type_name:
            self.show_layer(name)
        else:
            self.page.refresh_params()

    def _on_analysis_changed(self) -> None:
        # Every edit (loss included) ends with a re-analysis, so this also covers loss_changed.
        self.page.refresh_info()


# ---------------------------------------------------------------------------------------------


class LayerPage(QWidget):
    """The form of one layer. ``editors`` maps parameter keys, "name" and "loss" to editors."""

    def __init__(self, doc: Document, name: str) -> None:
        super().__init__()
        self.doc, self.name = doc, name
        self.type_name = doc.layer(name).type
        ltype = LAYER_TYPES[self.type_name]
        self.editors: dict[str, ParamEditor] = {}
        self.formula_label = self.description_label = None
        self.plot: ActivationPlot | None = None

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._add_header(ltype.name, ltype.summary)

        self._add_heading("Layer")
        name_field = TextField("the layer's name: unique in the network, used in files")
        self._add_editor(PlainEditor("name", "Name", name_field), self._rename)
        for spec in ltype.params:
            if spec.kind != "activation":
                self._add_editor(editor_for(spec), self._set_param)
        if self.type_name == "Input":
            self._layout.addWidget(_note(INPUT_NOTE))
        if ltype.has_activation:
            self._add_activation(ltype.param("activation"))
        self._add_loss()
        self._add_info()
        self._align_labels()
        self.refresh_params()
        self.refresh_info()

    # -- building -----------------------------------------------------------------------------

    def _add_header(self, title: str, summary: str) -> None:
        label = QLabel(title)
        font = QFont(label.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        label.setFont(font)
        self._layout.addWidget(label)
        self._layout.addWidget(_note(summary))

    def _add_heading(self, text: str, layout: QVBoxLayout | None = None) -> None:
        (layout or self._layout).addWidget(heading(text, space_above=8))
        (layout or self._layout).addWidget(_rule())

    def _add_editor(self, editor: ParamEditor, commit: Callable[[ParamEditor, Any], None],
                    layout: QVBoxLayout | None = None) -> None:
        self.editors[editor.key] = editor
        editor.committed.connect(lambda value: commit(editor, value))
        (layout or self._layout).addWidget(editor)

    def _add_activation(self, spec: ParamSpec) -> None:
        self._add_heading("Activation")
        self._add_editor(ActivationEditor(spec), self._set_param)
        self.formula_label = QLabel()
        self.formula_label.setObjectName("formula")
        self.formula_label.setWordWrap(True)
        font = QFont(self.formula_label.font())
        font.setItalic(True)
        self.formula_label.setFont(font)
        self.plot = ActivationPlot()
        self.description_label = _note("")
        for widget in (self.formula_label, self.plot, self.description_label):
            self._layout.addWidget(widget)

    def _add_loss(self) -> None:
        self.loss_box = QWidget()
        box = QVBoxLayout(self.loss_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        self._add_heading("Loss", box)
        field = ChoiceField(tuple(LOSSES), "what training minimises for this output", LOSSES)
        self._add_editor(PlainEditor("loss", "Function", field), self._set_loss, box)
        self.loss_note = _note("")
        box.addWidget(self.loss_note)
        self._layout.addWidget(self.loss_box)

    def _add_info(self) -> None:
        self._add_heading("Output")
        self.info_form = _info_form()
        self.shape_label, self.count_label = QLabel(), QLabel()
        self.shape_label.setWordWrap(True)
        self.info_form.addRow(QLabel("Shape"), self.shape_label)
        self.info_form.addRow(QLabel("Parameters"), self.count_label)
        self._layout.addLayout(self.info_form)
        self.problems_box = QVBoxLayout()
        self.problems_box.setSpacing(4)
        self._layout.addLayout(self.problems_box)
        self.problem_labels: list[QLabel] = []

    def _align_labels(self) -> None:
        """One label column for the whole page, wide enough for any option row that may
        appear later, so that every field starts at the same x."""
        metrics = self.fontMetrics()
        texts = ["Name", "Shape", "Parameters", "Function"]
        texts += [humanize(p.name) for p in LAYER_TYPES[self.type_name].params]
        texts += [humanize(o.name) for c in activations.REGISTRY.values() for o in c.options]
        texts += [humanize(k) for n in initializers.NAMES for k in initializers.parse(n)[1]]
        width = max(metrics.horizontalAdvance(t) for t in texts) + 16  # + option indent
        for editor in self.editors.values():
            editor.set_label_width(width)
        for row in range(self.info_form.rowCount()):
            item = self.info_form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            item.widget().setFixedWidth(width)

    # -- refreshing from the document ---------------------------------------------------------

    def refresh_params(self) -> None:
        """Show the document's values; untouched fields keep their widgets and cursor."""
        params = self.doc.layer(self.name).params
        self.editors["name"].set_value(self.name)
        for key, editor in self.editors.items():
            if key in params:
                editor.set_value(params[key])
        if self.plot is not None:
            act = activations.make(params["activation"])
            self.formula_label.setText(act.formula)
            self.description_label.setText(act.description)
            self.plot.set_activation(params["activation"])

    def refresh_info(self) -> None:
        analysis = self.doc.analysis
        is_output = analysis.output == self.name
        self.loss_box.setVisible(is_output)
        if is_output:
            self.editors["loss"].set_value(self.doc.spec.loss)
            self.loss_note.setText(LOSSES[self.doc.spec.loss].capitalize() + ".")
        shape = analysis.shapes.get(self.name)
        if shape is None:
            where = "see below" if analysis.problems_for(self.name) else "fix the layers before"
            self.shape_label.setText(f"unknown ({where})")
        elif self.type_name == "Input":
            size = f"{math.prod(shape):,} input neurons"
            self.shape_label.setText(size if len(shape) == 1 else f"{fmt_shape(shape)} = {size}")
        else:
            self.shape_label.setText(fmt_shape(shape))
        count = analysis.param_counts.get(self.name)
        self.count_label.setText("—" if count is None else f"{count:,}")
        self._show_problems()

    def _show_problems(self) -> None:
        for label in self.problem_labels:
            self.problems_box.removeWidget(label)
            label.deleteLater()
        problems = self.doc.analysis.problems_for(self.name)
        self.problem_labels = [_problem_label(p, self.palette()) for p in problems]
        if not problems:
            self.problem_labels = [_note("No problems with this layer.")]
        for label in self.problem_labels:
            self.problems_box.addWidget(label)
            label.show()

    def problem_texts(self) -> list[str]:
        """The problems as shown, as plain text (for tests and screen readers)."""
        return [label.accessibleName() or label.text() for label in self.problem_labels]

    # -- commits: one finished edit, one command ----------------------------------------------

    def _set_param(self, editor: ParamEditor, value: Any) -> None:
        key = editor.key
        self._push(editor, lambda: SetParamsCommand(self.doc, self.name, {key: value}),
                   lambda: self.doc.layer(self.name).params[key])

    def _rename(self, editor: ParamEditor, value: str) -> None:
        self._push(editor, lambda: RenameLayerCommand(self.doc, self.name, value),
                   lambda: self.name)

    def _set_loss(self, editor: ParamEditor, value: str) -> None:
        self._push(editor, lambda: SetLossCommand(self.doc, value), lambda: self.doc.spec.loss)

    def _push(self, editor: ParamEditor, make: Callable[[], QUndoCommand],
              current: Callable[[], Any]) -> None:
        """Push the command, or show why not; either way the editor ends up showing the
        document. A command that would change nothing is dropped: no empty undo steps."""
        try:
            command = make()
        except SpecError as exc:
            editor.show_error(_without_location(str(exc), self.name, editor.key))
            editor.set_value(current(), force=True)
            return
        editor.clear_error()
        if _is_noop(command):
            editor.set_value(current(), force=True)
            return
        self.doc.undo_stack.push(command)


class SummaryPage(QWidget):
    """What the panel shows with no layer selected: a hint and the network in numbers."""

    name = None

    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.hint = _note(HINT)
        layout.addWidget(self.hint)
        self.network = QWidget()
        box = QVBoxLayout(self.network)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(heading("Network", space_above=8))
        box.addWidget(_rule())
        form = _info_form()
        self.values: dict[str, QLabel] = {}
        for key in ("Layers", "Parameters", "Loss", "Problems"):
            self.values[key] = QLabel()
            self.values[key].setWordWrap(True)
            form.addRow(key, self.values[key])
        box.addLayout(form)
        layout.addWidget(self.network)
        self.refresh_info()

    def refresh_info(self) -> None:
        spec, analysis = self.doc.spec, self.doc.analysis
        self.network.setVisible(bool(spec.layers))
        n_err, n_warn = len(analysis.errors), len(analysis.warnings)
        self.values["Layers"].setText(f"{len(spec.layers)}")
        self.values["Parameters"].setText(f"{analysis.total_params:,}")
        self.values["Loss"].setText(loss_label(spec.loss))
        self.values["Loss"].setToolTip(LOSSES[spec.loss])
        self.values["Problems"].setText(
            ", ".join(_plural(n, word) for n, word in ((n_err, "error"), (n_warn, "warning")) if n)
            or "none"
        )

    def text(self) -> str:
        """Everything shown, as plain text (for tests and screen readers)."""
        rows = [f"{k}: {v.text()}" for k, v in self.values.items()]
        return "\n".join([self.hint.text(), *(rows if self.network.isVisibleTo(self) else [])])


# ---------------------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def loss_label(name: str) -> str:
    """``binary_cross_entropy`` → ``binary cross-entropy``; ``mse`` → ``MSE``."""
    if name in ("mse", "mae"):
        return name.upper()
    return name.replace("binary_", "binary ").replace("_", "-")


def _note(text: str) -> QLabel:
    """Secondary text: wrapped, in the palette's muted colour (readable light or dark)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label



def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def _info_form() -> QFormLayout:
    form = QFormLayout()
    form.setContentsMargins(0, 0, 0, 0)
    form.setHorizontalSpacing(FORM_SPACING[0])
    form.setVerticalSpacing(FORM_SPACING[1])
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def _problem_label(problem, palette: QPalette) -> QLabel:
    """A problem in words first ("Error:" / "Warning:"), colour second."""
    error = problem.severity == "error"
    prefix = "Error" if error else "Warning"
    fix = f"<br>Fix: {html.escape(problem.fix)}" if problem.fix else ""
    label = QLabel(f"<b>{prefix}:</b> {html.escape(problem.message)}{fix}")
    label.setWordWrap(True)
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, problem_colour(problem.severity, palette))
    label.setPalette(pal)
    plain_fix = f" Fix: {problem.fix}" if problem.fix else ""
    label.setAccessibleName(f"{prefix}: {problem.message}.{plain_fix}")
    return label


def _without_location(message: str, layer: str, key: str) -> str:
    """Under its own field, "dense_1.units: must be ≥ 1" reads better as "must be ≥ 1"."""
    for prefix in (f"{layer}.{key}: ", f"{layer}: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def _is_noop(command: QUndoCommand) -> bool:
    # All three commands keep the value before and after as .old and .new.
    return command.new == command.old
