"""Gradient health: plain-language warnings about vanishing and exploding gradients, saturated
sigmoid/tanh neurons and dead ReLUs — each with what to try.

    health = GradientHealth()
    health.add(record.step, record.grad_norms)          # per batch or epoch: {layer: norm}
    health.update_activations(model, x_batch)            # now and then: z of every layer
    health.diagnoses()                                   # [Diagnosis(layer, kind, message, advice)]

:func:`diagnose` is the pure rule set (tests call it directly). Thresholds:

* exploding — a non-finite norm, a norm ≥ 1000, or ≥ 1000× growth since the first steps;
* vanishing — a norm < 1e-6, or an earlier layer ≥ 1000× smaller than the last one;
* saturated — ≥ 30 % of a hidden sigmoid/tanh layer's sums beyond |z| > 4 (slope < 0.02);
* dead ReLUs — ≥ 10 % of a ReLU layer's units (features or channels) with z ≤ 0 for every
  sample of a batch of at least 16.

Medians over the last 10 steps smooth the batch-to-batch noise; nothing is said from fewer
than 5 steps. The output layer's saturation is not flagged: with a fused loss
(softmax + cross-entropy, sigmoid + binary cross-entropy) a confident output still learns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..canvas.style import ERROR

TINY = 1e-6
HUGE = 1e3
GROWTH = 1000.0
SPREAD = 1000.0
WINDOW = 10
MIN_POINTS = 5
SATURATION_Z = 4.0
SATURATED_SHARE = 0.30
DEAD_SHARE = 0.10
MIN_BATCH = 16

ADVICE = {
    "exploding": "Lower the learning rate (try a tenth), scale the inputs to 0…1, or use an "
                 "adaptive optimiser such as Adam.",
    "vanishing": "Use ReLU instead of sigmoid or tanh in hidden layers, keep the 'auto' "
                 "(He/Xavier) initialisation, scale the inputs, or use fewer layers.",
    "saturated": "Scale the inputs to 0…1 or standardise them, keep the 'auto' "
                 "initialisation, lower the learning rate — or use ReLU in hidden layers.",
    "dead_relu": "Lower the learning rate, use leaky ReLU, or start the biases slightly "
                 "positive.",
}
TITLES = {"exploding": "exploding gradients", "vanishing": "vanishing gradients",
          "saturated": "saturated neurons", "dead_relu": "dead ReLUs"}


@dataclass(frozen=True)
class Diagnosis:
    layer: str
    kind: str  # "exploding", "vanishing", "saturated", "dead_relu"
    message: str
    advice: str


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}×" if ratio < 1e6 else f"{ratio:.0e}×"


def _norm_diagnoses(history: dict[str, Any]) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    recent: dict[str, float] = {}
    flagged: set[str] = set()
    for layer, values in history.items():
        v = np.asarray(values, dtype=np.float64)
        if v.size == 0:
            continue
        if not np.all(np.isfinite(v[-WINDOW:])):
            out.append(Diagnosis(layer, "exploding", f"{layer}: the gradients became "
                                 "infinite or NaN — they exploded.", ADVICE["exploding"]))
            flagged.add(layer)
            continue
        if v.size < MIN_POINTS:
            continue
        now, start = float(np.median(v[-WINDOW:])), float(np.median(v[:WINDOW]))
        recent[layer] = now
        if now >= HUGE or (start > 0 and now / start >= GROWTH):
            grew = f"grew {_times(now / start)} since the start" if start > 0 else "are huge"
            out.append(Diagnosis(layer, "exploding", f"{layer}: the gradients {grew} (now "
                                 f"{now:.1e}) — exploding: each step throws the weights "
                                 "further.", ADVICE["exploding"]))
            flagged.add(layer)
        elif now < TINY:
            out.append(Diagnosis(layer, "vanishing", f"{layer}: the gradients are tiny "
                                 f"({now:.0e}) — vanishing: its weights barely change.",
                                 ADVICE["vanishing"]))
            flagged.add(layer)
    names = list(recent)
    if len(names) >= 2 and names[-1] not in flagged:
        last = recent[names[-1]]
        for layer in names[:-1]:
            if layer in flagged or last <= 0:
                continue
            ratio = last / recent[layer] if recent[layer] > 0 else math.inf
            if ratio >= SPREAD:
                out.append(Diagnosis(layer, "vanishing", f"{layer}: the gradients are "
                                     f"{_times(ratio)} smaller than in {names[-1]} — they "
                                     "vanish on the way back, so this layer barely learns.",
                                     ADVICE["vanishing"]))
                break  # the earliest layer says it; the later ones would repeat it
    return out


def _z_of(value: Any) -> np.ndarray:
    """Accept z itself or a ``{"z": …, "a": …}`` dict (as Model.activations returns)."""
    return np.asarray(value["z"] if isinstance(value, dict) else value, dtype=np.float64)


def _activation_diagnoses(acts: dict[str, Any], names: dict[str, str]) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    output = list(names)[-1] if names else None
    for layer, value in acts.items():
        act = names.get(layer, "linear")
        z = _z_of(value)
        if z.size == 0:
            continue
        if act in ("sigmoid", "tanh") and layer != output:
            share = float(np.mean(np.abs(z) > SATURATION_Z))
            if share >= SATURATED_SHARE:
                slope = "0.02" if act == "sigmoid" else "0.002"
                out.append(Diagnosis(layer, "saturated", f"{layer}: {share:.0%} of its {act} "
                                     f"sums are beyond ±{SATURATION_Z:g}, where the slope is "
                                     f"below {slope}: these neurons are saturated and learn "
                                     "slowly.", ADVICE["saturated"]))
        if act == "relu" and z.ndim >= 2 and len(z) >= MIN_BATCH:
            per_unit = np.moveaxis(z, 1, 0).reshape(z.shape[1], -1)
            dead = int(np.sum(np.all(per_unit <= 0, axis=1)))
            units = per_unit.shape[0]
            if dead and dead >= DEAD_SHARE * units:
                what = "units" if z.ndim == 2 else "channels"
                out.append(Diagnosis(layer, "dead_relu", f"{layer}: {dead} of {units} ReLU "
                                     f"{what} never fire on these {len(z)} samples (their sum "
                                     "is ≤ 0 for every one): they are dead and get no "
                                     "gradient.", ADVICE["dead_relu"]))
    return out


def diagnose(norm_history: dict[str, Any] | None, activations_by_layer: dict[str, Any] | None,
             activation_names: dict[str, str] | None) -> list[Diagnosis]:
    """Every problem found, in network order of the rules: gradient norms first, then
    activations. ``norm_history`` maps layer → norms per step (network order);
    ``activations_by_layer`` maps layer → z of a batch (N, …) or {"z": …}; ``activation_names``
    maps layer → activation name, in network order (its last entry is the output layer)."""
    return (_norm_diagnoses(norm_history or {})
            + _activation_diagnoses(activations_by_layer or {}, activation_names or {}))


class GradientHealth(QWidget):
    """The warnings of :func:`diagnose` as text, each with what to try."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: dict[str, list[float]] = {}
        self.acts: dict[str, np.ndarray] = {}
        self.names: dict[str, str] = {}
        self._diagnoses: list[Diagnosis] = []
        self.label = QLabel()
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)  # batches arrive much faster than anyone reads
        self._timer.timeout.connect(self.refresh)
        self.refresh()

    def add(self, step: int, grad_norms: dict[str, float] | None) -> None:
        """One step's gradient norms per layer (``Progress.grad_norms``)."""
        for layer, norm in (grad_norms or {}).items():
            self.history.setdefault(layer, []).append(float(norm))
        self._timer.start()

    def update_activations(self, model, x_batch: Any) -> None:
        """Run ``x_batch`` through ``model`` (a copy: this overwrites its buffers) and keep
        every layer's z, to check saturation and dead ReLUs."""
        values = model.activations(x_batch)
        self.names = {n.name: (n.activation.name if n.activation else "linear")
                      for n in model.nodes if n.layer.params}
        self.acts = {k: v["z"] for k, v in values.items() if k in self.names}
        self.refresh()

    def clear(self) -> None:
        self.history.clear()
        self.acts.clear()
        self.refresh()

    def diagnoses(self) -> list[Diagnosis]:
        return list(self._diagnoses)

    def refresh(self) -> None:
        self._diagnoses = diagnose(self.history, self.acts, self.names)
        if not self.history and not self.acts:
            self.label.setText("Train the network to check how its gradients flow.")
            return
        if not self._diagnoses:
            self.label.setText("✓ No problems found: the gradients flow and the neurons "
                               "are active.")
            return
        parts = [f"<p><span style='color:{ERROR.name()}'>⚠ <b>{TITLES[d.kind]}</b></span> "
                 f"{d.message}<br><i>Try:</i> {d.advice}</p>" for d in self._diagnoses]
        self.label.setText("".join(parts))
