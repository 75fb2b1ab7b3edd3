"""The "Try it" panel: give the network one input and see what it answers.

    panel = ClassifyPanel(doc)
    panel.set_data(loaded)        # DataPanel.dataset_changed: class names, feature ranges
    panel.refresh_model()         # new weights or a new design (also connected to doc itself)

Inputs: for image networks a :class:`~nndesigner.panels.draw_pad.DrawPad` (predictions update
live while drawing, at most 20 per second), image files (Open…, or dropped onto the panel) and
images pasted from the clipboard (Ctrl+V); for networks with a flat Input a
:class:`~nndesigner.panels.tabular_form.TabularForm`. The panel shows the input exactly as the
network sees it (its size, channels and 0–1 values, scaled up pixel by pixel), the top answer
in large type with its probability, every class's probability as sorted bars in the class
colours, and — folded away until opened — every layer's activations.

The model is rebuilt from the document (``doc.build_model()``, a copy, so training may go on in
its thread) at most five times per second. Untrained weights, a design with problems and
unusable files are said in the panel; nothing raises.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QFont,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine import DataError, EngineError

from ..canvas.style import ERROR, WARNING
from ..plots.colours import class_colour
from ..scrolling import scrollable
from .batch_classify import BatchClassifyDialog
from .draw_pad import DrawPad
from .image_inputs import ImageInputs
from .labels import text_label
from .layer_activations import LayerActivations
from .probability_bars import ProbabilityBars
from .tabular_form import TabularForm
from .use_common import (
    OutputView,
    Throttle,
    class_names_for,
    describe_input,
    image_preprocessing_for,
    input_shape,
    known_image_preprocessing,
    output_view,
    prepare_image,
    reference,
    scaled_pixmap,
)

MODEL_INTERVAL_MS = 200  # ≤ 5 model rebuilds per second
DRAW_INTERVAL_MS = 50  # ≤ 20 predictions per second while drawing
PREVIEW_PX = 64  # the input as the network sees it, beside the answer
UNTRAINED = "Train the network first (its weights are random)."



class ClassifyPanel(ImageInputs, QWidget):
    """Try the network on one input (see the module docstring)."""

    def __init__(self, doc: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.model = None
        self.dataset = None
        self.summary = None
        self.view: OutputView | None = None
        self._shape: tuple[int, ...] | None = None
        self._source: tuple[str, Any] | None = None  # ("pad"|"file"|"paste"|"form", what)
        self._x: np.ndarray | None = None
        #: (source, (shape, preprocessing), prepared input): a file or paste, prepared once
        self._prepared: tuple[Any, tuple, tuple[np.ndarray | None, str]] | None = None
        self._extra_note = ""
        self._batch: BatchClassifyDialog | None = None
        self.setAcceptDrops(True)
        self._model_throttle = Throttle(MODEL_INTERVAL_MS, self._rebuild, self)
        self._draw_throttle = Throttle(DRAW_INTERVAL_MS, self._predict, self)
        self._build()
        for signal in (doc.analysis_changed, doc.weights_changed, doc.reset):
            signal.connect(self._on_document_changed)
        self._rebuild()

    def _build(self) -> None:
        self.open_button = QPushButton("Open image…")
        self.open_button.clicked.connect(self.open_files)
        self.paste_button = QPushButton("Paste")
        self.paste_button.setToolTip("Classify the image on the clipboard (Ctrl+V)")
        self.paste_button.clicked.connect(self.paste_from_clipboard)
        self.folder_button = QPushButton("Folder…")
        self.folder_button.setToolTip("Classify a folder: every image in it, in a table")
        self.folder_button.clicked.connect(self.open_batch)
        buttons = QHBoxLayout()
        for b in (self.open_button, self.paste_button, self.folder_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.hint = text_label("Draw below, or open, drop or paste an image.")
        self.pad = DrawPad()
        self.pad.changed.connect(self._on_drawn)
        self.pad.stroke_finished.connect(self._draw_throttle.flush)
        self.form = TabularForm()
        self.form.changed.connect(self._on_form)
        self.nothing = text_label("The network has no Input layer yet.")
        self.inputs = QStackedWidget()
        for w in (self.pad, self.form, self.nothing):
            self.inputs.addWidget(w)
        self.model_note = text_label()
        self.input_note = text_label()

        self.input_view = QLabel()
        self.input_view.setFixedSize(PREVIEW_PX, PREVIEW_PX)
        self.input_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.input_caption = text_label()
        self.source_label = text_label()
        self.top_label = QLabel("–")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        self.top_label.setFont(font)
        self.top_prob = text_label()
        answer = QVBoxLayout()
        answer.addWidget(self.top_label)
        answer.addWidget(self.top_prob)
        answer.addWidget(self.input_caption)
        answer.addStretch(1)
        # The answer sits above the input: in a short dock it stays in view while drawing.
        self.result_row = QWidget()
        result = QHBoxLayout(self.result_row)
        result.setContentsMargins(0, 0, 0, 0)
        result.addWidget(self.input_view, 0, Qt.AlignmentFlag.AlignTop)
        result.addLayout(answer, 1)
        self.result_row.hide()  # until there is an input
        self.bars = ProbabilityBars()

        self.activations_toggle = QToolButton()
        self.activations_toggle.setText("Layer activations")
        self.activations_toggle.setCheckable(True)
        self.activations_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.activations_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.activations_toggle.setAutoRaise(True)
        self.activations_toggle.toggled.connect(self._on_toggle_activations)
        self.activations = LayerActivations()
        self.activations.setMinimumHeight(260)
        self.activations.hide()

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)
        lay.addLayout(buttons)
        lay.addWidget(self.result_row)
        lay.addWidget(self.source_label)
        lay.addWidget(self.hint)
        lay.addWidget(self.inputs)
        lay.addWidget(self.model_note)
        lay.addWidget(self.input_note)
        lay.addWidget(self.bars)
        lay.addWidget(self.activations_toggle)
        lay.addWidget(self.activations)
        lay.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrollable(body))

    # -- public API -------------------------------------------------------------------------

    def set_data(self, loaded: Any) -> None:
        """The Data panel's LoadedData (or None): class names and the form's ranges."""
        self.dataset = getattr(loaded, "dataset", None)
        self.summary = getattr(loaded, "summary", None)
        self._shape = None  # reconfigure the form with the new ranges
        self._rebuild()

    def refresh_model(self) -> None:
        """Rebuild the prediction model from the document (throttled to ≤ 5 per second)."""
        self._model_throttle()

    def _on_document_changed(self) -> None:
        # While training, weights change 10× a second: a hidden panel (behind another tab,
        # which Qt still calls "visible") only notes it and catches up when shown.
        if self.model is None or not self.visibleRegion().isEmpty():
            self.refresh_model()
        else:
            self._stale = True

    def catch_up(self) -> None:
        """Rebuild if the document changed while the panel was hidden."""
        if getattr(self, "_stale", False):
            self._stale = False
            self.refresh_model()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.catch_up()

    def class_names(self, k: int) -> list[str]:
        return class_names_for(self.doc, self.dataset, k)

    # -- the model --------------------------------------------------------------------------

    def _rebuild(self) -> None:
        shape = input_shape(self.doc)
        if shape != self._shape:
            self._configure_inputs(shape)
        self.model, note, problem = None, "", False
        if not self.doc.analysis.ok:
            first = self.doc.analysis.errors[0]
            note, problem = f"The network has a problem: {first.message}", True
        else:
            try:
                self.model = self.doc.build_model()
            except (EngineError, ValueError) as exc:
                note, problem = f"The network cannot be built: {exc}", True
        if self.model is not None:
            if not self.doc.weights:
                note = UNTRAINED
            else:
                fresh = [k for k, v in self.model.get_weights().items()
                         if k not in self.doc.weights or self.doc.weights[k].shape != v.shape]
                if fresh:
                    layers = sorted({k.split("/")[0] for k in fresh})
                    note = (f"Changed since training (random weights): {', '.join(layers)}. "
                            "Train again.")
        self._set_note(self.model_note, note, ERROR if problem else WARNING)
        self._predict()

    def _configure_inputs(self, shape: tuple[int, ...] | None) -> None:
        self._shape = shape
        self._x = None
        image = shape is not None and len(shape) == 3
        for b in (self.open_button, self.paste_button, self.folder_button):
            b.setVisible(image)  # a table network has no use for pictures
        self.hint.setVisible(image)
        if shape is None:
            self._show_page(self.nothing)
        elif image:
            self.pad.set_size(max(shape[1], shape[2]))
            self._show_page(self.pad)
        else:
            ref = reference(self.doc)
            prep = ref.get("preprocessing") or getattr(self.dataset, "preprocessing", None)
            names = ref.get("feature_names") or getattr(self.dataset, "feature_names", None)
            stats = getattr(self.summary, "feature_stats", None)
            self.form.configure(int(np.prod(shape)), prep, names, stats)
            self._show_page(self.form)
        kind = self._source[0] if self._source else None
        if image and kind in (None, "form"):
            self._source = None if self.pad.is_empty() else ("pad", None)
        elif not image:  # files and drawings mean nothing to a table network
            self._source = ("form", None) if shape is not None else None

    def _show_page(self, page: QWidget) -> None:
        # hidden pages must not reserve their height (the pad is taller than a short form)
        for i in range(self.inputs.count()):
            w = self.inputs.widget(i)
            policy = QSizePolicy.Policy.Preferred if w is page else QSizePolicy.Policy.Ignored
            w.setSizePolicy(policy, policy)
        self.inputs.setCurrentWidget(page)
        self.inputs.adjustSize()

    # -- inputs (files, drops, the clipboard: ImageInputs) ----------------------------------

    def _use_source(self, source: tuple[str, Any], note: str = "") -> None:
        self._source = source
        self._prepared = None
        self._x = None
        self._extra_note = note
        self._predict()

    def _on_drawn(self) -> None:
        self._source, self._x, self._extra_note = ("pad", None), None, ""
        self._draw_throttle()

    def _on_form(self) -> None:
        self._source, self._x, self._extra_note = ("form", None), None, ""
        self._predict()

    def _prepare(self) -> tuple[np.ndarray | None, str]:
        """The current input as the network's (1, …) array, and a note."""
        kind, what = self._source or (None, None)
        shape = self._shape
        if shape is None or kind is None:
            return None, ""
        if kind == "form":
            return self.form.inputs(), ""
        known = known_image_preprocessing(self.doc, shape, self.dataset)
        prep = image_preprocessing_for(self.doc, shape, self.dataset)
        c, h, w = shape
        if kind == "pad":
            if self.pad.is_empty():
                return None, ""
            # digits (or an unknown one-channel set): centre the drawing as MNIST did
            if (known or {}).get("normalize") == "digit" or (known is None and c == 1):
                img = self.pad.image()
                if img.shape != (h, w):
                    return prepare_image(img, shape, prep)
                return np.repeat(img[None, None], c, axis=1), ""
            return prepare_image(self.pad.pil_image(), shape, prep)
        # A file or pasted picture does not change under the same source: decode and resize
        # it once, not on every model refresh (≤ 5 a second while training).
        key = (shape, repr(prep))
        cached = self._prepared
        if cached is not None and cached[0] is self._source and cached[1] == key:
            return cached[2]
        result = prepare_image(what, shape, prep)
        self._prepared = (self._source, key, result)
        return result

    # -- predicting -------------------------------------------------------------------------

    def _predict(self) -> None:
        note = self._extra_note
        try:
            x, prep_note = self._prepare()
        except (DataError, EngineError) as exc:
            self._show_input_problem(str(exc))
            return
        self._set_note(self.input_note, " ".join(t for t in (prep_note, note) if t), WARNING)
        self._show_source()
        if x is None:
            self._clear_result()
            return
        self._x = x
        if x.ndim == 4:
            self.input_view.setPixmap(scaled_pixmap(x[0], PREVIEW_PX))
            self.input_view.show()
        else:
            self.input_view.hide()
        self.input_caption.setText(describe_input(x[0]))
        self.result_row.show()
        if self.model is None:
            self._clear_result(keep_input=True)
            return
        try:
            out = self.model.predict(x)
        except (EngineError, ValueError, FloatingPointError) as exc:
            self._show_input_problem(f"The network cannot use this input: {exc}")
            return
        self.view = output_view(self.model.spec.loss, out[0])
        self._show_output(self.view)
        if self.activations_toggle.isChecked():
            self.activations.show_input(self.model, x)

    def _show_output(self, view: OutputView) -> None:
        if view.probabilities is None:
            values = view.values
            self.top_label.setText(", ".join(f"{v:.4g}" for v in values[:4]))
            prep = reference(self.doc).get("preprocessing") or getattr(
                self.dataset, "preprocessing", None)
            target = prep.get("target") if isinstance(prep, dict) else None
            name = target.get("name") if isinstance(target, dict) else None
            self.top_prob.setText(f"predicted {name}" if isinstance(name, str) and name else
                                  "predicted value" + ("s" if values.size > 1 else ""))
            self.bars.set_probabilities(None, [])
            return
        names = self.class_names(len(view.probabilities))
        k = view.top
        self.top_label.setText(names[k])
        colour = class_colour(k).name()
        self.top_prob.setText(f'<span style="color:{colour}">■</span> '
                              f"{100 * view.probabilities[k]:.1f} % sure")
        self.bars.set_probabilities(view.probabilities, names)
        if view.note:
            self._set_note(self.input_note, view.note, WARNING)

    def _clear_result(self, keep_input: bool = False) -> None:
        self.view = None
        self.top_label.setText("–")
        self.top_prob.setText("")
        self.bars.set_probabilities(None, [])
        if not keep_input:
            self.input_view.clear()
            self.input_caption.setText("")
            self.result_row.hide()
        self.activations.clear()

    def _show_input_problem(self, message: str) -> None:
        self._x = None
        self._set_note(self.input_note, message, ERROR)
        self._clear_result()

    def _show_source(self) -> None:
        kind, what = self._source or (None, None)
        text = {"pad": "Input: your drawing", "paste": "Input: the pasted image",
                "file": f"Input: {Path(what).name}" if kind == "file" else ""}.get(kind or "", "")
        self.source_label.setText(text)
        self.source_label.setVisible(bool(text))

    def _set_note(self, label: QLabel, text: str, colour) -> None:
        label.setText(text)
        label.setStyleSheet(f"color: {colour.name()}" if text else "")
        label.setVisible(bool(text))

    def _on_toggle_activations(self, on: bool) -> None:
        self.activations_toggle.setArrowType(Qt.ArrowType.DownArrow if on
                                             else Qt.ArrowType.RightArrow)
        self.activations.setVisible(on)
        if on and self.model is not None and self._x is not None:
            self.activations.show_input(self.model, self._x)

    def state(self) -> dict[str, Any]:
        """What the panel shows, for tests and the status bar."""
        return {"top": self.top_label.text(), "bars": self.bars.rows(),
                "model_note": self.model_note.text(), "input_note": self.input_note.text(),
                "source": self._source[0] if self._source else None}
