"""The catalogue of layer types: their parameters (with defaults, ranges and help), how many
inputs they take, and how they transform shapes.

This is the single description that validation, shape inference, the model builder, the GUI's
property editor and the exporters all read. Shapes exclude the batch dimension: a flat vector is
``(F,)`` and an image is ``(C, H, W)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import activations, initializers
from .errors import SpecError

Shape = tuple[int, ...]


def fmt_shape(shape: Shape) -> str:
    return "×".join(str(d) for d in shape)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a layer type. ``kind`` is one of int, float, bool, choice, shape,
    size2 (an int or a pair of ints), activation, initializer."""

    name: str
    kind: str
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    def validate(self, value: Any, where: str) -> Any:
        """Return the normalised value or raise :class:`SpecError` saying what is wrong."""
        label = f"{where}.{self.name}"
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise SpecError(f"{label}: expected a whole number, got {value!r}")
            self._check_range(value, label)
            return int(value)
        if self.kind == "float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SpecError(f"{label}: expected a number, got {value!r}")
            if not math.isfinite(value):
                raise SpecError(f"{label}: must be finite, got {value!r}")
            self._check_range(value, label)
            return float(value)
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise SpecError(f"{label}: expected true or false, got {value!r}")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise SpecError(
                    f"{label}: expected one of {', '.join(self.choices)}, got {value!r}"
                )
            return value
        if self.kind == "shape":
            if not isinstance(value, list | tuple) or not 1 <= len(value) <= 3:
                raise SpecError(
                    f"{label}: expected [features] or [channels, height, width], got {value!r}"
                )
            if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in value):
                raise SpecError(f"{label}: every dimension must be a whole number ≥ 1")
            if len(value) == 2:
                raise SpecError(
                    f"{label}: a 2-D input needs a channel count: use [1, {value[0]}, {value[1]}]"
                )
            return [int(d) for d in value]
        if self.kind == "size2":
            is_int = isinstance(value, int) and not isinstance(value, bool)
            pair = [value, value] if is_int else value
            if (
                not isinstance(pair, list | tuple)
                or len(pair) != 2
                or not all(isinstance(d, int) and not isinstance(d, bool) for d in pair)
            ):
                raise SpecError(
                    f"{label}: expected a whole number or a pair of them, got {value!r}"
                )
            for d in pair:
                self._check_range(d, label)
            return int(pair[0]) if pair[0] == pair[1] else [int(pair[0]), int(pair[1])]
        if self.kind == "activation":
            try:
                return activations.canonical(value)
            except SpecError as exc:
                raise SpecError(f"{label}: {exc}") from None
        if self.kind == "initializer":
            try:
                return initializers.canonical(value)
            except SpecError as exc:
                raise SpecError(f"{label}: {exc}") from None
        raise AssertionError(f"unknown parameter kind {self.kind}")  # programming error

    def _check_range(self, value: float, label: str) -> None:
        if self.minimum is not None and value < self.minimum:
            raise SpecError(f"{label}: must be ≥ {self.minimum:g}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise SpecError(f"{label}: must be ≤ {self.maximum:g}, got {value!r}")


class ShapeMismatch(Exception):
    """Raised by a shape rule; ``input_index`` points at the offending incoming edge."""

    def __init__(self, message: str, fix: str = "", input_index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.input_index = input_index


def pair(value: int | list[int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def conv_geometry(
    size: int, kernel: int, stride: int, padding: str
) -> tuple[int, int, int]:
    """Output length and (before, after) padding along one axis, as TensorFlow/ONNX SAME_UPPER."""
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        return out, total // 2, total - total // 2
    return (size - kernel) // stride + 1, 0, 0


# ---------------------------------------------------------------------------------------------
# Shape rules: (params, input shapes) -> output shape. They raise ShapeMismatch with a fix.


def _need_flat(type_name: str, shape: Shape) -> None:
    if len(shape) != 1:
        raise ShapeMismatch(
            f"{type_name} needs a flat input; it gets {fmt_shape(shape)}",
            "insert a Flatten layer (or a GlobalAveragePool) before it",
            0,
        )


def _need_image(type_name: str, shape: Shape) -> None:
    if len(shape) != 3:
        raise ShapeMismatch(
            f"{type_name} needs an image input (channels×height×width); "
            f"it gets a flat vector of {shape[0]}",
            "feed it from an image Input, a Conv2D or a pooling layer",
            0,
        )


def _shape_input(p: dict, shapes: list[Shape]) -> Shape:
    return tuple(p["shape"])


def _shape_dense(p: dict, shapes: list[Shape]) -> Shape:
    _need_flat("Dense", shapes[0])
    return (p["units"],)


def _shape_conv(p: dict, shapes: list[Shape]) -> Shape:
    _need_image("Conv2D", shapes[0])
    _c, h, w = shapes[0]
    kh, kw = pair(p["kernel_size"])
    sh, sw = pair(p["stride"])
    oh, _, _ = conv_geometry(h, kh, sh, p["padding"])
    ow, _, _ = conv_geometry(w, kw, sw, p["padding"])
    if oh < 1 or ow < 1:
        raise ShapeMismatch(
            f"a {kh}×{kw} kernel does not fit in a {h}×{w} image",
            "use a smaller kernel or padding 'same'",
            0,
        )
    return (p["filters"], oh, ow)


def _shape_pool(type_name: str) -> Callable[[dict, list[Shape]], Shape]:
    def rule(p: dict, shapes: list[Shape]) -> Shape:
        _need_image(type_name, shapes[0])
        c, h, w = shapes[0]
        k = p["pool_size"]
        s = p["stride"] or k
        if k > h or k > w:
            raise ShapeMismatch(
                f"a {k}×{k} pool does not fit in a {h}×{w} image",
                "use a smaller pool size or remove this layer",
                0,
            )
        return (c, (h - k) // s + 1, (w - k) // s + 1)

    return rule


def _shape_gap(p: dict, shapes: list[Shape]) -> Shape:
    _need_image("GlobalAveragePool", shapes[0])
    return (shapes[0][0],)


def _shape_flatten(p: dict, shapes: list[Shape]) -> Shape:
    return (math.prod(shapes[0]),)


def _shape_same(p: dict, shapes: list[Shape]) -> Shape:
    return shapes[0]


def _shape_add(p: dict, shapes: list[Shape]) -> Shape:
    first = shapes[0]
    for i, s in enumerate(shapes[1:], start=1):
        if s != first:
            raise ShapeMismatch(
                f"Add needs inputs of one shape; they are {fmt_shape(first)} and {fmt_shape(s)}",
                "make both branches end in the same size, or use Concat",
                i,
            )
    return first


def _shape_concat(p: dict, shapes: list[Shape]) -> Shape:
    first = shapes[0]
    for i, s in enumerate(shapes[1:], start=1):
        if len(s) != len(first):
            raise ShapeMismatch(
                f"Concat cannot join a flat vector and an image ({fmt_shape(first)} and "
                f"{fmt_shape(s)})",
                "flatten the image branch first",
                i,
            )
        if len(s) == 3 and s[1:] != first[1:]:
            raise ShapeMismatch(
                f"Concat joins images along channels, so heights and widths must match; "
                f"they are {fmt_shape(first)} and {fmt_shape(s)}",
                "adjust pooling or padding so both branches have the same height×width",
                i,
            )
    if len(first) == 1:
        return (sum(s[0] for s in shapes),)
    return (sum(s[0] for s in shapes), first[1], first[2])


# ---------------------------------------------------------------------------------------------
# Parameter counts: (params, input shapes) -> number of trainable values.


def _count_dense(p: dict, shapes: list[Shape]) -> int:
    return shapes[0][0] * p["units"] + (p["units"] if p["use_bias"] else 0)


def _count_conv(p: dict, shapes: list[Shape]) -> int:
    kh, kw = pair(p["kernel_size"])
    return shapes[0][0] * kh * kw * p["filters"] + (p["filters"] if p["use_bias"] else 0)


def _count_batchnorm(p: dict, shapes: list[Shape]) -> int:
    return 2 * shapes[0][0]


def _count_none(p: dict, shapes: list[Shape]) -> int:
    return 0


# ---------------------------------------------------------------------------------------------

ACTIVATION = ParamSpec("activation", "activation", "linear", "function applied to each sum")


def _act(default: str) -> ParamSpec:
    return ParamSpec("activation", "activation", default, ACTIVATION.help)


KERNEL_INIT = ParamSpec("kernel_init", "initializer", "auto", "how the weights start")
BIAS_INIT = ParamSpec("bias_init", "initializer", "zeros", "how the biases start")
USE_BIAS = ParamSpec("use_bias", "bool", True, "give every neuron a bias")


@dataclass(frozen=True)
class LayerType:
    """Everything the engine knows about one kind of layer, except how it computes."""

    name: str
    category: str  # input, core, convolution, pooling, reshape, regularisation, merge
    summary: str
    params: tuple[ParamSpec, ...]
    shape_rule: Callable[[dict, list[Shape]], Shape]
    count_rule: Callable[[dict, list[Shape]], int] = _count_none
    min_inputs: int = 1
    max_inputs: int | None = 1

    def param(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def has_activation(self) -> bool:
        return any(p.kind == "activation" for p in self.params)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def validate_params(self, params: dict[str, Any], where: str) -> dict[str, Any]:
        """Fill defaults, normalise values, and reject unknown parameters."""
        known = {p.name for p in self.params}
        unknown = set(params) - known
        if unknown:
            raise SpecError(
                f"{where}: {self.name} has no parameter(s) {', '.join(sorted(unknown))} "
                f"(it has: {', '.join(sorted(known)) or 'none'})"
            )
        out = {}
        for p in self.params:
            out[p.name] = p.validate(params.get(p.name, p.default), where)
        return out


LAYER_TYPES: dict[str, LayerType] = {
    t.name: t
    for t in (
        LayerType(
            "Input",
            "input",
            "Where data enters: one input neuron per feature or pixel.",
            (ParamSpec("shape", "shape", [2], "features, or channels × height × width"),),
            _shape_input,
            min_inputs=0,
            max_inputs=0,
        ),
        LayerType(
            "Dense",
            "core",
            "Fully connected: every neuron sums all inputs times weights, plus a bias.",
            (
                ParamSpec("units", "int", 8, "number of neurons", 1, 1_000_000),
                _act("relu"),
                USE_BIAS,
                KERNEL_INIT,
                BIAS_INIT,
            ),
            _shape_dense,
            _count_dense,
        ),
        LayerType(
            "Conv2D",
            "convolution",
            "Slides small learned filters over an image; each filter makes one feature map.",
            (
                ParamSpec("filters", "int", 8, "number of filters (output channels)", 1, 4096),
                ParamSpec("kernel_size", "size2", 3, "filter height × width", 1, 64),
                ParamSpec("stride", "size2", 1, "step between filter positions", 1, 64),
                ParamSpec(
                    "padding", "choice", "valid", "valid: no padding; same: keep the size",
                    choices=("valid", "same"),
                ),
                _act("relu"),
                USE_BIAS,
                KERNEL_INIT,
                BIAS_INIT,
            ),
            _shape_conv,
            _count_conv,
        ),
        LayerType(
            "MaxPool2D",
            "pooling",
            "Keeps the largest value in each window: smaller maps, some shift tolerance.",
            (
                ParamSpec("pool_size", "int", 2, "window height and width", 1, 64),
                ParamSpec("stride", "int", 0, "step between windows (0: the pool size)", 0, 64),
            ),
            _shape_pool("MaxPool2D"),
        ),
        LayerType(
            "AvgPool2D",
            "pooling",
            "Averages each window: smaller, smoother maps.",
            (
                ParamSpec("pool_size", "int", 2, "window height and width", 1, 64),
                ParamSpec("stride", "int", 0, "step between windows (0: the pool size)", 0, 64),
            ),
            _shape_pool("AvgPool2D"),
        ),
        LayerType(
            "GlobalAveragePool",
            "pooling",
            "Averages each feature map to one number: channels×H×W becomes channels.",
            (),
            _shape_gap,
        ),
        LayerType(
            "Flatten",
            "reshape",
            "Lays an image out as one long vector so Dense layers can read it.",
            (),
            _shape_flatten,
        ),
        LayerType(
            "Dropout",
            "regularisation",
            "While training, silences a random share of values to fight overfitting.",
            (ParamSpec("rate", "float", 0.5, "share of values dropped while training", 0.0, 0.99),),
            _shape_same,
        ),
        LayerType(
            "BatchNorm",
            "regularisation",
            "Normalises each feature or channel over the batch, then scales and shifts it.",
            (
                ParamSpec("momentum", "float", 0.1, "weight of the newest batch in the running "
                          "statistics", 0.0, 1.0),
                ParamSpec("eps", "float", 1e-5, "added to the variance to avoid dividing by 0",
                          1e-12, 1.0),
            ),
            _shape_same,
            _count_batchnorm,
        ),
        LayerType(
            "Activation",
            "core",
            "Applies an activation function on its own (e.g. after BatchNorm).",
            (_act("relu"),),
            _shape_same,
        ),
        LayerType(
            "Add",
            "merge",
            "Adds its inputs element by element (a residual connection).",
            (_act("linear"),),
            _shape_add,
            min_inputs=2,
            max_inputs=None,
        ),
        LayerType(
            "Concat",
            "merge",
            "Joins its inputs side by side (features, or image channels).",
            (),
            _shape_concat,
            min_inputs=2,
            max_inputs=None,
        ),
    )
}

LOSSES: dict[str, str] = {
    "mse": "mean squared error — regression",
    "mae": "mean absolute error — regression, robust to outliers",
    "cross_entropy": "cross-entropy on a softmax output — classification into several classes",
    "binary_cross_entropy": "binary cross-entropy on a sigmoid output — yes/no answers",
}


def layer_type(name: str) -> LayerType:
    try:
        return LAYER_TYPES[name]
    except KeyError:
        raise SpecError(
            f"unknown layer type '{name}' (known: {', '.join(LAYER_TYPES)})"
        ) from None
