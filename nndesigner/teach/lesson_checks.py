"""Expected results of lesson steps, checked against a lesson's state (no Qt).

Every key of an ``expect`` dict must hold:

* ``event``: the last training's final event ("converged", "not_separable", "finished",
  "diverged");
* ``accuracy_at_least`` / ``loss_below``: the current network on the lesson's data;
* ``input_size``: the number of input neurons;
* ``neuron``: ``{"z": 0.7, "output": 1}`` for the last ``inspect`` action;
* ``zero_gradient`` / ``nonzero_gradient``: true — the last ``step_through`` sample's gradients;
* ``step_vs_sigmoid``: ``{"step_event": …, "sigmoid_accuracy": …, "step_gradient": 0}``;
* ``predicts_picture``: ``{"smiley": "smiley", …}`` — the class given to each clean picture;
* ``predicts_digit``: 2 — a freshly drawn 2 is classified as 2;
* ``diverges_at`` / ``learns_at``: learning rates that diverge / lower the loss by half;
* ``both_losses_reach``: accuracy both MSE and cross-entropy reach in the comparison;
* ``cross_entropy_gradient_larger``: true — at a confidently wrong output;
* ``slope``: ``{"activation": "sigmoid", "z": 0, "equals": 0.25}``;
* ``valley``: true — the loss surface of two weights goes downhill from the start.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import experiments as exp

TOL = 1e-6


class Missing(Exception):
    """The result a check needs has not been produced yet (run the step's action)."""


def _need(state, key: str) -> Any:
    if key not in state.results:
        raise Missing(f"no {key.replace('_', ' ')} yet")
    return state.results[key]


def _event(state, want) -> tuple[bool, str]:
    if not state.event:
        raise Missing("not trained yet")
    return state.event == want, f"training ended with '{state.event}'"


def _accuracy(state, want) -> tuple[bool, str]:
    acc = exp.accuracy(state.model, state.setup.x, state.setup.y)
    return acc >= want - TOL, f"accuracy {acc:.1%} (wanted ≥ {want:.0%})"


def _loss(state, want) -> tuple[bool, str]:
    loss = state.model.evaluate(state.setup.x, state.setup.y)["loss"]
    return loss < want, f"loss {loss:.4g} (wanted < {want:g})"


def _input_size(state, want) -> tuple[bool, str]:
    n = int(np.prod(state.model.input_shape))
    return n == want, f"{n} input neurons"


def _neuron(state, want) -> tuple[bool, str]:
    n = _need(state, "neuron")
    ok = True
    if "z" in want:
        ok &= abs(n.z - want["z"]) <= TOL
    if "output" in want:
        ok &= abs(n.a - want["output"]) <= TOL
    return ok, f"{n.sum_text}; {n.activation_text}"


def _zero_gradient(state, want) -> tuple[bool, str]:
    g = _need(state, "gradient_norm")
    return (g == 0) == bool(want), f"gradient size {g:.3g}"


def _nonzero_gradient(state, want) -> tuple[bool, str]:
    ok, detail = _zero_gradient(state, not want)
    return ok, detail


def _step_vs_sigmoid(state, want) -> tuple[bool, str]:
    r = _need(state, "step_vs_sigmoid")
    ok = True
    if "step_event" in want:
        ok &= r["step"].event == want["step_event"]
    if "sigmoid_accuracy" in want:
        ok &= r["sigmoid_accuracy"] >= want["sigmoid_accuracy"] - TOL
    if "step_gradient" in want:
        ok &= r["gradient_norm"]["step"] == want["step_gradient"]
    return ok, (f"step neuron: '{r['step'].event}'; sigmoid network: "
                f"{r['sigmoid_accuracy']:.0%}; gradient sizes step "
                f"{r['gradient_norm']['step']:.3g}, sigmoid {r['gradient_norm']['sigmoid']:.3g}")


def _predicts_picture(state, want) -> tuple[bool, str]:
    got = _need(state, "pixel_predictions")
    ok = all(got.get(k) == v for k, v in want.items())
    return ok, ", ".join(f"{k} → {v}" for k, v in got.items())


def _predicts_digit(state, want) -> tuple[bool, str]:
    got = _need(state, "digit_prediction")
    k = got.get(want)
    return k == want, f"a drawn {want} is read as {k}"


def _runs_by_rate(state) -> dict[float, Any]:
    return {run.lr: run for run in _need(state, "lr_sweep")}


def _diverges_at(state, want) -> tuple[bool, str]:
    runs = _runs_by_rate(state)
    ok = all(r in runs and runs[r].diverged for r in want)
    return ok, "; ".join(_describe(r) for r in runs.values())


def _learns_at(state, want) -> tuple[bool, str]:
    runs = _runs_by_rate(state)
    ok = all(r in runs and not runs[r].diverged and runs[r].losses and
             runs[r].losses[-1] < 0.5 * runs[r].losses[0] for r in want)
    return ok, "; ".join(_describe(r) for r in runs.values())


def _describe(run) -> str:
    if run.diverged:
        return f"lr {run.lr:g}: diverged at epoch {run.diverged_at}"
    if not run.losses:
        return f"lr {run.lr:g}: no epochs"
    return f"lr {run.lr:g}: loss {run.losses[0]:.3g} → {run.losses[-1]:.3g}"


def _both_losses(state, want) -> tuple[bool, str]:
    runs = _need(state, "loss_comparison")
    best = {k: max(r.accuracies, default=0.0) for k, r in runs.items()}
    final = {k: (r.accuracies[-1] if r.accuracies else 0.0) for k, r in runs.items()}
    ok = all(v >= want - TOL for v in final.values())
    return ok, ", ".join(f"{k}: {final[k]:.0%} (best {best[k]:.0%})" for k in runs)


def _ce_larger(state, want) -> tuple[bool, str]:
    d = _need(state, "output_deltas")
    mse, ce = abs(d["mse"]), abs(d["binary_cross_entropy"])
    larger = ce > 10 * mse
    return larger == bool(want), f"δ with MSE {d['mse']:.4f}, with cross-entropy " \
                                 f"{d['binary_cross_entropy']:.4f}"


def _slope(state, want) -> tuple[bool, str]:
    s = exp.slope_at(want["activation"], want.get("z", 0.0))
    return math.isclose(s, want["equals"], abs_tol=1e-9), \
        f"{want['activation']}′({want.get('z', 0.0):g}) = {s:g}"


def _valley(state, want) -> tuple[bool, str]:
    surface = _need(state, "loss_surface")
    low = float(np.nanmin(surface.loss))
    return (low < surface.start_loss) == bool(want), \
        f"loss {surface.start_loss:.3g} at the start, {low:.3g} at the bottom of the slice"


CHECKS: dict[str, Callable[[Any, Any], tuple[bool, str]]] = {
    "event": _event, "accuracy_at_least": _accuracy, "loss_below": _loss,
    "input_size": _input_size, "neuron": _neuron, "zero_gradient": _zero_gradient,
    "nonzero_gradient": _nonzero_gradient, "step_vs_sigmoid": _step_vs_sigmoid,
    "predicts_picture": _predicts_picture, "predicts_digit": _predicts_digit,
    "diverges_at": _diverges_at, "learns_at": _learns_at, "both_losses_reach": _both_losses,
    "cross_entropy_gradient_larger": _ce_larger, "slope": _slope, "valley": _valley,
}


def check(expect: dict[str, Any], state) -> tuple[bool, str]:
    """(all met, what was found). A result that is not there yet counts as not met."""
    ok, details = True, []
    for key, want in expect.items():
        fn = CHECKS.get(key)
        if fn is None:
            raise ValueError(f"unknown lesson expectation {key!r}")
        try:
            good, detail = fn(state, want)
        except Missing as exc:
            good, detail = False, str(exc)
        ok &= bool(good)
        details.append(detail)
    return ok, "; ".join(details)


GOALS: dict[str, Callable[[Any], str]] = {
    "event": lambda v: {"converged": "training stops with every sample right",
                        "not_separable": "the trainer reports 'not linearly separable'",
                        "diverged": "training diverges"}.get(v, f"training ends with '{v}'"),
    "accuracy_at_least": lambda v: f"accuracy of at least {v:.0%}",
    "loss_below": lambda v: f"a loss below {v:g}",
    "input_size": lambda v: f"{v} input neurons",
    "neuron": lambda v: f"the neuron's sum z = {v.get('z', '?')}, output {v.get('output', '?')}",
    "zero_gradient": lambda v: "every gradient exactly 0" if v else "a gradient that is not 0",
    "nonzero_gradient": lambda v: "a gradient that is not 0",
    "step_vs_sigmoid": lambda v: "the step neuron fails where the sigmoid network succeeds",
    "predicts_picture": lambda v: "the trained network reads " + ", ".join(
        f"the {k} as {c}" for k, c in v.items()),
    "predicts_digit": lambda v: f"your {v} is read as {v}",
    "diverges_at": lambda v: "divergence at learning rate " + ", ".join(f"{r:g}" for r in v),
    "learns_at": lambda v: "learning at " + ", ".join(f"{r:g}" for r in v),
    "both_losses_reach": lambda v: f"both losses reach {v:.0%} accuracy",
    "cross_entropy_gradient_larger": lambda v: "cross-entropy's larger push on a confident "
                                               "mistake",
    "slope": lambda v: f"{v['activation']}′({v.get('z', 0)}) = {v['equals']}",
    "valley": lambda v: "a valley downhill from the start",
}


def describe(expect: dict[str, Any]) -> str:
    """The goal of a step in words, e.g. "accuracy of at least 100 %"."""
    return "; ".join(GOALS[k](v) if k in GOALS else k for k, v in expect.items())
