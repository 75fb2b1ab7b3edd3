"""Undoable edits. Each command stores what it needs to undo itself and calls only Document.

Commands validate in their constructor (through the spec's own rules) so that an impossible
edit raises ``SpecError`` *before* it enters the undo stack; the caller shows the reason.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from PySide6.QtGui import QUndoCommand

import engine
from engine import LayerSpec, SpecError

from .document import Document

_MOVE_ID = 1001


class AddLayerCommand(QUndoCommand):
    """Add a new layer (optionally connected after ``after``)."""

    def __init__(self, doc: Document, type_name: str, position: tuple[float, float],
                 params: dict[str, Any] | None = None, inputs: list[str] | None = None,
                 name: str | None = None) -> None:
        super().__init__(f"Add {type_name}")
        ltype = engine.catalog.layer_type(type_name)
        name = name or doc.spec.unique_name(type_name)
        if type_name == "Input" and name not in doc.spec.layers and "input" not in doc.spec.layers:
            name = "input"
        clean = ltype.validate_params(params or {}, name)
        self.doc = doc
        self.layer = LayerSpec(name, type_name, clean, list(inputs or []))
        self.position = position
        for src in self.layer.inputs:
            if src not in doc.spec.layers:
                raise SpecError(f"there is no layer named '{src}'")
        if name in doc.spec.layers:
            raise SpecError(f"a layer named '{name}' already exists")

    @property
    def name(self) -> str:
        return self.layer.name

    def redo(self) -> None:
        self.doc.apply_add_layer(self.layer, self.position)

    def undo(self) -> None:
        self.doc.apply_remove_layer(self.layer.name)


class RemoveLayersCommand(QUndoCommand):
    """Delete layers and every connection touching them; undo restores the layers at their
    places in the layer order, their inputs in order, and the edges to the layers that stay."""

    def __init__(self, doc: Document, names: list[str]) -> None:
        super().__init__("Delete " + (names[0] if len(names) == 1 else f"{len(names)} layers"))
        self.doc = doc
        wanted = set(names)
        self.names = [n for n in doc.spec.layers if n in wanted]
        if not self.names:
            raise SpecError("nothing to delete")
        self._saved: list[tuple[LayerSpec, int, tuple[float, float]]] = []
        self._outgoing: list[tuple[str, str, int]] = []

    def redo(self) -> None:
        spec, removed = self.doc.spec, set(self.names)
        order = list(spec.layers)
        # Snapshot everything before removing anything: removals change other layers' inputs.
        self._saved = [
            (copy.deepcopy(spec.layers[n]), order.index(n), self.doc.position(n))
            for n in self.names
        ]
        self._outgoing = [
            (n, dst, spec.layers[dst].inputs.index(n))
            for n in self.names
            for dst in spec.consumers(n)
            if dst not in removed
        ]
        for n in self.names:
            self.doc.apply_remove_layer(n)

    def undo(self) -> None:
        for layer, index, pos in sorted(self._saved, key=lambda s: s[1]):
            bare = copy.deepcopy(layer)
            bare.inputs = []
            self.doc.apply_add_layer(bare, pos, index)
        for layer, _, _ in self._saved:
            for src in layer.inputs:
                self.doc.apply_connect(src, layer.name)
        for src, dst, index in sorted(self._outgoing, key=lambda e: e[2]):
            self.doc.apply_connect(src, dst, index)


class ConnectCommand(QUndoCommand):
    def __init__(self, doc: Document, src: str, dst: str) -> None:
        super().__init__(f"Connect {src} → {dst}")
        reason = doc.spec.connection_refusal(src, dst)
        if reason:
            raise SpecError(reason)
        self.doc, self.src, self.dst = doc, src, dst

    def redo(self) -> None:
        self.doc.apply_connect(self.src, self.dst)

    def undo(self) -> None:
        self.doc.apply_disconnect(self.src, self.dst)


class DisconnectCommand(QUndoCommand):
    def __init__(self, doc: Document, src: str, dst: str) -> None:
        super().__init__(f"Disconnect {src} → {dst}")
        if src not in doc.spec.layers.get(dst, LayerSpec("", "")).inputs:
            raise SpecError(f"{src} is not connected to {dst}")
        self.doc, self.src, self.dst = doc, src, dst
        self.index = 0

    def redo(self) -> None:
        self.index = self.doc.apply_disconnect(self.src, self.dst)

    def undo(self) -> None:
        self.doc.apply_connect(self.src, self.dst, self.index)


class SetParamsCommand(QUndoCommand):
    """Change some parameters of one layer."""

    def __init__(self, doc: Document, name: str, changes: dict[str, Any]) -> None:
        keys = ", ".join(changes)
        super().__init__(f"Set {keys} of {name}")
        layer = doc.spec.layers[name]
        self.doc, self.name = doc, name
        self.old = copy.deepcopy(layer.params)
        merged = {**layer.params, **changes}
        self.new = engine.LAYER_TYPES[layer.type].validate_params(merged, name)

    def redo(self) -> None:
        self.doc.apply_params(self.name, self.new)

    def undo(self) -> None:
        self.doc.apply_params(self.name, self.old)


class RenameLayerCommand(QUndoCommand):
    def __init__(self, doc: Document, old: str, new: str) -> None:
        super().__init__(f"Rename {old} to {new}")
        new = new.strip()
        probe = doc.spec.copy()
        probe.rename_layer(old, new)  # raises SpecError with the reason
        self.doc, self.old, self.new = doc, old, new

    def redo(self) -> None:
        self.doc.apply_rename(self.old, self.new)

    def undo(self) -> None:
        self.doc.apply_rename(self.new, self.old)


class SetLossCommand(QUndoCommand):
    def __init__(self, doc: Document, loss: str) -> None:
        super().__init__(f"Set loss to {loss}")
        if loss not in engine.LOSSES:
            raise SpecError(f"unknown loss '{loss}'")
        self.doc, self.old, self.new = doc, doc.spec.loss, loss

    def redo(self) -> None:
        self.doc.apply_loss(self.new)

    def undo(self) -> None:
        self.doc.apply_loss(self.old)


class MoveLayersCommand(QUndoCommand):
    """Move layers; consecutive moves of the same layers merge into one undo step."""

    def __init__(self, doc: Document, moves: dict[str, tuple[tuple[float, float],
                                                          tuple[float, float]]],
                 text: str = "Move") -> None:
        names = list(moves)
        super().__init__(f"{text} {names[0]}" if len(names) == 1 else f"{text} {len(names)} layers")
        self.doc = doc
        self.moves = dict(moves)  # name -> (old, new)

    def id(self) -> int:
        return _MOVE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveLayersCommand) or set(other.moves) != set(self.moves):
            return False
        if other.text() != self.text():
            return False
        for name, (_, new) in other.moves.items():
            self.moves[name] = (self.moves[name][0], new)
        return True

    def redo(self) -> None:
        for name, (_, new) in self.moves.items():
            if name in self.doc.spec.layers:
                self.doc.apply_move(name, new)

    def undo(self) -> None:
        for name, (old, _) in self.moves.items():
            if name in self.doc.spec.layers:
                self.doc.apply_move(name, old)


class PasteCommand(QUndoCommand):
    """Add copies of layers (with the connections among them), under fresh names."""

    def __init__(self, doc: Document, layers: list[dict[str, Any]],
                 positions: dict[str, tuple[float, float]], offset: tuple[float, float]) -> None:
        super().__init__(f"Paste {len(layers)} layer(s)")
        self.doc = doc
        taken = set(doc.spec.layers)
        renames: dict[str, str] = {}
        for entry in layers:
            base = entry["name"]
            new = base
            for i in itertools.count(2):
                if new not in taken:
                    break
                new = f"{base}_{i}"
            taken.add(new)
            renames[base] = new
        self.children_specs: list[tuple[LayerSpec, tuple[float, float]]] = []
        for entry in layers:
            ltype = engine.catalog.layer_type(entry["type"])
            params = ltype.validate_params(entry.get("params", {}), entry["name"])
            inputs = [renames[s] for s in entry.get("inputs", []) if s in renames]
            x, y = positions.get(entry["name"], (0.0, 0.0))
            self.children_specs.append(
                (LayerSpec(renames[entry["name"]], entry["type"], params, inputs),
                 (x + offset[0], y + offset[1]))
            )
        self.names = [spec.name for spec, _ in self.children_specs]

    def redo(self) -> None:
        for layer, pos in self.children_specs:
            self.doc.apply_add_layer(layer, pos)

    def undo(self) -> None:
        for name in reversed(self.names):
            self.doc.apply_remove_layer(name)
