"""Model: a runnable network built from a :class:`NetworkSpec`.

Public arrays are batch-first with images as ``(N, C, H, W)`` (PyTorch's and ONNX's layout);
inputs of shape ``(N, H, W)`` are accepted for one-channel images. The model runs images
channels-last inside (see :mod:`engine.layers`) and converts at its boundary.

A model is not thread-safe: layers keep scratch buffers. To predict from one thread while
another trains, predict with a :meth:`Model.copy`.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import activations, losses
from .conv import AvgPool2D, Conv2D, MaxPool2D
from .errors import DataError
from .graph import Analysis, NetworkSpec
from .layers import (
    Add,
    BatchNorm,
    Concat,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePool,
    Identity,
    InputLayer,
    Layer,
    Parameter,
)

LAYER_CLASSES: dict[str, type[Layer]] = {
    "Input": InputLayer,
    "Dense": Dense,
    "Conv2D": Conv2D,
    "MaxPool2D": MaxPool2D,
    "AvgPool2D": AvgPool2D,
    "GlobalAveragePool": GlobalAveragePool,
    "Flatten": Flatten,
    "Dropout": Dropout,
    "BatchNorm": BatchNorm,
    "Activation": Identity,
    "Add": Add,
    "Concat": Concat,
}


@dataclass(slots=True)
class Node:
    """One layer in execution order, with its activation and what it computed last."""

    name: str
    type: str
    layer: Layer
    activation: activations.Activation | None
    inputs: list[str]
    shape: tuple[int, ...]
    requires_grad: bool = False
    z: np.ndarray | None = None
    a: np.ndarray | None = None
    #: From the last backward pass: dL/da (None when fused into the loss) and dL/dz.
    da: np.ndarray | None = None
    dz: np.ndarray | None = None


def _owned(g: np.ndarray, pending: dict[str, np.ndarray]) -> bool:
    """True when ``g`` is an array of its own that no other layer's gradient shares (Add hands
    the same array to each of its inputs; Flatten and Concat hand out views)."""
    return g.base is None and not any(other is g for other in pending.values())


def to_internal(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) → channels-last (N, H, W, C); flat arrays pass through."""
    if x.ndim == 4:
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    return x


def to_public(x: np.ndarray) -> np.ndarray:
    if x.ndim == 4:
        return x.transpose(0, 3, 1, 2)
    return x


class Model:
    """A network with weights. ``seed`` draws the initial weights; ``dtype`` is float32 for
    training speed or float64 for gradient checks and exact teaching numbers."""

    def __init__(
        self, spec: NetworkSpec, seed: int | None = 0, dtype: Any = np.float32
    ) -> None:
        analysis = spec.check()
        analysis.raise_if_invalid()
        self.spec = spec.copy()
        self.analysis: Analysis = analysis
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError("dtype must be float32 or float64")
        self.seed = seed
        self.loss_fn = losses.make(spec.loss)
        self.input_name: str = analysis.input  # type: ignore[assignment]
        self.output_name: str = analysis.output  # type: ignore[assignment]
        self.input_shape = analysis.shapes[self.input_name]
        self.output_shape = analysis.shapes[self.output_name]
        self.nodes: list[Node] = []
        self._by_name: dict[str, Node] = {}
        rng = np.random.default_rng(seed)
        for name in analysis.order:
            self._build_node(name, rng)
        self._mark_gradients()
        self.set_rng(np.random.default_rng(None if seed is None else seed + 1))

    def _build_node(self, name: str, rng: np.random.Generator) -> None:
        ls = self.spec.layers[name]
        in_shapes = [self.analysis.shapes[i] for i in ls.inputs]
        layer = LAYER_CLASSES[ls.type](
            name, ls.params, in_shapes, self.analysis.shapes[name], self.dtype
        )
        act_value = ls.params.get("activation")
        act = activations.make(act_value) if act_value is not None else None
        if act is not None and act.name == "linear":
            act = None
        layer.init_params(rng, act.name if act else "linear")
        node = Node(name, ls.type, layer, act, list(ls.inputs), self.analysis.shapes[name])
        self.nodes.append(node)
        self._by_name[name] = node

    def _mark_gradients(self) -> None:
        for node in self.nodes:
            upstream = [self._by_name[i].requires_grad for i in node.inputs]
            node.requires_grad = bool(node.layer.params) or any(upstream)
            node.layer.input_grad_needed = upstream

    def set_rng(self, rng: np.random.Generator) -> None:
        """The generator dropout draws its masks from (training seeds it)."""
        self.rng = rng
        for node in self.nodes:
            node.layer.rng = rng

    # -- introspection ----------------------------------------------------------------------

    @property
    def output_activation(self) -> str:
        act = self._by_name[self.output_name].activation
        return act.name if act else "linear"

    @property
    def is_classifier(self) -> bool:
        return self.spec.loss in losses.CLASSIFICATION_LOSSES

    def node(self, name: str) -> Node:
        return self._by_name[name]

    def parameters(self) -> list[Parameter]:
        return [p for node in self.nodes for p in node.layer.params.values()]

    def parameter_count(self) -> int:
        return sum(p.value.size for p in self.parameters())

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and running statistic, keyed ``"layer/name"``."""
        out: dict[str, np.ndarray] = {}
        for node in self.nodes:
            for pname, p in node.layer.params.items():
                out[f"{node.name}/{pname}"] = p.value.copy()
            for sname, s in node.layer.state.items():
                out[f"{node.name}/{sname}"] = s.copy()
        return out

    def set_weights(self, weights: dict[str, np.ndarray], strict: bool = True) -> list[str]:
        """Load weights by key; every shape is checked before anything changes. With
        ``strict=False`` missing or mismatched keys are skipped and listed (used to keep the
        weights of untouched layers after an edit)."""
        targets: dict[str, np.ndarray] = {}
        for node in self.nodes:
            for pname, p in node.layer.params.items():
                targets[f"{node.name}/{pname}"] = p.value
            for sname, s in node.layer.state.items():
                targets[f"{node.name}/{sname}"] = s
        skipped: list[str] = []
        plan: list[tuple[np.ndarray, np.ndarray]] = []
        for key, target in targets.items():
            if key not in weights:
                if strict:
                    raise DataError(f"weights: '{key}' is missing")
                skipped.append(key)
                continue
            value = np.asarray(weights[key])
            if value.shape != target.shape:
                if strict:
                    raise DataError(
                        f"weights: '{key}' has shape {value.shape}, the network needs "
                        f"{target.shape}"
                    )
                skipped.append(key)
                continue
            if not np.issubdtype(value.dtype, np.number):
                raise DataError(f"weights: '{key}' is not numeric")
            plan.append((target, value))
        if strict:
            extra = sorted(set(weights) - set(targets))
            if extra:
                raise DataError(f"weights: unknown key(s) {', '.join(extra)}")
        for target, value in plan:
            target[...] = value
        return skipped

    def copy(self, dtype: Any = None) -> Model:
        """An independent model with the same spec and weights (optionally another dtype)."""
        clone = copy.copy(self)
        clone.dtype = np.dtype(dtype or self.dtype)
        clone.nodes, clone._by_name = [], {}
        rng = np.random.default_rng(0)
        for name in self.analysis.order:
            clone._build_node(name, rng)
        clone._mark_gradients()
        clone.set_weights(self.get_weights())
        clone.set_rng(copy.deepcopy(self.rng))
        return clone

    # -- data checks ------------------------------------------------------------------------

    def prepare_inputs(self, x: Any) -> np.ndarray:
        """Check and convert inputs to ``(N, *input_shape)`` in the model's dtype."""
        x = np.asarray(x)
        # The kind test first: issubdtype is slow for what runs on every prediction.
        kind_ok = x.dtype.kind in "fiu" or np.issubdtype(x.dtype, np.number)
        if not kind_ok and x.dtype != bool:
            raise DataError(f"inputs must be numbers, got {x.dtype}")
        shape = tuple(self.input_shape)
        if x.shape[1:] != shape:
            if len(shape) == 3 and shape[0] == 1 and x.shape[1:] == shape[1:]:
                x = x[:, None]
            elif x.shape == shape:
                x = x[None]
            else:
                raise DataError(
                    f"inputs have shape {x.shape[1:] or x.shape}, the network's Input expects "
                    f"{'×'.join(map(str, shape))}"
                )
        x = np.asarray(x, dtype=self.dtype)
        # The ufunc's own reduce: ndarray.all adds a Python wrapper that shows on one image.
        if not np.logical_and.reduce(np.isfinite(x), axis=None):
            bad = np.argwhere(~np.isfinite(x.reshape(len(x), -1)))[0]
            raise DataError(f"inputs contain NaN or infinity (sample {bad[0]}, value {bad[1]})")
        return x

    def prepare_targets(self, y: Any, n: int) -> np.ndarray:
        """Check targets against the loss: class indices for cross-entropy, 0/1 values for
        binary cross-entropy, output-shaped numbers for MSE and MAE."""
        y = np.asarray(y)
        if len(y) != n:
            raise DataError(f"{n} inputs but {len(y)} targets")
        loss = self.spec.loss
        if loss == "cross_entropy":
            k = self.output_shape[0]
            if y.ndim == 2 and y.shape[1] == k:  # one-hot
                y = np.argmax(y, axis=1)
            if y.ndim != 1:
                raise DataError(f"cross-entropy needs one class index per sample, got {y.shape}")
            if np.issubdtype(y.dtype, np.floating):
                if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
                    raise DataError("class labels must be whole numbers 0, 1, 2, …")
            elif not np.issubdtype(y.dtype, np.integer):
                raise DataError(f"class labels must be whole numbers, got {y.dtype}")
            y = y.astype(np.int64)
            if n and (y.min() < 0 or y.max() >= k):
                raise DataError(
                    f"labels go from {y.min()} to {y.max()}, but the output layer has {k} "
                    f"neurons (classes 0..{k - 1}): give the output layer {y.max() + 1} neurons"
                )
            return y
        y = np.asarray(y, dtype=self.dtype)
        want = (n, *self.output_shape)
        if y.shape != want:
            if y.size == int(np.prod(want)):
                y = y.reshape(want)
            else:
                raise DataError(
                    f"targets have shape {y.shape[1:]}, the output layer gives "
                    f"{'×'.join(map(str, self.output_shape))}"
                )
        if not np.all(np.isfinite(y)):
            raise DataError("targets contain NaN or infinity")
        if loss == "binary_cross_entropy" and (y.min() < 0 or y.max() > 1):
            raise DataError("binary cross-entropy needs targets between 0 and 1")
        return y

    # -- computing --------------------------------------------------------------------------

    def forward(self, x: np.ndarray, training: bool = False, in_place: bool = False) -> np.ndarray:
        """Run prepared inputs through every layer; return the output activations (public
        layout, possibly a view of internal buffers: copy before keeping it).

        ``in_place`` (the training loop's choice) lets activations overwrite the fresh output
        of their layer, so ``node.z`` may then be the same array as ``node.a``."""
        values: dict[str, np.ndarray] = {}
        for node in self.nodes:
            inputs = node.inputs
            if node.type == "Input":
                z = node.layer.forward([to_internal(x)], training)
            elif len(inputs) == 1:  # a chain: no comprehension (it shows on one image)
                z = node.layer.forward([values[inputs[0]]], training)
            else:
                z = node.layer.forward([values[i] for i in inputs], training)
            act = node.activation
            if act is None:
                a = z
            elif in_place and node.layer.fresh_output:
                a = act.forward_in_place(z)
            else:
                a = act.forward(z)
            node.z = z
            node.a = values[node.name] = a
        return to_public(values[self.output_name])

    def backward(self, dout: np.ndarray, fused: bool = False, in_place: bool = False,
                 descend: bool = False) -> None:
        """Backpropagate from the output: ``dout`` is dL/da of the output layer, or dL/dz when
        ``fused`` (the loss already folded in the output activation). Fills every grad.

        ``in_place`` lets activations overwrite an incoming gradient that nothing else holds,
        so ``node.da`` may then be the same array as ``node.dz``. ``descend`` makes this one
        step of plain gradient descent instead (``dout`` scaled by the learning rate): every
        layer moves its parameters as soon as its gradients are known, and the grads are
        not filled (see :meth:`Layer.backward_descend`)."""
        grads: dict[str, np.ndarray] = {self.output_name: to_internal(dout)}
        for node in reversed(self.nodes):
            g = grads.pop(node.name, None)
            if g is None or not node.requires_grad:
                node.da = node.dz = None
                continue
            fused_here = fused and node.name == self.output_name
            node.da = None if fused_here else g
            if node.activation is not None and not fused_here:
                if in_place and _owned(g, grads):
                    g = node.activation.backward_in_place(node.z, node.a, g)
                else:
                    g = node.activation.backward(node.z, node.a, g)
            node.dz = g
            if descend and node.layer.params:
                dxs = node.layer.backward_descend(g)
            else:
                dxs = node.layer.backward(g)
            for src, dx in zip(node.inputs, dxs, strict=False):
                if dx is None:
                    continue
                if src in grads:
                    grads[src] = grads[src] + dx  # never in place: dx may be a view
                else:
                    grads[src] = dx

    def _loss_fused(self) -> bool:
        node = self._by_name[self.output_name]
        return (
            self.loss_fn.fused_with is not None
            and node.activation is not None
            and node.activation.name == self.loss_fn.fused_with
        )

    def compute_loss(self, out_internal_z: np.ndarray | None, out: np.ndarray,
                     y: np.ndarray) -> float:
        if self._loss_fused() and out_internal_z is not None:
            return self.loss_fn.fused_value(to_public(out_internal_z), y)
        return self.loss_fn.value(out, y)

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray, training: bool = True,
                           grad_scale: float = 1.0, in_place: bool = False,
                           descend: bool = False):
        """Forward, loss, backward on prepared data. Returns (loss, output activations).

        ``grad_scale`` multiplies every gradient (they are then the gradients of
        ``grad_scale · loss``): plain SGD asks for ``lr`` and updates with one subtraction.
        ``in_place`` and ``descend`` (take the SGD step during the backward pass): see
        :meth:`forward` and :meth:`backward`. Nothing is backpropagated, and with ``descend``
        no weight moves, when the loss is not finite."""
        out = self.forward(x, training=training, in_place=in_place)
        node = self._by_name[self.output_name]
        if self._loss_fused():
            loss = self.loss_fn.fused_value_and_output(to_public(node.z), out, y)
            loss_is_finite = np.isfinite(loss)
            if loss_is_finite:
                dz = self.loss_fn.fused_grad(out, y, grad_scale)
                self.backward(dz, fused=True, in_place=in_place, descend=descend)
        else:
            loss = self.loss_fn.value(out, y)
            loss_is_finite = np.isfinite(loss)
            if loss_is_finite:
                da = self.loss_fn.grad(out, y)
                if grad_scale != 1.0:
                    da *= da.dtype.type(grad_scale)
                self.backward(da, in_place=in_place, descend=descend)
        return loss, out

    def predict(self, x: Any, batch_size: int = 1024) -> np.ndarray:
        """Output activations for inputs (probabilities after softmax or sigmoid)."""
        x = self.prepare_inputs(x)
        # In place: the activations may overwrite their layer's z, which nobody reads here.
        if 0 < len(x) <= batch_size:  # one batch (one image from the GUI): no list, no join
            return self.forward(x, training=False, in_place=True).copy()
        outs = [
            self.forward(x[i : i + batch_size], training=False, in_place=True).copy()
            for i in range(0, len(x), batch_size)
        ]
        if not outs:
            return np.zeros((0, *self.output_shape), dtype=self.dtype)
        return np.concatenate(outs)

    def predict_classes(self, x: Any) -> np.ndarray:
        out = self.predict(x)
        if self.spec.loss == "binary_cross_entropy" or out.shape[1] == 1:
            return (out.reshape(len(out), -1)[:, 0] >= 0.5).astype(np.int64)
        return np.argmax(out, axis=1)

    def evaluate(self, x: Any, y: Any, batch_size: int = 1024) -> dict[str, float | None]:
        """Mean loss and (for classifiers) accuracy on a data set."""
        from .metrics import accuracy  # local: metrics imports nothing from here

        x = self.prepare_inputs(x)
        y = self.prepare_targets(y, len(x))
        if len(x) == 0:
            return {"loss": None, "accuracy": None}
        total, outs = 0.0, []
        for i in range(0, len(x), batch_size):
            xb, yb = x[i : i + batch_size], y[i : i + batch_size]
            out = self.forward(xb, training=False)
            z = self._by_name[self.output_name].z
            total += self.compute_loss(z, out, yb) * len(xb)
            outs.append(out.copy())
        out = np.concatenate(outs)
        acc = accuracy(out, y, self.spec.loss) if self.is_classifier else None
        return {"loss": total / len(x), "accuracy": acc}

    def activations(self, x: Any) -> dict[str, dict[str, np.ndarray]]:
        """For the teaching views: every layer's ``z`` and ``a`` (public layout, copies)."""
        x = self.prepare_inputs(x)
        self.forward(x, training=False)
        return {
            node.name: {"z": to_public(node.z).copy(), "a": to_public(node.a).copy()}
            for node in self.nodes
        }

    def gradient_norms(self) -> dict[str, float]:
        """The L2 norm of each layer's parameter gradients from the last backward pass."""
        # Runs every batch (the trainer's NaN check): one BLAS dot per tensor, nothing else.
        # BLAS dots raise no floating-point warnings: inf/NaN is the caller's verdict.
        norms: dict[str, float] = {}
        for name, grads in self._layer_grads():
            sq = 0.0
            for g in grads:
                sq += float(np.vdot(g, g))
            norms[name] = math.sqrt(sq) if math.isfinite(sq) else sq
        return norms

    def _layer_grads(self) -> list[tuple[str, list[np.ndarray]]]:
        """Each layer with parameters and its gradient arrays, listed once per set of nodes
        (gradients are filled in place and live as long as their parameters)."""
        cached = getattr(self, "_layer_grads_cache", None)
        if cached is None or cached[0] is not self.nodes:
            grads = [
                (node.name, [p.grad for p in node.layer.params.values()])
                for node in self.nodes
                if node.layer.params
            ]
            cached = self._layer_grads_cache = (self.nodes, grads)
        return cached[1]
