"""Gradient checking: centred finite differences in float64 against backpropagation.

For each parameter tensor, ``(L(w + ε) − L(w − ε)) / 2ε`` is compared with the analytic
gradient element by element (all elements, or a seeded sample of ``max_per_tensor`` of them).
Dropout masks are frozen (the generator is reset before each evaluation) so that every
evaluation sees the same network.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from .model import Model


@dataclass(frozen=True)
class GradCheckResult:
    """How well backprop agrees with finite differences for one parameter tensor."""

    key: str
    checked: int
    max_abs_error: float
    max_rel_error: float
    ok: bool


def _relative_error(analytic: np.ndarray, numeric: np.ndarray, atol: float) -> np.ndarray:
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    err = np.abs(analytic - numeric)
    # Errors below atol are agreement whatever the scale (both gradients are ~0).
    return np.where(err <= atol, 0.0, err / np.maximum(scale, 1e-300))


def gradcheck(
    model: Model,
    x: Any,
    y: Any,
    eps: float = 1e-6,
    rtol: float = 1e-3,
    atol: float = 1e-5,
    max_per_tensor: int | None = 64,
    seed: int = 0,
    training: bool = True,
) -> list[GradCheckResult]:
    """Check every parameter tensor of (a float64 copy of) ``model`` on the batch ``x, y``."""
    m = model.copy(np.float64)
    x = m.prepare_inputs(x)
    y = m.prepare_targets(y, len(x))
    rng_state = copy.deepcopy(m.rng)

    def loss_value() -> float:
        m.set_rng(copy.deepcopy(rng_state))
        out = m.forward(x, training=training)
        return m.compute_loss(m.node(m.output_name).z, out, y)

    m.set_rng(copy.deepcopy(rng_state))
    m.loss_and_gradients(x, y, training=training)
    analytic = {p.key: p.grad.copy() for p in m.parameters()}
    pick = np.random.default_rng(seed)
    results = []
    for p in m.parameters():
        flat = p.value.reshape(-1)
        n = flat.size
        idx = np.arange(n)
        if max_per_tensor is not None and n > max_per_tensor:
            idx = np.sort(pick.choice(n, size=max_per_tensor, replace=False))
        numeric = np.empty(len(idx))
        for k, i in enumerate(idx):
            old = flat[i]
            flat[i] = old + eps
            plus = loss_value()
            flat[i] = old - eps
            minus = loss_value()
            flat[i] = old
            numeric[k] = (plus - minus) / (2 * eps)
        a = analytic[p.key].reshape(-1)[idx]
        rel = _relative_error(a, numeric, atol)
        abs_err = float(np.max(np.abs(a - numeric))) if len(idx) else 0.0
        max_rel = float(np.max(rel)) if len(idx) else 0.0
        results.append(GradCheckResult(p.key, len(idx), abs_err, max_rel, max_rel <= rtol))
    return results


def input_gradcheck(model: Model, x: Any, y: Any, eps: float = 1e-6) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """Analytic and numeric dL/dx for the (float64) model's first layer input: used to test
    layers whose input gradient nothing upstream would otherwise exercise."""
    m = model.copy(np.float64)
    x = m.prepare_inputs(x).copy()
    y = m.prepare_targets(y, len(x))
    rng_state = copy.deepcopy(m.rng)
    first = next(n for n in m.nodes if n.type != "Input")
    saved = list(first.layer.input_grad_needed)
    first.layer.input_grad_needed = [True] * len(saved)
    first.requires_grad = True
    captured: dict[str, np.ndarray] = {}
    original_backward = first.layer.backward

    def spy(dz):
        dxs = original_backward(dz)
        captured["dx"] = dxs[0]
        return dxs

    first.layer.backward = spy  # type: ignore[method-assign]
    m.set_rng(copy.deepcopy(rng_state))
    m.loss_and_gradients(x, y)
    from .model import to_public

    analytic = np.array(to_public(captured["dx"]))
    numeric = np.empty_like(x)
    flat, nflat = x.reshape(-1), numeric.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        m.set_rng(copy.deepcopy(rng_state))
        out = m.forward(x, training=True)
        plus = m.compute_loss(m.node(m.output_name).z, out, y)
        flat[i] = old - eps
        m.set_rng(copy.deepcopy(rng_state))
        out = m.forward(x, training=True)
        minus = m.compute_loss(m.node(m.output_name).z, out, y)
        flat[i] = old
        nflat[i] = (plus - minus) / (2 * eps)
    return analytic, numeric
