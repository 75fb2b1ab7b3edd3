"""Document: the one source of truth the GUI edits — the network spec, the canvas layout, the
trained weights and the project's settings — plus the undo stack.

Only :mod:`nndesigner.commands` call the mutating methods (``apply_*``), so that every user edit
is undoable. Views never hold authoritative state: they listen to the signals below and redraw
from the document. After every change the network is re-validated and ``analysis_changed`` is
emitted; an invalid design is a normal state, never an exception.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

import engine
from engine import Analysis, LayerSpec, NetworkSpec, TrainingConfig


class Document(QObject):
    layer_added = Signal(str)
    layer_removed = Signal(str)
    layer_changed = Signal(str)
    layer_renamed = Signal(str, str)
    layer_moved = Signal(str)
    edge_added = Signal(str, str)
    edge_removed = Signal(str, str)
    loss_changed = Signal(str)
    analysis_changed = Signal()
    weights_changed = Signal()
    #: New training settings (not an undoable edit of the network).
    training_changed = Signal()
    #: The whole document was replaced (new, open): views rebuild from scratch.
    reset = Signal()
    path_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.spec = NetworkSpec()
        self.positions: dict[str, tuple[float, float]] = {}
        self.weights: dict[str, np.ndarray] | None = None
        self.training = TrainingConfig()
        self.data: dict[str, Any] = {}
        self.history: list[dict[str, Any]] = []
        self.extra: dict[str, Any] = {}
        self.path: Path | None = None
        self.analysis: Analysis = self.spec.check()

    # -- whole-document operations (not undoable: they start a new history) -----------------

    def load(
        self,
        spec: NetworkSpec,
        positions: dict[str, tuple[float, float]] | None = None,
        weights: dict[str, np.ndarray] | None = None,
        training: TrainingConfig | None = None,
        data: dict[str, Any] | None = None,
        history: list[dict[str, Any]] | None = None,
        path: Path | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.spec = spec.copy()
        self.positions = {k: (float(v[0]), float(v[1])) for k, v in (positions or {}).items()}
        for i, name in enumerate(self.spec.layers):
            self.positions.setdefault(name, (80.0 + 220.0 * i, 120.0))
        self.weights = weights
        self.training = training or TrainingConfig()
        self.data = dict(data or {})
        self.history = list(history or [])
        self.extra = dict(extra or {})
        self.path = path
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._reanalyse()
        self.reset.emit()
        self.analysis_changed.emit()
        self.path_changed.emit()

    def set_path(self, path: Path | None) -> None:
        self.path = path
        self.path_changed.emit()

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def title(self) -> str:
        return self.path.stem if self.path else (self.spec.name or "Untitled")

    # -- queries -----------------------------------------------------------------------------

    def layer(self, name: str) -> LayerSpec:
        return self.spec.layers[name]

    def position(self, name: str) -> tuple[float, float]:
        return self.positions.get(name, (0.0, 0.0))

    def layer_weights(self, name: str) -> dict[str, np.ndarray]:
        """The trained parameters of one layer (empty when untrained or reset by an edit)."""
        if not self.weights:
            return {}
        prefix = f"{name}/"
        return {k[len(prefix):]: v for k, v in self.weights.items() if k.startswith(prefix)}

    def build_model(self, seed: int | None = None) -> engine.Model:
        """A model of the current design, with the stored weights of every layer whose shapes
        still fit (so editing keeps what untouched layers learned)."""
        model = engine.Model(self.spec, seed=self.training.seed if seed is None else seed)
        if self.weights:
            model.set_weights(self.weights, strict=False)
        return model

    # -- mutations: called by commands only --------------------------------------------------

    def apply_add_layer(self, layer: LayerSpec, position: tuple[float, float],
                        index: int | None = None) -> None:
        inputs = list(layer.inputs)
        bare = copy.deepcopy(layer)
        bare.inputs = []
        self.spec.insert_layer(bare, index)
        self.positions[layer.name] = position
        for src in inputs:
            self.spec.connect(src, layer.name)
        self._reanalyse()
        self.layer_added.emit(layer.name)
        for src in inputs:
            self.edge_added.emit(src, layer.name)
        self.analysis_changed.emit()

    def apply_remove_layer(self, name: str) -> tuple[LayerSpec, int, list[tuple[str, str, int]]]:
        """Remove a layer; return it, its index and the outgoing edges (with input positions)
        so that the command can put everything back."""
        index = list(self.spec.layers).index(name)
        outgoing = [
            (name, dst, self.spec.layers[dst].inputs.index(name))
            for dst in self.spec.consumers(name)
        ]
        layer = copy.deepcopy(self.spec.layers[name])
        for src in layer.inputs:
            self.edge_removed.emit(src, name)
        for _, dst, _ in outgoing:
            self.edge_removed.emit(name, dst)
        self.spec.remove_layer(name)
        self.positions.pop(name, None)
        self._reanalyse()
        self.layer_removed.emit(name)
        self.analysis_changed.emit()
        return layer, index, outgoing

    def apply_connect(self, src: str, dst: str, index: int | None = None) -> None:
        self.spec.connect(src, dst, index)
        self._reanalyse()
        self.edge_added.emit(src, dst)
        self.analysis_changed.emit()

    def apply_disconnect(self, src: str, dst: str) -> int:
        index = self.spec.disconnect(src, dst)
        self._reanalyse()
        self.edge_removed.emit(src, dst)
        self.analysis_changed.emit()
        return index

    def apply_params(self, name: str, params: dict[str, Any]) -> None:
        """Replace a layer's parameters (validated by the spec: raises SpecError)."""
        layer = self.spec.layers[name]
        # Stored weights are kept: building a model skips those whose shapes no longer fit,
        # so an undo brings the learned values back.
        layer.params = engine.LAYER_TYPES[layer.type].validate_params(params, name)
        self._reanalyse()
        self.layer_changed.emit(name)
        self.analysis_changed.emit()

    def apply_rename(self, old: str, new: str) -> None:
        self.spec.rename_layer(old, new)
        self.positions[new] = self.positions.pop(old)
        if self.weights:
            prefix = f"{old}/"
            self.weights = {
                (f"{new}/{k[len(prefix):]}" if k.startswith(prefix) else k): v
                for k, v in self.weights.items()
            }
        self._reanalyse()
        self.layer_renamed.emit(old, new)
        self.analysis_changed.emit()

    def apply_move(self, name: str, position: tuple[float, float]) -> None:
        self.positions[name] = (float(position[0]), float(position[1]))
        self.layer_moved.emit(name)

    def apply_loss(self, loss: str) -> None:
        self.spec.loss = loss
        self._reanalyse()
        self.loss_changed.emit(loss)
        self.analysis_changed.emit()

    def set_training(self, config: TrainingConfig) -> None:
        if config != self.training:
            self.training = config
            self.training_changed.emit()

    def set_weights(self, weights: dict[str, np.ndarray] | None) -> None:
        """New trained weights (from training or a reset); not an undoable edit."""
        self.weights = weights
        self.weights_changed.emit()

    # -- internals ---------------------------------------------------------------------------

    def _reanalyse(self) -> None:
        """Validate before any signal goes out, so every handler reads a fresh analysis."""
        self.analysis = self.spec.check()
