"""The one- or two-sentence explanations the step-through shows for each phase (no Qt)."""

from __future__ import annotations

import math

import numpy as np

from engine import Model, TrainingConfig
from engine.teach import LayerTrace

from .formulas import LOSS_FORMULAS, num

IDLE = ("Press <b>Forward ▸</b> to send this sample through the network one layer at a "
        "time. Then see its loss, carry the error back with <b>Backward ◂</b>, and apply one "
        "gradient-descent step.")
INVALID = "The network has problems (see the Problems panel): fix them to step through it."
LOSS = ("The loss measures how far the output is from the true label (0 would be perfect). "
        "Next, <b>Backward ◂</b> works out how each weight should change to make it smaller.")
STEPPED_BACK = ("Stepped back: every weight has exactly its value from before the update. "
                "Apply it again, or press Forward ▸ to start over.")

_NO_WEIGHTS = {
    "Flatten": "lays the values out in one row, so a dense layer can read them",
    "MaxPool2D": "keeps the largest value of each small window",
    "AvgPool2D": "averages each small window",
    "GlobalAveragePool": "averages each channel into one number",
    "Dropout": "passes values through unchanged when predicting (it drops some only while "
               "training)",
    "BatchNorm": "rescales each value with the statistics learned in training",
    "Activation": "applies its activation function to each value",
    "Add": "adds its inputs",
    "Concat": "puts its inputs side by side",
}


def forward(lt: LayerTrace, model: Model, i: int, n: int) -> str:
    where = f"Forward pass, layer {i} of {n}: "
    if lt.type == "Input":
        return where + ("the input layer holds the sample's values — one input neuron per "
                        f"number ({lt.a[0].size:,} here).")
    if lt.type in ("Dense", "Conv2D"):
        act = lt.activation
        what = "each neuron" if lt.type == "Dense" else "each filter, at every position,"
        text = (f"{what} of <b>{lt.name}</b> computes z = W·x + b from the previous "
                f"layer's outputs, then a = {act}(z).")
        if i == n:
            text += " This is the output layer: its values are the network's answer."
        return where + text
    what = _NO_WEIGHTS.get(lt.type, "passes its values on")
    return where + f"<b>{lt.name}</b> has no weights: it {what}."


def forward_formula(lt: LayerTrace, model: Model) -> str:
    if lt.type == "Dense":
        w = lt.params["W"]
        return f"z = W·x + b with W of {w.shape[0]}×{w.shape[1]} weights; a = {lt.activation}(z)"
    if lt.type == "Conv2D":
        w = lt.params["W"]
        return (f"{w.shape[0]} filters of {w.shape[1]}×{w.shape[2]}×{w.shape[3]} weights slide "
                f"over the input; a = {lt.activation}(z)")
    return ""


def backward(lt: LayerTrace, model: Model, first: bool) -> str:
    if lt.activation == "step" and lt.type in ("Dense", "Conv2D"):
        return (f"<b>{lt.name}</b> uses a step function: its slope f′(z) is 0 everywhere, so "
                "δ = 0 and every gradient here is 0 — gradient descent gets no signal. "
                "That is why step neurons are trained with the perceptron rule instead.")
    if first:
        loss = model.spec.loss
        fused = lt.grad_a is None
        text = ("The backward pass starts at the output: δ = ∂L/∂z says how the loss would "
                "change if each neuron's sum z grew a little. ")
        if fused and loss == "cross_entropy":
            text += ("For softmax with cross-entropy it is simply δ = p − y (y: 1 for the "
                     "true class, 0 for the others).")
        elif fused:
            text += "For a sigmoid with binary cross-entropy it is simply δ = p − y."
        else:
            text += f"Here δ = ∂L/∂a · f′(z), with {LOSS_FORMULAS.get(loss, loss)}."
        return text
    if lt.type in ("Dense", "Conv2D"):
        return (f"The error flows back into <b>{lt.name}</b>: δ = (Wᵀ·δ of the next layer) × "
                f"f′(z), with f′ the slope of {lt.activation}. From δ follow ∂L/∂W = δ·xᵀ "
                "and ∂L/∂b = δ.")
    return (f"<b>{lt.name}</b> has no weights; it passes the error back to the layer before "
            "it.")


def gradient_summary(lt: LayerTrace) -> str:
    """ "∂L/∂W: largest … = δ·x with numbers", the norm, and ∂L/∂b."""
    if "W" not in lt.grads:
        return ""
    g = lt.grads["W"]
    i = np.unravel_index(int(np.argmax(np.abs(g))), g.shape)
    idx = ",".join(map(str, i))
    text = (f"<b>∂L/∂W</b>: {g.size:,} values ({'×'.join(map(str, g.shape))}), overall size "
            f"‖∂L/∂W‖ = {num(np.linalg.norm(g), 4)}. The largest: ∂L/∂W[{idx}]")
    if lt.type == "Dense" and lt.inputs:
        d = float(np.ravel(lt.delta[0])[i[0]])
        x = float(np.ravel(lt.inputs[0][0])[i[1]])
        xs = num(x, 4) if x >= 0 else f"({num(x, 4)})"
        text += f" = δ{i[0]}·x{i[1]} = {num(d, 4)}·{xs}"
    text += f" = {num(g[i], 4)}"
    text += f" (x: what {lt.name} received)." if lt.type == "Dense" and lt.inputs else "."
    if "b" in lt.grads:
        text += " <b>∂L/∂b</b> = δ (the last column)." if lt.type == "Dense" else \
            f" ‖∂L/∂b‖ = {num(np.linalg.norm(lt.grads['b']), 4)}."
    return text


def updated(lr: float, before: float, after: float, training: TrainingConfig) -> str:
    text = (f"Every weight moved a small step against its gradient: w ← w − {lr:g}·∂L/∂w "
            f"(the learning rate is {lr:g}). The loss for this sample went from "
            f"{num(before, 4)} to {num(after, 4)}.")
    if training.optimizer != "sgd" or training.weight_decay:
        text += (f" (Your training uses {training.optimizer}, which scales its steps "
                 "differently; this is the plain SGD step.)")
    return text


def change_lines(changes: dict[str, tuple[np.ndarray, np.ndarray]], limit: int) -> list[str]:
    """ "hidden/W[0,1]: 0.3000 → 0.3008" for the ``limit`` largest changes, largest first
    (more decimals when a change would not show in four)."""
    entries = []
    for key, (old, new) in changes.items():
        diff = np.abs(new.astype(np.float64) - old).ravel()
        for i in np.argsort(-diff, kind="stable")[:limit]:
            idx = np.unravel_index(int(i), old.shape)
            entries.append((float(diff[i]), key, idx, float(old.flat[i]), float(new.flat[i])))
    entries.sort(key=lambda e: -e[0])
    lines = []
    for d, key, idx, o, n in entries[:limit]:
        digits = 4 if d == 0 or d >= 5e-5 else min(8, math.ceil(-math.log10(d)) + 1)
        lines.append(f"{key}[{','.join(map(str, idx))}]: {o:.{digits}f} → "
                     f"{n:.{digits}f}".replace("-", "−"))
    total = sum(o.size for o, _ in changes.values())
    if total > limit:
        lines.append(f"… and {total - limit:,} more weights")
    return lines


def target_row(model: Model, lt: LayerTrace, y) -> np.ndarray | None:
    """The true label in the output's shape (one-hot for classes), to compare with a."""
    if lt.name != model.output_name:
        return None
    y = np.asarray(y)
    if model.spec.loss == "cross_entropy":
        out = np.zeros(lt.a[0].size)
        out[int(y.ravel()[0])] = 1.0
        return out
    return np.ravel(y)[: lt.a[0].size].astype(float)
