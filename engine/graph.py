"""NetworkSpec: a network described as data — layers, their connections, and the loss.

The spec is a directed acyclic graph: every layer lists the layers it reads from (``inputs``, in
order — the order matters for Concat). It converts to and from a plain JSON-able dict with a
``format_version``.

A spec may be *invalid* while it is being designed (a layer not yet connected, a Dense after a
Conv2D without Flatten). Such problems are not exceptions: :meth:`NetworkSpec.check` lists them,
each with a human reason and a suggested fix, attached to the layer or edge at fault, and gives
every shape that could be inferred. Parameter *values* are different: a setter given ``units=0``
raises :class:`SpecError` at once, so a spec never holds an impossible value.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import activations
from .catalog import LAYER_TYPES, LOSSES, Shape, ShapeMismatch, fmt_shape, layer_type
from .errors import InvalidNetworkError, Problem, SpecError

FORMAT_VERSION = 1
_NAME_RE = re.compile(r"^[^/\\\x00-\x1f]{1,64}$")


@dataclass
class LayerSpec:
    """One layer: a unique name, a type from the catalogue, its parameters, its inputs."""

    name: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)

    @property
    def activation(self) -> str:
        """The activation's name (``"linear"`` for layers without one)."""
        value = self.params.get("activation")
        return activations.make(value).name if value is not None else "linear"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "params": copy.deepcopy(self.params),
            "inputs": list(self.inputs),
        }


@dataclass
class Analysis:
    """What :meth:`NetworkSpec.check` found: shapes, parameter counts, order and problems."""

    shapes: dict[str, Shape]
    param_counts: dict[str, int]
    order: list[str]
    problems: list[Problem]
    input: str | None
    output: str | None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(self.param_counts.values())

    def problems_for(self, layer: str) -> list[Problem]:
        return [p for p in self.problems if p.layer == layer]

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise InvalidNetworkError(self.problems)


class NetworkSpec:
    """A network as data. Build it with :meth:`sequential`, :meth:`add_layer` and
    :meth:`connect`, or load it with :meth:`from_dict`."""

    def __init__(self, loss: str = "cross_entropy", name: str = "") -> None:
        self.layers: dict[str, LayerSpec] = {}
        self.name = name
        self.loss = loss  # validated by the property setter

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def sequential(
        cls, layers: Iterable[dict[str, Any]], loss: str = "cross_entropy", name: str = ""
    ) -> NetworkSpec:
        """A chain of layers, each given as ``{"type": "Dense", "units": 8, ...}``
        (an optional ``"name"`` key names it)."""
        spec = cls(loss=loss, name=name)
        previous: str | None = None
        for i, entry in enumerate(layers):
            if not isinstance(entry, dict) or "type" not in entry:
                raise SpecError(f"layer {i}: expected a dict with a 'type'")
            params = {k: v for k, v in entry.items() if k not in ("type", "name")}
            inputs = [previous] if previous is not None and entry["type"] != "Input" else []
            previous = spec.add_layer(
                entry["type"], name=entry.get("name"), inputs=inputs, **params
            )
        return spec

    @property
    def loss(self) -> str:
        return self._loss

    @loss.setter
    def loss(self, value: str) -> None:
        if value not in LOSSES:
            raise SpecError(f"unknown loss '{value}' (known: {', '.join(LOSSES)})")
        self._loss = value

    def unique_name(self, type_name: str) -> str:
        base = type_name.lower()
        i = 1
        while f"{base}_{i}" in self.layers:
            i += 1
        return f"{base}_{i}"

    def add_layer(
        self,
        type_name: str,
        name: str | None = None,
        inputs: Iterable[str] = (),
        **params: Any,
    ) -> str:
        """Add a layer and return its name. Raises :class:`SpecError` for an unknown type, a
        taken or malformed name, a bad parameter value or an input that does not exist."""
        ltype = layer_type(type_name)
        if name is None:
            name = "input" if type_name == "Input" and "input" not in self.layers else (
                self.unique_name(type_name)
            )
        self._check_new_name(name)
        clean = ltype.validate_params(params, name)
        layer = LayerSpec(name, type_name, clean, [])
        self.layers[name] = layer
        try:
            for src in inputs:
                self.connect(src, name)
        except SpecError:
            del self.layers[name]
            raise
        return name

    def insert_layer(self, layer: LayerSpec, index: int | None = None) -> None:
        """Put back a layer (with its inputs) exactly as it was, e.g. to undo a removal."""
        self._check_new_name(layer.name)
        items = list(self.layers.items())
        if index is None or index >= len(items):
            items.append((layer.name, copy.deepcopy(layer)))
        else:
            items.insert(index, (layer.name, copy.deepcopy(layer)))
        self.layers = dict(items)

    def remove_layer(self, name: str) -> LayerSpec:
        """Remove a layer and every connection to or from it; return what was removed."""
        layer = self._get(name)
        del self.layers[name]
        for other in self.layers.values():
            other.inputs = [i for i in other.inputs if i != name]
        return layer

    def rename_layer(self, old: str, new: str) -> None:
        self._get(old)
        if new == old:
            return
        self._check_new_name(new)
        self.layers = {
            (new if k == old else k): v for k, v in self.layers.items()
        }
        self.layers[new].name = new
        for other in self.layers.values():
            other.inputs = [new if i == old else i for i in other.inputs]

    def set_params(self, name: str, **params: Any) -> None:
        """Change parameters of a layer; every value is validated before any is applied."""
        layer = self._get(name)
        merged = {**layer.params, **params}
        layer.params = layer_type(layer.type).validate_params(merged, name)

    def connection_refusal(self, src: str, dst: str) -> str | None:
        """Why ``src → dst`` can never be a valid connection, or None if it may be drawn.

        Shape mismatches are *not* refusals: they are allowed and shown as problems, so that a
        user can connect first and fix the layers after."""
        if src not in self.layers:
            return f"there is no layer named '{src}'"
        if dst not in self.layers:
            return f"there is no layer named '{dst}'"
        if src == dst:
            return "a layer cannot feed itself"
        if self.layers[dst].type == "Input":
            return "an Input layer cannot receive connections: it is where data enters"
        if src in self.layers[dst].inputs:
            return f"{src} is already connected to {dst}"
        return None

    def connect(self, src: str, dst: str, index: int | None = None) -> None:
        """Connect ``src`` to ``dst`` (as its input number ``index``, default last)."""
        reason = self.connection_refusal(src, dst)
        if reason:
            raise SpecError(reason)
        inputs = self.layers[dst].inputs
        inputs.insert(len(inputs) if index is None else index, src)

    def disconnect(self, src: str, dst: str) -> int:
        """Remove the connection and return the input position it had."""
        inputs = self._get(dst).inputs
        if src not in inputs:
            raise SpecError(f"{src} is not connected to {dst}")
        index = inputs.index(src)
        inputs.pop(index)
        return index

    def edges(self) -> list[tuple[str, str]]:
        return [(src, layer.name) for layer in self.layers.values() for src in layer.inputs]

    def consumers(self, name: str) -> list[str]:
        return [layer.name for layer in self.layers.values() if name in layer.inputs]

    def copy(self) -> NetworkSpec:
        return NetworkSpec.from_dict(self.to_dict())

    def _get(self, name: str) -> LayerSpec:
        try:
            return self.layers[name]
        except KeyError:
            raise SpecError(f"there is no layer named '{name}'") from None

    def _check_new_name(self, name: str) -> None:
        if (
            not isinstance(name, str)
            or not _NAME_RE.match(name)
            or name != name.strip()
            or name in (".", "..")
        ):
            raise SpecError(
                f"layer name {name!r}: use 1–64 characters, no slashes or control characters, "
                "no leading or trailing spaces, not '.' or '..'"
            )
        if name in self.layers:
            raise SpecError(f"a layer named '{name}' already exists")

    # -- serialisation ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "loss": self.loss,
            "layers": [layer.to_dict() for layer in self.layers.values()],
        }

    @classmethod
    def from_dict(cls, data: Any) -> NetworkSpec:
        """Load a spec, raising :class:`SpecError` that names the field at fault."""
        if not isinstance(data, dict):
            raise SpecError("network: expected an object")
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or isinstance(version, bool):
            raise SpecError("network.format_version: expected a whole number")
        if version > FORMAT_VERSION:
            raise SpecError(
                f"network.format_version is {version}, newer than this version of nndesigner "
                f"understands ({FORMAT_VERSION}); update nndesigner to open it"
            )
        name = data.get("name", "")
        if not isinstance(name, str):
            raise SpecError("network.name: expected text")
        loss = data.get("loss", "cross_entropy")
        if not isinstance(loss, str) or loss not in LOSSES:
            raise SpecError(f"network.loss: unknown loss {loss!r} (known: {', '.join(LOSSES)})")
        spec = cls(loss=loss, name=name)
        raw_layers = data.get("layers")
        if not isinstance(raw_layers, list):
            raise SpecError("network.layers: expected a list")
        pending: list[tuple[str, list[Any], int]] = []
        for i, raw in enumerate(raw_layers):
            where = f"network.layers[{i}]"
            if not isinstance(raw, dict):
                raise SpecError(f"{where}: expected an object")
            lname, ltype = raw.get("name"), raw.get("type")
            if not isinstance(lname, str):
                raise SpecError(f"{where}.name: expected text")
            if not isinstance(ltype, str) or ltype not in LAYER_TYPES:
                raise SpecError(
                    f"{where}.type: unknown layer type {ltype!r} (known: {', '.join(LAYER_TYPES)})"
                )
            params = raw.get("params", {})
            if not isinstance(params, dict):
                raise SpecError(f"{where}.params: expected an object")
            inputs = raw.get("inputs", [])
            if not isinstance(inputs, list) or not all(isinstance(s, str) for s in inputs):
                raise SpecError(f"{where}.inputs: expected a list of layer names")
            try:
                spec.add_layer(ltype, name=lname, **params)
            except SpecError as exc:
                raise SpecError(f"{where}: {exc}") from None
            pending.append((lname, inputs, i))
        for lname, inputs, i in pending:
            for src in inputs:
                try:
                    spec.connect(src, lname)
                except SpecError as exc:
                    raise SpecError(f"network.layers[{i}].inputs: {exc}") from None
        return spec

    # -- analysis ---------------------------------------------------------------------------

    def check(self) -> Analysis:
        """Validate the whole network: structure, cycles, shapes, loss; never raises."""
        problems: list[Problem] = []
        order, cyclic = self._topological_order()
        for cycle in cyclic:
            path = "→".join([*cycle, cycle[0]])
            problems.append(
                Problem(
                    "cycle",
                    f"cycle through {path}: data would flow in a circle",
                    "remove one of these connections",
                    layer=cycle[0],
                    edge=(cycle[-1], cycle[0]),
                )
            )
        inputs = [n for n, layer in self.layers.items() if layer.type == "Input"]
        if not inputs:
            problems.append(
                Problem("no_input", "the network has no Input layer",
                        "add an Input layer from the palette")
            )
        elif len(inputs) > 1:
            for extra in inputs[1:]:
                problems.append(
                    Problem("several_inputs",
                            f"several Input layers ({', '.join(inputs)}); a network has one",
                            "delete the extra Input, or feed both branches from one Input",
                            layer=extra)
                )

        shapes: dict[str, Shape] = {}
        counts: dict[str, int] = {}
        for name in order:
            layer = self.layers[name]
            ltype = LAYER_TYPES[layer.type]
            n_in = len(layer.inputs)
            if n_in < ltype.min_inputs:
                problems.append(
                    Problem(
                        "missing_input",
                        f"{layer.type} has no input" if n_in == 0 else
                        f"{layer.type} needs at least {ltype.min_inputs} inputs; it has {n_in}",
                        "drag a connection from another layer's output port to this layer",
                        layer=name,
                    )
                )
                continue
            if ltype.max_inputs is not None and n_in > ltype.max_inputs:
                problems.append(
                    Problem(
                        "too_many_inputs",
                        f"{layer.type} takes one input; it has {n_in} "
                        f"({', '.join(layer.inputs)})",
                        "merge the branches first with an Add or Concat layer",
                        layer=name,
                        edge=(layer.inputs[-1], name),
                    )
                )
                continue
            if any(src not in shapes for src in layer.inputs):
                continue  # an upstream problem was already reported
            in_shapes = [shapes[src] for src in layer.inputs]
            try:
                shapes[name] = tuple(ltype.shape_rule(layer.params, in_shapes))
                counts[name] = ltype.count_rule(layer.params, in_shapes)
            except ShapeMismatch as exc:
                edge = None
                if exc.input_index is not None and exc.input_index < n_in:
                    edge = (layer.inputs[exc.input_index], name)
                problems.append(Problem("shape", exc.message, exc.fix, layer=name, edge=edge))

        output = self._find_output(problems, inputs)
        if output is not None and output in shapes:
            self._check_loss(output, shapes[output], problems)
        self._check_step_units(output, problems)
        return Analysis(shapes, counts, order, problems, inputs[0] if inputs else None, output)

    def _topological_order(self) -> tuple[list[str], list[list[str]]]:
        """Kahn's order of the acyclic part (ties in insertion order), and the cycles found
        among the rest. Linear in layers + edges."""
        position = {n: i for i, n in enumerate(self.layers)}
        indegree = {n: len(set(layer.inputs)) for n, layer in self.layers.items()}
        consumers: dict[str, list[str]] = {n: [] for n in self.layers}
        for src, dst in dict.fromkeys(self.edges()):
            consumers[src].append(dst)
        ready = [n for n in self.layers if indegree[n] == 0]
        order: list[str] = []
        head = 0
        while head < len(ready):
            n = ready[head]
            head += 1
            order.append(n)
            for c in sorted(consumers[n], key=position.__getitem__):
                indegree[c] -= 1
                if indegree[c] == 0:
                    ready.append(c)
        placed = set(order)
        remaining = [n for n in self.layers if n not in placed]
        stuck = set(remaining)
        cycles: list[list[str]] = []
        seen: set[str] = set()
        for start in remaining:
            if start in seen:
                continue
            # Walk backwards along inputs that are also stuck until a layer repeats.
            path, pos = [start], {start: 0}
            current = start
            while True:
                nxt = next(i for i in self.layers[current].inputs if i in stuck)
                if nxt in pos:
                    cycle = path[pos[nxt]:][::-1]
                    if not seen & set(cycle):
                        cycles.append(cycle)
                    seen.update(path)
                    break
                if nxt in seen:  # joins a walk already explained
                    seen.update(path)
                    break
                pos[nxt] = len(path)
                path.append(nxt)
                current = nxt
        return order, cycles

    def _find_output(self, problems: list[Problem], inputs: list[str]) -> str | None:
        fed = {src for layer in self.layers.values() for src in layer.inputs}
        sinks = [
            n for n, layer in self.layers.items() if layer.type != "Input" and n not in fed
        ]
        if not sinks:
            if inputs and all(self.layers[n].type == "Input" for n in self.layers):
                problems.append(
                    Problem(
                        "no_output",
                        "no output layer: the network is only an Input",
                        "add a Dense layer after the Input (one neuron per class, softmax)",
                        layer=inputs[0],
                    )
                )
            return None
        if len(sinks) > 1:
            for extra in sinks:
                problems.append(
                    Problem(
                        "several_outputs",
                        f"several layers end the network ({', '.join(sinks)}); "
                        "a network has exactly one output layer",
                        "connect the loose layers onward, or delete the unused ones",
                        layer=extra,
                    )
                )
            return None
        return sinks[0]

    def _check_loss(self, output: str, shape: Shape, problems: list[Problem]) -> None:
        layer = self.layers[output]
        act = layer.activation
        if self.loss == "cross_entropy":
            if act != "softmax":
                problems.append(
                    Problem(
                        "loss_activation",
                        f"cross-entropy needs a softmax output; {output} uses {act}",
                        "set the output layer's activation to softmax, or choose another loss",
                        layer=output,
                    )
                )
            elif len(shape) != 1:
                problems.append(
                    Problem("loss_shape",
                            f"cross-entropy needs a flat output; {output} gives {fmt_shape(shape)}",
                            "end the network with Flatten and a Dense layer", layer=output)
                )
            elif shape[0] < 2:
                problems.append(
                    Problem(
                        "softmax_one_unit",
                        "softmax over a single neuron always outputs 1, so it cannot learn",
                        "use 2 or more output neurons, or sigmoid with binary cross-entropy",
                        layer=output,
                    )
                )
        elif self.loss == "binary_cross_entropy" and act not in ("sigmoid", "step"):
            problems.append(
                Problem(
                    "loss_activation",
                    f"binary cross-entropy needs a sigmoid output; {output} uses {act}",
                    "set the output layer's activation to sigmoid, or choose another loss",
                    layer=output,
                )
            )
        elif act == "softmax" and self.loss in ("mse", "mae"):
            problems.append(
                Problem(
                    "loss_activation",
                    f"{self.loss.upper()} on a softmax output trains slowly",
                    "cross-entropy is the usual loss for softmax outputs",
                    layer=output,
                    severity="warning",
                )
            )

    def is_perceptron(self) -> bool:
        """True for Input → Dense(step): trained with the perceptron rule, not gradients."""
        if len(self.layers) != 2:
            return False
        a, b = self.layers.values()
        return (
            a.type == "Input"
            and b.type == "Dense"
            and b.inputs == [a.name]
            and b.activation == "step"
        )

    def _check_step_units(self, output: str | None, problems: list[Problem]) -> None:
        if self.is_perceptron():
            return
        for name, layer in self.layers.items():
            value = layer.params.get("activation")
            if value is None:
                continue
            act = activations.make(value)
            if act.blocks_gradient:
                problems.append(
                    Problem(
                        "step_blocks_gradient",
                        "step units have zero gradient, so gradient descent cannot train "
                        "this layer or the layers before it",
                        "use sigmoid, or enable the straight-through estimator for the step",
                        layer=name,
                        severity="warning",
                    )
                )
