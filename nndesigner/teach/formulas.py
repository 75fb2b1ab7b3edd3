"""The formulas of one neuron and one loss written out with the actual numbers (no Qt).

    neuron = neuron_numbers(trace, "hidden", 3)
    neuron.sum_text        # "z = 0.20·1.00 + 0.40·1.00 − 0.30·0.00 + 0.10 = 0.70"
    neuron.activation_text # "step: 0.70 ≥ θ=0.50 → 1"
    loss_text(trace, model, y, class_names)  # "cross-entropy = −log p(cat) = −log 0.92 = 0.08"

Every number comes from an :class:`engine.teach.Trace`; nothing here recomputes the network,
it only arranges the engine's numbers into sentences a learner can check by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine import Model, Trace, activations

MINUS = "−"
MAX_TERMS = 8  # longer sums show their largest terms and "… + N more terms"


def num(value: float, digits: int = 2) -> str:
    """A short, readable number: fixed decimals in the usual range, else scientific."""
    v = float(value)
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("∞" if v > 0 else f"{MINUS}∞")
    if v == 0:
        return f"{0:.{digits}f}"
    if 10 ** -digits <= abs(v) < 1e5:
        text = f"{v:.{digits}f}"
    else:
        text = f"{v:.{max(digits - 1, 1)}e}"
    return text.replace("-", MINUS)


def signed_join(values: list[tuple[float, str]]) -> str:
    """Join (value, text-of-|value|) pairs as a sum: "a + b − c" (the first sign is kept)."""
    out = ""
    for i, (value, text) in enumerate(values):
        neg = value < 0
        if i == 0:
            out = f"{MINUS}{text}" if neg else text
        else:
            out += f" {MINUS} {text}" if neg else f" + {text}"
    return out


@dataclass
class NeuronNumbers:
    """One neuron's computation for one sample (all from the engine's trace)."""

    layer: str
    index: int
    kind: str  # "weighted" (Dense, Conv2D), "input" or "other" (no weights)
    activation: str
    input_labels: list[str]
    inputs: np.ndarray
    weights: np.ndarray
    bias: float | None
    z: float
    a: float
    sum_text: str
    activation_text: str
    position: tuple[int, int] | None = None  # output row, column of a Conv2D neuron

    @property
    def terms(self) -> np.ndarray:
        return self.weights * self.inputs


def sum_text(inputs: np.ndarray, weights: np.ndarray, bias: float | None, z: float,
             max_terms: int = MAX_TERMS) -> str:
    """ "z = w₁·x₁ + … + b = z" with numbers; long sums keep the largest |w·x| terms."""
    w, x = np.asarray(weights, float).ravel(), np.asarray(inputs, float).ravel()
    order = np.arange(w.size)
    hidden = 0
    if w.size > max_terms:
        order = np.argsort(-np.abs(w * x), kind="stable")[:max_terms]
        hidden = w.size - max_terms
    parts = []
    for i in order:
        xi = num(x[i]) if x[i] >= 0 else f"({num(x[i])})"
        parts.append((w[i], f"{num(abs(w[i]))}·{xi}"))
    text = signed_join(parts) if parts else "0"
    if hidden:
        text += f" + … + {hidden:,} more terms"
    if bias is not None:
        text += f" {MINUS} {num(abs(bias))}" if bias < 0 else f" + {num(bias)}"
    return f"z = {text} = {num(z)}"


def activation_text(act: activations.Activation | None, z: float, a: float,
                    others: np.ndarray | None = None) -> str:
    """f(z) with the number, e.g. "step: 0.60 ≥ θ=0.50 → 1" or "sigmoid: 1/(1 + e^−0.60) = 0.65".

    ``others`` are the other outputs' sums of a softmax layer (its value depends on them)."""
    name = act.name if act else "linear"
    zs = num(z)
    if name == "step":
        theta = act.threshold  # type: ignore[union-attr]
        rel = "≥" if z >= theta else "<"
        return f"step: {zs} {rel} θ={num(theta)} → {int(a)}"
    if name == "sigmoid":
        return f"sigmoid: 1 / (1 + e^{num(-z)}) = {num(a, 3)}"
    if name == "tanh":
        return f"tanh({zs}) = {num(a, 3)}"
    if name == "relu":
        return f"ReLU: max(0, {zs}) = {num(a)}"
    if name == "leaky_relu":
        if z > 0:
            return f"leaky ReLU: {zs} > 0 → {num(a)}"
        return f"leaky ReLU: {zs} ≤ 0 → α·z = {num(act.slope, 3)}·{zs} = {num(a, 4)}"  # type: ignore[union-attr]
    if name == "elu":
        if z > 0:
            return f"ELU: {zs} > 0 → {num(a)}"
        return f"ELU: α·(e^{zs} − 1) = {num(a, 3)}"
    if name == "softmax":
        rest = [] if others is None else list(np.asarray(others, float).ravel())
        shown = rest[:3]
        denom = " + ".join([f"e^{zs}"] + [f"e^{num(o)}" for o in shown])
        if len(rest) > len(shown):
            denom += f" + … ({len(rest) - len(shown)} more)"
        return f"softmax: e^{zs} / ({denom}) = {num(a, 3)}"
    return f"linear: f(z) = z = {num(a)}"


def dummy_target(model: Model):
    """A valid target for one sample, for tracing when the true label is unknown (the
    forward numbers do not depend on it)."""
    if model.spec.loss == "cross_entropy":
        return np.zeros(1, dtype=np.int64)
    return np.zeros((1, *model.output_shape), dtype=np.float64)


def loss_text(trace: Trace, model: Model, y, class_names: list[str] | None = None) -> str:
    """The loss of one sample with its formula and numbers (the value is the trace's)."""
    loss = model.spec.loss
    out = np.asarray(trace.output, float).reshape(-1)
    value = num(trace.loss, 4)
    if loss == "cross_entropy":
        k = int(np.asarray(y).reshape(-1)[0])
        name = class_names[k] if class_names and k < len(class_names) else f"class {k}"
        return (f"cross-entropy = −log p(true class: {name}) = −log {num(out[k], 4)} "
                f"= {value}")
    target = np.asarray(y, float).reshape(-1)
    if loss == "binary_cross_entropy":
        if out.size == 1:
            p, t = out[0], target[0]
            if t == 1:
                return f"binary cross-entropy = −log p = −log {num(p, 4)} = {value}"
            if t == 0:
                return f"binary cross-entropy = −log(1 − p) = −log(1 − {num(p, 4)}) = {value}"
        return (f"binary cross-entropy = −mean[y·log p + (1 − y)·log(1 − p)] over "
                f"{out.size} outputs = {value}")
    diffs = out - target
    shown = diffs[:4]
    if loss == "mae":
        parts = " + ".join(f"|{num(o)} − {num(t)}|" for o, t in zip(out, target, strict=False))
        if diffs.size > 4:
            parts = " + ".join(f"|{num(d)}|" for d in shown) + " + …"
        return f"mean absolute error = ({parts}) / {diffs.size} = {value}"
    parts = " + ".join(f"({num(o)} − {num(t)})²" for o, t in zip(out[:4], target[:4],
                                                                strict=False))
    if diffs.size > 4:
        parts += " + …"
    return f"mean squared error = ({parts}) / {diffs.size} = {value}"


LOSS_FORMULAS = {
    "cross_entropy": "L = −log p(true class)",
    "binary_cross_entropy": "L = −[y·log p + (1 − y)·log(1 − p)]",
    "mse": "L = mean((ŷ − y)²)",
    "mae": "L = mean(|ŷ − y|)",
}


def _flat_labels(src: str, shape: tuple[int, ...]) -> list[str]:
    """Names for the values of a layer's output: "pixels[r,c]" for images, "src[i]" else."""
    if len(shape) == 3:
        c, h, w = shape
        if c == 1:
            return [f"{src}[{r},{q}]" for r in range(h) for q in range(w)]
        return [f"{src}[{k},{r},{q}]" for k in range(c) for r in range(h) for q in range(w)]
    return [f"{src}[{i}]" for i in range(int(np.prod(shape)))]


def neuron_numbers(model: Model, trace: Trace, layer: str, index: int,
                   position: tuple[int, int] | None = None) -> NeuronNumbers:
    """What neuron ``index`` of ``layer`` computed for the traced sample (the first one).

    Dense: ``index`` is the unit. Conv2D: ``index`` is the filter and ``position`` the output
    (row, column); without one, the position where this filter's sum is largest in size.
    Other layers have no weights: ``index`` is a flat index into their output."""
    node = model.node(layer)
    lt = trace.layer(layer)
    act = node.activation
    act_name = act.name if act else "linear"
    z_all, a_all = lt.z[0], lt.a[0]
    if node.type == "Dense":
        src = node.inputs[0]
        x = np.asarray(lt.inputs[0][0], float).ravel()
        w = np.asarray(lt.params["W"][index], float)
        b = float(lt.params["b"][index]) if "b" in lt.params else None
        z, a = float(z_all[index]), float(a_all[index])
        labels = _flat_labels(src, model.node(src).shape)
        others = np.delete(z_all, index) if act_name == "softmax" else None
        return NeuronNumbers(layer, index, "weighted", act_name, labels, x, w, b, z, a,
                             sum_text(x, w, b, z), activation_text(act, z, a, others))
    if node.type == "Conv2D":
        lay = node.layer
        if position is None:
            r, q = np.unravel_index(int(np.argmax(np.abs(z_all[index]))), z_all[index].shape)
            position = (int(r), int(q))
        r, q = position
        xin = np.asarray(lt.inputs[0][0], float)  # (C, H, W)
        xp = np.pad(xin, ((0, 0), (lay.pt, lay.pb), (lay.pl, lay.pr)))
        patch = xp[:, r * lay.sh : r * lay.sh + lay.kh, q * lay.sw : q * lay.sw + lay.kw]
        w = np.asarray(lt.params["W"][index], float)
        b = float(lt.params["b"][index]) if "b" in lt.params else None
        z, a = float(z_all[index, r, q]), float(a_all[index, r, q])
        src = node.inputs[0]
        # Labels name the input pixel each weight sees (padding shows as "pad").
        labels = []
        for c in range(patch.shape[0]):
            for i in range(lay.kh):
                for j in range(lay.kw):
                    yy, xx = r * lay.sh + i - lay.pt, q * lay.sw + j - lay.pl
                    inside = 0 <= yy < xin.shape[1] and 0 <= xx < xin.shape[2]
                    labels.append(f"{src}[{c},{yy},{xx}]" if inside else "pad")
        return NeuronNumbers(layer, index, "weighted", act_name, labels, patch.ravel(),
                             w.ravel(), b, z, a, sum_text(patch, w, b, z),
                             activation_text(act, z, a), position)
    flat_z, flat_a = np.ravel(z_all), np.ravel(a_all)
    z, a = float(flat_z[index]), float(flat_a[index])
    kind = "input" if node.type == "Input" else "other"
    what = "input value" if kind == "input" else f"{node.type} output (no weights)"
    act_text = activation_text(act, z, a) if act is not None else ""
    return NeuronNumbers(layer, index, kind, act_name, [], np.zeros(0), np.zeros(0), None, z, a,
                         f"{what}: {num(z)}", act_text)
