"""Export a model to ONNX (opset 17 or 18) for use outside nndesigner.

The graph has one input ``"input"`` of shape ``(N, *input_shape)`` (``N`` dynamic; images NCHW)
and one output ``"output"``; it passes ``onnx.checker.check_model(model, full_check=True)`` and
computes what :meth:`engine.Model.predict` computes (float32). Weights become float32
initializers named like the engine's weight keys (``"dense_1/W"``); the node that computes a layer
is named after the layer, helper nodes ``"<layer>/<Op>"``. So :mod:`engine.io.onnx_import` gets
the same layer names and weights back.

Mapping (all exact; nothing is folded or approximated):

==================  ===========================================================================
Dense               Gemm(x, W, b, transB=1)  (W is (units, inputs) as in the engine)
Conv2D              Conv with explicit pads (SAME_UPPER-style for 'same'), strides
MaxPool2D/AvgPool2D MaxPool / AveragePool, no padding, floor mode
GlobalAveragePool   GlobalAveragePool + Flatten(axis=1) (the engine's output is flat)
Flatten             Flatten(axis=1) (C, H, W order, as the engine)
Dropout             Dropout with its ratio, inference mode (an identity)
BatchNorm           BatchNormalization (running statistics; (N, F) inputs are valid for it);
                    ONNX momentum = 1 − engine momentum (opposite conventions)
Add / Concat        a chain of binary Add (same summation order) / Concat(axis=1)
activations         Relu, Sigmoid, Tanh, LeakyRelu(alpha), Elu(alpha), Softmax(axis=1),
                    step θ → Cast(GreaterOrEqual(x, θ), float); linear → nothing
==================  ===========================================================================

Softmax uses axis 1: the engine applies softmax to the last axis of its channels-last tensors, so
for an image output it is per pixel over channels, and axis 1 of NCHW is that axis.

A ``float64`` model is exported with its weights rounded to float32.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .. import __version__ as ENGINE_VERSION
from ..catalog import conv_geometry, pair
from ..errors import SpecError
from ..model import Model
from .atomic import write_bytes_atomic

SUPPORTED_OPSETS = (17, 18)
DEFAULT_OPSET = 17
IR_VERSION = 8  # the IR version of opsets 17 and 18; older runtimes accept it
INPUT = "input"
OUTPUT = "output"

_SIMPLE = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}


class _Graph:
    """Collects nodes and initializers while the layers are translated."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.weights = model.get_weights()
        self.tensors: dict[str, str] = {}  # layer -> name of the tensor holding its output

    def constant(self, name: str, value: Any) -> str:
        self.initializers.append(
            numpy_helper.from_array(np.asarray(value, dtype=np.float32), name)
        )
        return name

    def weight(self, layer: str, param: str) -> str:
        return self.constant(f"{layer}/{param}", self.weights[f"{layer}/{param}"])

    def node(self, op: str, inputs: Sequence[str], output: str, name: str, **attrs: Any) -> str:
        self.nodes.append(helper.make_node(op, list(inputs), [output], name=name, **attrs))
        return output

    def out_name(self, layer: str) -> str:
        """The tensor that will hold a layer's final output."""
        if layer == self.model.output_name:
            return OUTPUT
        if layer == self.model.input_name:
            return INPUT
        # Layer names cannot contain '/', every helper tensor does: no collisions.
        return f"{layer}/out" if layer in (INPUT, OUTPUT) else layer


def _activation(g: _Graph, act: Any, x: str, out: str, layer: str, node_name: str) -> str:
    """Apply an engine activation object to tensor ``x``, writing ``out``."""
    name = act.name
    if name in _SIMPLE:
        return g.node(_SIMPLE[name], [x], out, node_name)
    if name == "leaky_relu":
        return g.node("LeakyRelu", [x], out, node_name, alpha=float(act.slope))
    if name == "elu":
        return g.node("Elu", [x], out, node_name, alpha=float(act.alpha))
    if name == "softmax":
        return g.node("Softmax", [x], out, node_name, axis=1)
    if name == "step":
        theta = g.constant(f"{layer}/threshold", act.threshold)
        ge = g.node("GreaterOrEqual", [x, theta], f"{layer}/fires", f"{node_name}/GreaterOrEqual")
        return g.node("Cast", [ge], out, node_name, to=TensorProto.FLOAT)
    raise SpecError(f"{layer}: the activation '{name}' has no ONNX export")  # new activation?


def _layer(g: _Graph, name: str) -> None:
    model = g.model
    node = model.node(name)
    spec = model.spec.layers[name]
    p = spec.params
    xs = [g.tensors[i] for i in node.inputs]
    act = node.activation  # None for linear
    out = g.out_name(name)
    z = f"{name}/z" if act is not None else out

    if spec.type == "Dense":
        ins = [xs[0], g.weight(name, "W")]
        if p["use_bias"]:
            ins.append(g.weight(name, "b"))
        g.node("Gemm", ins, z, name, transB=1)
    elif spec.type == "Conv2D":
        _c, h, w = model.analysis.shapes[node.inputs[0]]
        kh, kw = pair(p["kernel_size"])
        sh, sw = pair(p["stride"])
        _, top, bottom = conv_geometry(h, kh, sh, p["padding"])
        _, left, right = conv_geometry(w, kw, sw, p["padding"])
        ins = [xs[0], g.weight(name, "W")]
        if p["use_bias"]:
            ins.append(g.weight(name, "b"))
        g.node("Conv", ins, z, name, kernel_shape=[kh, kw], strides=[sh, sw],
               pads=[top, left, bottom, right], dilations=[1, 1], group=1)
    elif spec.type in ("MaxPool2D", "AvgPool2D"):
        k = p["pool_size"]
        s = p["stride"] or k
        op = "MaxPool" if spec.type == "MaxPool2D" else "AveragePool"
        g.node(op, [xs[0]], z, name, kernel_shape=[k, k], strides=[s, s], pads=[0, 0, 0, 0])
    elif spec.type == "GlobalAveragePool":
        pooled = g.node("GlobalAveragePool", [xs[0]], f"{name}/pooled", name)
        g.node("Flatten", [pooled], z, f"{name}/Flatten", axis=1)
    elif spec.type == "Flatten":
        g.node("Flatten", [xs[0]], z, name, axis=1)
    elif spec.type == "Dropout":
        ratio = g.constant(f"{name}/ratio", p["rate"])
        g.node("Dropout", [xs[0], ratio], z, name)
    elif spec.type == "BatchNorm":
        ins = [xs[0], *(g.weight(name, q) for q in ("gamma", "beta", "running_mean",
                                                    "running_var"))]
        g.node("BatchNormalization", ins, z, name, epsilon=float(p["eps"]),
               momentum=1.0 - float(p["momentum"]))
    elif spec.type == "Add":
        total = xs[0]
        for i, x in enumerate(xs[1:], start=1):
            last = i == len(xs) - 1
            total = g.node("Add", [total, x], z if last else f"{name}/sum{i}",
                           name if i == 1 else f"{name}/Add{i}")
    elif spec.type == "Concat":
        g.node("Concat", xs, z, name, axis=1)
    elif spec.type == "Activation":
        if act is None:  # linear: no computation; only the graph output needs a node
            if out == OUTPUT:
                g.node("Identity", [xs[0]], out, name)
            else:
                out = xs[0]
        else:
            _activation(g, act, xs[0], out, name, name)
        g.tensors[name] = out
        return
    else:  # a layer type added to the catalogue without an exporter
        raise SpecError(f"{name}: the layer type {spec.type} has no ONNX export")
    if act is not None:
        _activation(g, act, z, out, name, f"{name}/{act.name}")
    g.tensors[name] = out


def to_onnx(
    model: Model, opset: int = DEFAULT_OPSET, class_names: Sequence[str] | None = None
) -> onnx.ModelProto:
    """The model as an ONNX ``ModelProto`` (checked with ``full_check=True``)."""
    if opset not in SUPPORTED_OPSETS:
        raise ValueError(f"opset must be one of {SUPPORTED_OPSETS}, got {opset!r}")
    g = _Graph(model)
    for name in model.analysis.order:
        if name == model.input_name:
            g.tensors[name] = INPUT
        else:
            _layer(g, name)
    graph = helper.make_graph(
        g.nodes,
        model.spec.name or "nndesigner",
        [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["N", *model.input_shape])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["N", *model.output_shape])],
        initializer=g.initializers,
    )
    proto = helper.make_model(
        graph,
        producer_name="nndesigner",
        producer_version=ENGINE_VERSION,
        opset_imports=[helper.make_opsetid("", opset)],
    )
    proto.ir_version = IR_VERSION
    metadata = {"nndesigner.loss": model.spec.loss}
    if class_names is not None:
        metadata["nndesigner.class_names"] = json.dumps([str(c) for c in class_names])
    helper.set_model_props(proto, metadata)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def export_onnx(
    model: Model,
    path: str | os.PathLike[str],
    opset: int = DEFAULT_OPSET,
    class_names: Sequence[str] | None = None,
) -> None:
    """Write the model to an ``.onnx`` file atomically."""
    write_bytes_atomic(path, to_onnx(model, opset, class_names).SerializeToString())
