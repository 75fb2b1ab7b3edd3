"""Import an ONNX model as an nndesigner network with its weights.

    result = import_onnx("net.onnx")
    model = result.model()          # an engine.Model with the imported weights

Supported (default domain, opset 7 or newer): Gemm (either ``transB``; ``alpha``/``beta`` are
multiplied into W and b, with a note), MatMul followed by Add of a constant (one Dense), Conv,
MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape to ``(N, features)``, Relu, LeakyRelu,
Elu, Sigmoid, Tanh, Softmax, Identity, Dropout, Add, Concat, BatchNormalization, Constant, and
``Cast(GreaterOrEqual(x, θ))`` (a step activation, as :mod:`engine.io.onnx_export` writes it).
The graph needs one input, ``(N, features)`` or ``(N, C, H, W)`` with fixed sizes except N, and
one output.

* An activation directly after a Dense, Conv2D or Add (and nothing else reading the value in
  between) is fused into that layer; elsewhere it becomes an Activation layer.
* Weights are kept bit for bit (float32; other float types are converted, with a note). Layer
  names come from the node names when they are valid, unused layer names, so a model exported by
  nndesigner comes back with its names and weight keys.
* The loss is the one recorded by nndesigner's exporter when present and valid; otherwise
  cross-entropy after a softmax output, binary cross-entropy after a sigmoid, else MSE.
* Padding must be expressible: Conv pads of zero ('valid') or exactly SAME_UPPER ('same'),
  ``auto_pad`` VALID / SAME_UPPER (SAME_LOWER when it equals SAME_UPPER); pooling without pads
  (``ceil_mode`` only where it changes nothing). Anything else — an unsupported operator, group or
  dilated convolutions, a batch-dependent constant, external weight files — raises
  :class:`~engine.io.errors.OnnxImportError` naming the operator and the node.

Reading never follows external-data paths (refused) and never executes anything.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import TensorProto, helper, numpy_helper

from ..catalog import LAYER_TYPES, LOSSES, ShapeMismatch, conv_geometry
from ..errors import EngineError, SpecError
from ..graph import _NAME_RE, NetworkSpec
from ..model import Model
from .errors import OnnxImportError, ProjectError
from .weights import check_weights

MIN_OPSET = 7
_ACTIVATION_OPS = ("Relu", "LeakyRelu", "Elu", "Sigmoid", "Tanh", "Softmax")
SUPPORTED_OPS = (
    "Gemm", "MatMul", "Add", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten",
    "Reshape", *_ACTIVATION_OPS, "Identity", "Dropout", "Concat", "BatchNormalization",
    "Constant", "GreaterOrEqual", "Cast",
)
_FUSABLE = ("Dense", "Conv2D", "Add")


@dataclass
class OnnxImport:
    """An imported network: its spec, its weights (``"layer/param"``), and what was adapted."""

    spec: NetworkSpec
    weights: dict[str, np.ndarray]
    notes: list[str] = field(default_factory=list)
    class_names: list[str] | None = None

    def model(self, dtype: Any = np.float32) -> Model:
        model = Model(self.spec, seed=0, dtype=dtype)
        model.set_weights(self.weights)
        return model


@dataclass
class _Layer:
    name: str
    type: str
    params: dict[str, Any]
    inputs: list[str]
    shape: tuple[int, ...]
    node: str
    weights: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class _Val:
    """What a tensor holds. kind: "layer" (a layer's output), "gap" (a GlobalAveragePool's
    output still 4-D (N, C, 1, 1) in ONNX, flat in the engine), "const", or "ge" (the boolean of
    GreaterOrEqual(src, theta), waiting for its Cast)."""

    kind: str
    layer: str | None = None
    array: np.ndarray | None = None
    src: _Val | None = None
    theta: float | None = None
    src_tensor: str = ""  # for "ge": the tensor GreaterOrEqual compared


def _f32(value: float) -> float:
    """The shortest decimal of a float32 attribute (0.01, not 0.009999999776482582): it
    rounds back to the same float32, so results are unchanged and specs stay readable."""
    return float(str(np.float32(value)))


class _Importer:
    def __init__(self, proto: onnx.ModelProto) -> None:
        self.proto = proto
        self.graph = proto.graph
        self.opset = self._opset()
        self.layers: dict[str, _Layer] = {}
        self.values: dict[str, _Val] = {}
        self.notes: list[str] = []
        self.uses: dict[str, int] = {}
        for node in self.graph.node:
            for name in node.input:
                if name:
                    self.uses[name] = self.uses.get(name, 0) + 1
        for out in self.graph.output:
            self.uses[out.name] = self.uses.get(out.name, 0) + 1
        self.where = ""
        self.op = ""
        self.node_name = ""

    # -- helpers --------------------------------------------------------------------------------

    def fail(self, message: str) -> OnnxImportError:
        return OnnxImportError(f"{self.where}{message}", op_type=self.op or None,
                               node=self.node_name or None)

    def _opset(self) -> int:
        versions = [o.version for o in self.proto.opset_import if o.domain in ("", "ai.onnx")]
        if not versions:
            raise OnnxImportError("the model imports no version of the default ONNX operator set")
        if versions[0] < MIN_OPSET:
            raise OnnxImportError(f"opset {versions[0]} is too old; {MIN_OPSET} or newer needed")
        return versions[0]

    def tensor_array(self, tensor: onnx.TensorProto) -> np.ndarray:
        if tensor.data_location == TensorProto.EXTERNAL:
            raise OnnxImportError(
                f"tensor '{tensor.name}' keeps its data in an external file; external data is "
                "not supported (save the model with the weights inside)"
            )
        try:
            return numpy_helper.to_array(tensor)
        except Exception as exc:  # malformed tensors raise many kinds of errors
            raise OnnxImportError(f"tensor '{tensor.name}' cannot be read: {exc}") from None

    def value(self, name: str) -> _Val:
        try:
            return self.values[name]
        except KeyError:
            raise self.fail(f"reads '{name}', which no earlier node produces") from None

    def const(self, name: str, what: str) -> np.ndarray:
        v = self.value(name)
        if v.kind != "const":
            raise self.fail(f"{what} ('{name}') must be a constant (an initializer)")
        return v.array  # type: ignore[return-value]

    def weight(self, name: str, what: str, ndim: int | None = None) -> np.ndarray:
        array = self.const(name, what)
        if array.dtype.kind != "f":
            raise self.fail(f"{what} ('{name}') has dtype {array.dtype}; floats needed")
        if ndim is not None and array.ndim != ndim:
            raise self.fail(f"{what} ('{name}') has shape {array.shape}; {ndim}-D needed")
        if array.dtype != np.float32:
            self.notes.append(f"{self.where}{what} converted from {array.dtype} to float32")
            array = array.astype(np.float32)
        return array

    def layer_input(self, name: str, kinds: tuple[str, ...] = ("layer",)) -> _Val:
        v = self.value(name)
        if v.kind not in kinds:
            if v.kind == "gap":
                raise self.fail(
                    "uses the (N, C, 1, 1) output of a GlobalAveragePool as an image; "
                    "nndesigner's GlobalAveragePool gives a flat vector, so only Flatten or "
                    "Reshape may follow it"
                )
            what = "a constant" if v.kind == "const" else "a GreaterOrEqual result"
            raise self.fail(f"needs a computed tensor as input, not {what} ('{name}')")
        return v

    def shape(self, v: _Val) -> tuple[int, ...]:
        return self.layers[v.layer].shape  # type: ignore[index]

    def onnx_rank(self, v: _Val) -> int:
        return 4 if v.kind == "gap" else 1 + len(self.shape(v))

    def new_name(self, node_name: str, type_name: str) -> str:
        taken = self.layers
        if node_name and _NAME_RE.match(node_name) and node_name == node_name.strip() and (
            node_name not in taken
        ):
            return node_name
        base, i = type_name.lower(), 1
        while f"{base}_{i}" in taken:
            i += 1
        return f"{base}_{i}"

    def add_layer(
        self, type_name: str, params: dict[str, Any], inputs: list[_Val],
        weights: dict[str, np.ndarray] | None = None,
    ) -> str:
        name = self.new_name(self.node_name, type_name)
        ltype = LAYER_TYPES[type_name]
        try:
            clean = ltype.validate_params(params, name)
            shape = tuple(ltype.shape_rule(clean, [self.shape(v) for v in inputs]))
        except SpecError as exc:
            raise self.fail(str(exc)) from None
        except ShapeMismatch as exc:
            raise self.fail(exc.message) from None
        names = [v.layer for v in inputs]
        if len(set(names)) != len(names):
            raise self.fail("reads the same tensor twice, which an nndesigner layer cannot do")
        self.layers[name] = _Layer(name, type_name, clean, names, shape,  # type: ignore[arg-type]
                                   self.node_name, dict(weights or {}))
        return name

    def attrs(self, node: onnx.NodeProto) -> dict[str, Any]:
        return {a.name: helper.get_attribute_value(a) for a in node.attribute}

    def set_out(self, node: onnx.NodeProto, v: _Val, index: int = 0) -> None:
        self.values[node.output[index]] = v

    def no_extra_outputs(self, node: onnx.NodeProto, keep: int = 1) -> None:
        for out in node.output[keep:]:
            if out and self.uses.get(out):
                raise self.fail(f"its output '{out}' is used; only the first output is supported")

    # -- the walk -------------------------------------------------------------------------------

    def run(self) -> tuple[NetworkSpec, dict[str, np.ndarray]]:
        g = self.graph
        init_names = set()
        for tensor in g.initializer:
            self.values[tensor.name] = _Val("const", array=self.tensor_array(tensor))
            init_names.add(tensor.name)
        inputs = [i for i in g.input if i.name not in init_names]
        if len(inputs) != 1:
            raise OnnxImportError(
                f"the graph has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); "
                "nndesigner networks have exactly one"
            )
        self.values[inputs[0].name] = _Val("layer", layer=self._input_layer(inputs[0]))
        if len(g.output) != 1:
            raise OnnxImportError(
                f"the graph has {len(g.output)} outputs; nndesigner networks have exactly one"
            )
        for i, node in enumerate(g.node):
            self.op, self.node_name = node.op_type, node.name
            label = f"'{node.name}'" if node.name else f"#{i}"
            self.where = f"node {label} ({node.op_type}): "
            if node.domain not in ("", "ai.onnx") or node.op_type not in SUPPORTED_OPS:
                domain = f" from domain '{node.domain}'" if node.domain else ""
                raise self.fail(
                    f"unsupported operator {node.op_type}{domain}; nndesigner imports "
                    f"{', '.join(SUPPORTED_OPS)}"
                )
            getattr(self, f"op_{node.op_type}")(node, self.attrs(node))
        self.op = self.node_name = self.where = ""
        out = self.value(g.output[0].name)
        if out.kind != "layer" or self.layers[out.layer].type == "Input":  # type: ignore[index]
            what = {"gap": "a 4-D GlobalAveragePool result (add a Flatten)",
                    "const": "a constant", "ge": "a boolean"}.get(out.kind, "the input itself")
            raise OnnxImportError(f"the graph output '{g.output[0].name}' is {what}")
        return self._build(out.layer)  # type: ignore[arg-type]

    def _input_layer(self, info: onnx.ValueInfoProto) -> str:
        t = info.type.tensor_type
        if t.elem_type != TensorProto.FLOAT:
            name = TensorProto.DataType.Name(t.elem_type) if t.elem_type else "untyped"
            raise OnnxImportError(f"input '{info.name}' is {name}; float32 inputs are needed")
        dims = list(t.shape.dim)
        if len(dims) not in (2, 4):
            raise OnnxImportError(
                f"input '{info.name}' has {len(dims)} dimensions; (N, features) or "
                "(N, channels, height, width) is needed"
            )
        shape = []
        for axis, d in enumerate(dims[1:], start=1):
            if not d.HasField("dim_value") or d.dim_value < 1:
                raise OnnxImportError(
                    f"input '{info.name}': dimension {axis} is not a fixed size; only the "
                    "batch dimension may vary"
                )
            shape.append(int(d.dim_value))
        self.layers["input"] = _Layer("input", "Input", {"shape": shape}, [], tuple(shape), "")
        return "input"

    def _build(self, output: str) -> tuple[NetworkSpec, dict[str, np.ndarray]]:
        keep, stack = set(), [output]
        while stack:  # only what the output depends on (dangling branches are dropped)
            name = stack.pop()
            if name not in keep:
                keep.add(name)
                stack.extend(self.layers[name].inputs)
        dropped = [n for n in self.layers if n not in keep]
        if dropped:
            self.notes.append(f"layers not leading to the output were left out: {dropped}")
        spec = NetworkSpec(loss="mse", name=self.graph.name[:64])
        weights: dict[str, np.ndarray] = {}
        for layer in self.layers.values():
            if layer.name not in keep:
                continue
            try:
                spec.add_layer(layer.type, name=layer.name, **layer.params)
            except SpecError as exc:  # should not happen: every value was validated already
                raise OnnxImportError(f"layer {layer.name} (node '{layer.node}'): {exc}") from None
            for param, value in layer.weights.items():
                if not np.all(np.isfinite(value)):
                    raise OnnxImportError(
                        f"node '{layer.node}': the {param} of layer {layer.name} contains NaN "
                        "or infinity"
                    )
                if param == "running_var" and np.any(value < 0):
                    raise OnnxImportError(
                        f"node '{layer.node}': the variance of layer {layer.name} is negative"
                    )
                weights[f"{layer.name}/{param}"] = value
        # Connected once all exist: an extended Add chain may read a layer created after it.
        for layer in self.layers.values():
            for src in layer.inputs if layer.name in keep else ():
                spec.connect(src, layer.name)
        spec.loss = self._loss(spec, output)
        analysis = spec.check()
        if not analysis.ok:
            problems = "; ".join(str(p) for p in analysis.errors)
            raise OnnxImportError(f"the imported network is not valid: {problems}")
        try:
            check_weights(weights, spec, "")
        except ProjectError as exc:  # a bug in this importer rather than in the file
            raise OnnxImportError(f"internal error, weights do not fit: {exc}") from None
        return spec, weights

    def _loss(self, spec: NetworkSpec, output: str) -> str:
        act = spec.layers[output].activation
        rule = {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy"}.get(act, "mse")
        recorded = {p.key: p.value for p in self.proto.metadata_props}.get("nndesigner.loss")
        if recorded in LOSSES and recorded != rule:
            spec.loss = recorded
            if spec.check().ok:
                return recorded
        return rule

    # -- operators ------------------------------------------------------------------------------

    def op_Constant(self, node, a):
        if "value" in a:
            array = self.tensor_array(a["value"])
        elif "value_float" in a or "value_floats" in a:
            array = np.asarray(a.get("value_float", a.get("value_floats")), dtype=np.float32)
        elif "value_int" in a or "value_ints" in a:
            array = np.asarray(a.get("value_int", a.get("value_ints")), dtype=np.int64)
        else:
            raise self.fail(f"unsupported Constant attribute(s) {sorted(a)}")
        self.set_out(node, _Val("const", array=array))

    def op_Identity(self, node, a):
        self.set_out(node, self.value(node.input[0]))

    def op_Dropout(self, node, a):
        v = self.layer_input(node.input[0], ("layer", "gap"))
        self.no_extra_outputs(node)
        ratio = a.get("ratio", 0.5)
        if self.opset >= 12:
            ratio = 0.5
            if len(node.input) > 1 and node.input[1]:
                ratio = float(self.const(node.input[1], "the ratio").reshape(-1)[0])
            training = len(node.input) > 2 and node.input[2]
            if training and bool(self.const(node.input[2], "training_mode").reshape(-1)[0]):
                raise self.fail("training_mode is true; only inference graphs can be imported")
        name = self.add_layer("Dropout", {"rate": _f32(ratio)}, [v])
        self.set_out(node, _Val(v.kind, layer=name))

    def _activation(self, node, act: Any, v: _Val, src: str) -> None:
        """Fuse ``act`` into the layer that produced tensor ``src`` (holding ``v``) when
        nothing else reads ``src``; else add an Activation layer."""
        layer = self.layers[v.layer]  # type: ignore[index]
        if (
            v.kind == "layer"
            and layer.type in _FUSABLE
            and layer.params.get("activation") == "linear"
            and self.uses.get(src) == 1
        ):
            try:
                layer.params = LAYER_TYPES[layer.type].validate_params(
                    {**layer.params, "activation": act}, layer.name
                )
            except SpecError as exc:
                raise self.fail(str(exc)) from None
            self.set_out(node, v)
            return
        name = self.add_layer("Activation", {"activation": act}, [v])
        self.set_out(node, _Val(v.kind, layer=name))

    def _elementwise(self, node, a, act: Any) -> None:
        v = self.layer_input(node.input[0], ("layer", "gap"))
        self._activation(node, act, v, node.input[0])

    def op_Relu(self, node, a):
        self._elementwise(node, a, "relu")

    def op_Sigmoid(self, node, a):
        self._elementwise(node, a, "sigmoid")

    def op_Tanh(self, node, a):
        self._elementwise(node, a, "tanh")

    def op_LeakyRelu(self, node, a):
        self._elementwise(node, a, {"name": "leaky_relu", "slope": _f32(a.get("alpha", 0.01))})

    def op_Elu(self, node, a):
        self._elementwise(node, a, {"name": "elu", "alpha": _f32(a.get("alpha", 1.0))})

    def op_Softmax(self, node, a):
        v = self.layer_input(node.input[0], ("layer", "gap"))
        rank = self.onnx_rank(v)
        axis = a.get("axis", -1 if self.opset >= 13 else 1)
        axis = axis + rank if axis < 0 else axis
        # The engine's softmax runs over features (flat) or channels (images).
        if axis != 1 or (rank == 4 and self.opset < 13 and v.kind != "gap"):
            raise self.fail(
                f"softmax over axis {a.get('axis', 'default')} of a {rank}-D tensor (opset "
                f"{self.opset}) cannot be expressed; nndesigner's softmax runs over the "
                "features of a flat tensor or the channels of an image"
            )
        self._activation(node, "softmax", v, node.input[0])

    def op_GreaterOrEqual(self, node, a):
        v = self.layer_input(node.input[0], ("layer", "gap"))
        theta = self.const(node.input[1], "the threshold")
        if theta.size != 1:
            raise self.fail(f"the threshold has shape {theta.shape}; a single number is needed")
        self.set_out(node, _Val("ge", src=v, theta=_f32(theta.reshape(-1)[0]),
                                src_tensor=node.input[0]))

    def op_Cast(self, node, a):
        v = self.value(node.input[0])
        if v.kind != "ge" or a.get("to") != TensorProto.FLOAT:
            raise self.fail(
                "Cast is only supported as Cast(GreaterOrEqual(x, θ), to=float), a step "
                "activation"
            )
        if self.uses.get(node.input[0]) != 1:
            raise self.fail("the GreaterOrEqual result is also used elsewhere")
        step = {"name": "step", "threshold": v.theta}
        self._activation(node, step, v.src, v.src_tensor)  # type: ignore[arg-type]

    def op_Gemm(self, node, a):
        x = self.layer_input(node.input[0])
        if len(self.shape(x)) != 1:
            raise self.fail("Gemm needs a flat (N, features) input; add a Flatten before it")
        if a.get("transA", 0):
            raise self.fail("transA=1 (a transposed batch) cannot be expressed")
        B = self.weight(node.input[1], "B", ndim=2)
        W = B if a.get("transB", 0) else np.ascontiguousarray(B.T)
        units = W.shape[0]
        alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
        if alpha != 1.0:
            W = W * np.float32(alpha)
            self.notes.append(f"{self.where}alpha={alpha:g} multiplied into the weights")
        weights = {"W": W}
        if len(node.input) > 2 and node.input[2]:
            weights["b"] = self._bias(self.weight(node.input[2], "C"), units)
            if beta != 1.0:
                weights["b"] = weights["b"] * np.float32(beta)
                self.notes.append(f"{self.where}beta={beta:g} multiplied into the bias")
        self._dense(node, x, W, weights)

    def _bias(self, c: np.ndarray, units: int) -> np.ndarray:
        if c.size == 1:
            return np.full(units, c.reshape(-1)[0], dtype=np.float32)
        if c.shape in ((units,), (1, units)):
            return c.reshape(units).copy()
        raise self.fail(f"the bias has shape {c.shape}; ({units},) or (1, {units}) is needed")

    def _dense(self, node, x: _Val, W: np.ndarray, weights: dict[str, np.ndarray]) -> None:
        if W.shape[1] != self.shape(x)[0]:
            raise self.fail(f"weights of shape {W.shape} do not fit {self.shape(x)[0]} inputs")
        params = {"units": W.shape[0], "activation": "linear", "use_bias": "b" in weights}
        name = self.add_layer("Dense", params, [x], weights)
        self.set_out(node, _Val("layer", layer=name))

    def op_MatMul(self, node, a):
        x = self.layer_input(node.input[0])
        if len(self.shape(x)) != 1:
            raise self.fail("MatMul needs a flat (N, features) input and a constant matrix")
        B = self.weight(node.input[1], "the matrix", ndim=2)
        W = np.ascontiguousarray(B.T)
        self._dense(node, x, W, {"W": W})

    def op_Add(self, node, a):
        kinds = [self.value(t).kind for t in node.input]
        if sorted(kinds) == ["const", "layer"]:  # a bias, on either side
            i = kinds.index("layer")
            self._add_bias(node, self.value(node.input[i]), node.input[i],
                           self.value(node.input[1 - i]).array)  # type: ignore[arg-type]
            return
        a_val = self.layer_input(node.input[0])
        b_val = self.layer_input(node.input[1])
        if self.shape(a_val) != self.shape(b_val):
            raise self.fail(
                f"adds shapes {self.shape(a_val)} and {self.shape(b_val)}; nndesigner's Add "
                "needs equal shapes (no broadcasting)"
            )
        # Extend an Add chain ((x0 + x1) + x2 → one Add of three): same sums in the same order.
        for val, tensor, other in ((a_val, node.input[0], b_val), (b_val, node.input[1], a_val)):
            layer = self.layers[val.layer]  # type: ignore[index]
            if (layer.type == "Add" and layer.params["activation"] == "linear"
                    and self.uses.get(tensor) == 1 and other.layer not in layer.inputs):
                layer.inputs.append(other.layer)  # type: ignore[arg-type]
                self.set_out(node, val)
                return
        name = self.add_layer("Add", {"activation": "linear"}, [a_val, b_val])
        self.set_out(node, _Val("layer", layer=name))

    def _add_bias(self, node, v: _Val, tensor: str, c: np.ndarray) -> None:
        layer = self.layers[v.layer]  # type: ignore[index]
        if (
            layer.type not in ("Dense", "Conv2D")
            or layer.params["use_bias"]
            or layer.params["activation"] != "linear"
            or self.uses.get(tensor) != 1
        ):
            raise self.fail(
                "adding a constant is supported only as the bias of a MatMul, Gemm or Conv "
                "that has none"
            )
        if c.dtype.kind != "f":
            raise self.fail(f"the added constant has dtype {c.dtype}; floats needed")
        units = layer.shape[0]
        if layer.type == "Conv2D":
            if c.size != 1 and c.shape not in ((units, 1, 1), (1, units, 1, 1)):
                raise self.fail(f"the bias has shape {c.shape}; (1, {units}, 1, 1) is needed")
            c = c.reshape(-1)
        layer.weights["b"] = self._bias(c.astype(np.float32, copy=False), units)
        layer.params["use_bias"] = True
        self.set_out(node, v)

    def op_Conv(self, node, a):
        x = self.layer_input(node.input[0])
        if len(self.shape(x)) != 3:
            raise self.fail("Conv needs an image (N, C, H, W) input")
        W = self.weight(node.input[1], "W", ndim=4)
        c, h, w = self.shape(x)
        f, wc, kh, kw = W.shape
        if a.get("group", 1) != 1 or wc != c:
            raise self.fail("grouped or depthwise convolutions cannot be expressed")
        if any(d != 1 for d in a.get("dilations", [1, 1])):
            raise self.fail(f"dilations {a['dilations']} cannot be expressed (only 1)")
        if list(a.get("kernel_shape", [kh, kw])) != [kh, kw]:
            raise self.fail(f"kernel_shape {a['kernel_shape']} does not match W {W.shape}")
        sh, sw = self._strides(a)
        padding = self._conv_padding(a, (h, w), (kh, kw), (sh, sw))
        weights = {"W": W}
        if len(node.input) > 2 and node.input[2]:
            weights["b"] = self._bias(self.weight(node.input[2], "B"), f)
        params = {
            "filters": f, "kernel_size": kh if kh == kw else [kh, kw],
            "stride": sh if sh == sw else [sh, sw], "padding": padding,
            "activation": "linear", "use_bias": "b" in weights,
        }
        name = self.add_layer("Conv2D", params, [x], weights)
        self.set_out(node, _Val("layer", layer=name))

    def _strides(self, a) -> list[int]:
        strides = list(a.get("strides", [1, 1]))
        if len(strides) != 2 or any(v < 1 for v in strides):
            raise self.fail(f"strides {strides}: two whole numbers ≥ 1 are needed")
        return strides

    def _conv_padding(self, a, hw, k, s) -> str:
        same = [conv_geometry(n, kk, ss, "same") for n, kk, ss in zip(hw, k, s, strict=True)]
        upper = [same[0][1], same[1][1], same[0][2], same[1][2]]  # ONNX order: t, l, b, r
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto == "VALID":
            return "valid"
        if auto == "SAME_UPPER":
            return "same"
        if auto == "SAME_LOWER":
            # SAME_LOWER puts the odd pixel before: equal to SAME_UPPER when totals are even.
            if all((before + after) % 2 == 0 for _, before, after in same):
                return "same"
            raise self.fail("auto_pad SAME_LOWER with odd padding cannot be expressed")
        if auto != "NOTSET":
            raise self.fail(f"unknown auto_pad {auto!r}")
        pads = list(a.get("pads", [0, 0, 0, 0]))
        if pads == [0, 0, 0, 0]:
            return "valid"
        if pads == upper:
            return "same"
        raise self.fail(
            f"pads {pads} cannot be expressed: nndesigner's Conv2D pads nothing ('valid') or "
            f"as SAME_UPPER ('same', here {upper})"
        )

    def _pool(self, node, a, type_name: str) -> None:
        x = self.layer_input(node.input[0])
        if len(self.shape(x)) != 3:
            raise self.fail(f"{node.op_type} needs an image (N, C, H, W) input")
        self.no_extra_outputs(node)
        kernel = list(a.get("kernel_shape", []))
        strides = self._strides(a)
        if len(kernel) != 2 or kernel[0] != kernel[1] or strides[0] != strides[1]:
            raise self.fail(
                f"kernel {kernel} with strides {strides}: only square windows and equal "
                "strides can be expressed"
            )
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto not in ("NOTSET", "VALID") or any(a.get("pads", [0, 0, 0, 0])):
            raise self.fail("padded pooling cannot be expressed (nndesigner pools without pads)")
        if any(d != 1 for d in a.get("dilations", [1, 1])):
            raise self.fail("dilated pooling cannot be expressed")
        k, s = kernel[0], strides[0]
        if a.get("ceil_mode", 0):
            _, h, w = self.shape(x)
            if (h - k) % s or (w - k) % s:
                raise self.fail("ceil_mode=1 gives a partial window here; nndesigner floors")
        name = self.add_layer(type_name, {"pool_size": k, "stride": 0 if s == k else s}, [x])
        self.set_out(node, _Val("layer", layer=name))

    def op_MaxPool(self, node, a):
        self._pool(node, a, "MaxPool2D")

    def op_AveragePool(self, node, a):
        self._pool(node, a, "AvgPool2D")

    def op_GlobalAveragePool(self, node, a):
        x = self.layer_input(node.input[0])
        if len(self.shape(x)) != 3:
            raise self.fail("GlobalAveragePool needs an image (N, C, H, W) input")
        self.set_out(node, _Val("gap", layer=self.add_layer("GlobalAveragePool", {}, [x])))

    def _to_flat(self, node, v: _Val) -> None:
        if v.kind == "gap":  # the engine's GlobalAveragePool is already flat
            self.set_out(node, _Val("layer", layer=v.layer))
        else:
            self.set_out(node, _Val("layer", layer=self.add_layer("Flatten", {}, [v])))

    def op_Flatten(self, node, a):
        v = self.layer_input(node.input[0], ("layer", "gap"))
        rank = self.onnx_rank(v)
        axis = a.get("axis", 1)
        if (axis + rank if axis < 0 else axis) != 1:
            raise self.fail(f"Flatten with axis {axis} would mix samples; only axis 1 works")
        self._to_flat(node, v)

    def op_Reshape(self, node, a):
        v = self.layer_input(node.input[0], ("layer", "gap"))
        target = [int(d) for d in self.const(node.input[1], "the shape").reshape(-1)]
        rank = self.onnx_rank(v)
        features = int(np.prod(self.shape(v)))
        zero_copies = not a.get("allowzero", 0)
        ok = (
            len(target) == 2
            and (target[0] == -1 or (target[0] == 0 and zero_copies))
            and (target[1] in (-1, features) or (target[1] == 0 and zero_copies and rank == 2))
            and target != [-1, -1]
        )
        if not ok:
            raise self.fail(
                f"Reshape to {target} is not supported: only reshaping to (N, features) "
                f"— e.g. [0, -1] or [-1, {features}] — can be expressed"
            )
        if rank == 2:
            self.set_out(node, v)  # already flat: nothing to do
        else:
            self._to_flat(node, v)

    def op_Concat(self, node, a):
        vals = [self.layer_input(t) for t in node.input]
        ranks = {1 + len(self.shape(v)) for v in vals}
        if len(ranks) != 1:
            raise self.fail("joins tensors of different ranks")
        rank = ranks.pop()
        axis = a.get("axis")
        if axis is None or (axis + rank if axis < 0 else axis) != 1:
            raise self.fail(
                f"Concat along axis {axis} cannot be expressed; nndesigner joins features "
                "or channels (axis 1)"
            )
        if len(vals) == 1:
            self.set_out(node, vals[0])
            return
        self.set_out(node, _Val("layer", layer=self.add_layer("Concat", {}, vals)))

    def op_BatchNormalization(self, node, a):
        v = self.layer_input(node.input[0], ("layer", "gap"))
        self.no_extra_outputs(node)
        if a.get("training_mode", 0):
            raise self.fail("training_mode=1; only inference graphs can be imported")
        if self.opset < 9 and a.get("spatial", 1) != 1:
            raise self.fail("spatial=0 (per-pixel statistics) cannot be expressed")
        channels = self.shape(v)[0]
        weights = {}
        for param, tensor in zip(("gamma", "beta", "running_mean", "running_var"),
                                 node.input[1:5], strict=True):
            array = self.weight(tensor, param)
            if array.shape != (channels,):
                raise self.fail(f"{param} has shape {array.shape}; ({channels},) is needed")
            weights[param] = array
        params = {"eps": _f32(a.get("epsilon", 1e-5)),
                  "momentum": _f32(1.0 - _f32(a.get("momentum", 0.9)))}
        name = self.add_layer("BatchNorm", params, [v], weights)
        self.set_out(node, _Val(v.kind, layer=name))


def _read(source: str | os.PathLike[str] | bytes | onnx.ModelProto) -> onnx.ModelProto:
    if isinstance(source, onnx.ModelProto):
        proto = source
    else:
        if isinstance(source, bytes):
            data = source
        else:
            with open(source, "rb") as f:
                data = f.read()
        try:
            proto = onnx.ModelProto.FromString(data)
        except (DecodeError, ValueError, RuntimeError) as exc:
            raise OnnxImportError(f"not an ONNX model (it does not parse): {exc}") from None
    # Before the checker, which would look for the external files (relative to the cwd).
    for tensor in proto.graph.initializer:
        if tensor.data_location == TensorProto.EXTERNAL:
            raise OnnxImportError(
                f"tensor '{tensor.name}' keeps its data in an external file; external data is "
                "not supported (save the model with the weights inside)"
            )
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid"
        raise OnnxImportError(f"not a valid ONNX model: {first}") from None
    return proto


def import_onnx(source: str | os.PathLike[str] | bytes | onnx.ModelProto) -> OnnxImport:
    """Import an ONNX model from a path, the bytes of a file, or a ``ModelProto``."""
    proto = _read(source)
    importer = _Importer(proto)
    try:
        spec, weights = importer.run()
    except OnnxImportError:
        raise
    except EngineError as exc:
        raise OnnxImportError(str(exc)) from None
    meta = {p.key: p.value for p in proto.metadata_props}
    class_names = None
    if "nndesigner.class_names" in meta:
        try:
            names = json.loads(meta["nndesigner.class_names"])
        except ValueError:
            names = None
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            class_names = names
    return OnnxImport(spec, weights, importer.notes, class_names)
