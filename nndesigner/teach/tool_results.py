"""What an ``inspect``, ``step_through`` or ``tool`` lesson action finds out (no Qt).

The headless runner calls :func:`tool_results` directly; in the window the guide computes
the inspect and step-through results the same way, and each tool window reports the same
keys when its experiment has run (so a step's check mark means the same thing in both).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import trace

from . import experiments as exp
from .formulas import dummy_target, neuron_numbers

LR_RATES = [0.001, 0.01, 0.1, 1.0, 10.0]


def inspect_neuron(model, layer: str, index: int, sample) -> Any:
    """The inspector's numbers for one neuron and sample (float64, as the inspector)."""
    m = model.copy(np.float64)
    xb = m.prepare_inputs(np.asarray(sample))[:1]
    return neuron_numbers(m, trace(m, xb, dummy_target(m)), layer, index)


def picture_predictions(model, class_names: list[str]) -> dict[str, str]:
    """The class the model gives each clean teaching picture named like a class."""
    out = {}
    for name in class_names:
        try:
            k = int(model.predict_classes(exp.picture(name)[None])[0])
        except ValueError:
            continue
        out[name] = class_names[k] if k < len(class_names) else str(k)
    return out


def tool_results(action: dict[str, Any], state) -> dict[str, Any]:
    kind, s, model = action.get("do"), state.setup, state.model
    if kind == "inspect":
        sample = action.get("sample")
        if sample is None:
            sample = s.x[0]
        return {"neuron": inspect_neuron(model, action["layer"], action.get("index", 0),
                                         sample)}
    if kind == "step_through":
        i = action.get("sample", 0)
        return {"gradient_norm": exp.zero_grad_sample(model, s.x[i : i + 1], s.y[i : i + 1])}
    tool = action.get("tool")
    if tool == "step_vs_sigmoid":
        return {"step_vs_sigmoid": exp.step_vs_sigmoid()}
    if tool == "pixel_grid":
        return {"pixel_predictions": picture_predictions(model, s.class_names or [])}
    if tool == "learning_rate":
        rates = action.get("rates", LR_RATES)
        return exp.sweep_with_surface(s.spec, s.x, s.y, rates, action.get("epochs", 50),
                                      s.training.batch_size, s.training.seed)
    if tool == "losses":
        return {"loss_comparison": exp.compare_losses(s.x, s.y),
                "output_deltas": exp.output_deltas()}
    if tool == "activations":
        return {"slopes": {n: exp.slope_at(n, 0.0) for n in ("sigmoid", "tanh", "relu",
                                                             "step", "linear")}}
    if tool == "draw_digit":
        digit = action.get("digit", 2)
        k = int(model.predict_classes(exp.drawn_digit(digit)[None])[0])
        return {"digit_prediction": {digit: k}}
    raise ValueError(f"unknown lesson tool {tool!r}")
