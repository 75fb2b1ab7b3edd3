"""Weight initialisers, seeded through an ``np.random.Generator``.

An initialiser is named in a spec by a string (``"he_normal"``) or a dict with options
(``{"name": "normal", "std": 0.05}``). ``fan_in`` and ``fan_out`` are the number of inputs and
outputs of one neuron (for a convolution: channels × kernel area, filters × kernel area).
``"auto"`` picks He for ReLU-like activations and Glorot otherwise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import SpecError

# name -> (allowed options with defaults, one-line description)
_CATALOG: dict[str, tuple[dict[str, float], str]] = {
    "auto": ({}, "He for ReLU-like activations, Glorot otherwise"),
    "zeros": ({}, "every value 0"),
    "ones": ({}, "every value 1"),
    "constant": ({"value": 0.0}, "every value the same constant"),
    "uniform": ({"low": -0.05, "high": 0.05}, "uniform between low and high"),
    "normal": ({"mean": 0.0, "std": 0.05}, "normal with the given mean and standard deviation"),
    "glorot_uniform": ({}, "Glorot/Xavier: U(±√(6/(fan_in+fan_out)))"),
    "glorot_normal": ({}, "Glorot/Xavier: N(0, 2/(fan_in+fan_out))"),
    "he_uniform": ({}, "He/Kaiming: U(±√(6/fan_in))"),
    "he_normal": ({}, "He/Kaiming: N(0, 2/fan_in)"),
}
NAMES: tuple[str, ...] = tuple(_CATALOG)
DESCRIPTIONS: dict[str, str] = {name: desc for name, (_, desc) in _CATALOG.items()}
RELU_LIKE = frozenset({"relu", "leaky_relu", "elu"})


def parse(value: Any) -> tuple[str, dict[str, float]]:
    """Validate an initialiser description; return its name and full options."""
    if isinstance(value, str):
        name, given = value, {}
    elif isinstance(value, dict) and isinstance(value.get("name"), str):
        name = value["name"]
        given = {k: v for k, v in value.items() if k != "name"}
    else:
        raise SpecError("an initialiser must be a name or a dict with a 'name'")
    if name not in _CATALOG:
        raise SpecError(f"unknown initialiser '{name}' (known: {', '.join(NAMES)})")
    defaults, _ = _CATALOG[name]
    unknown = set(given) - set(defaults)
    if unknown:
        raise SpecError(f"initialiser '{name}' has no option(s) {', '.join(sorted(unknown))}")
    options = dict(defaults)
    for key, val in given.items():
        if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
            raise SpecError(f"initialiser '{name}': '{key}' must be a finite number")
        options[key] = float(val)
    if name == "uniform" and options["low"] > options["high"]:
        raise SpecError("initialiser 'uniform': low must not exceed high")
    if name == "normal" and options["std"] < 0:
        raise SpecError("initialiser 'normal': std must be ≥ 0")
    return name, options


def canonical(value: Any) -> str | dict[str, float]:
    name, options = parse(value)
    defaults, _ = _CATALOG[name]
    changed = {k: v for k, v in options.items() if v != defaults[k]}
    return {"name": name, **changed} if changed else name


def initialize(
    value: Any,
    shape: tuple[int, ...],
    fan_in: int,
    fan_out: int,
    rng: np.random.Generator,
    dtype: np.dtype | type = np.float32,
    activation: str = "linear",
) -> np.ndarray:
    """Draw an array of ``shape`` from the described distribution."""
    name, opt = parse(value)
    if name == "auto":
        name = "he_uniform" if activation in RELU_LIKE else "glorot_uniform"
    fan_in, fan_out = max(fan_in, 1), max(fan_out, 1)
    if name == "zeros":
        out = np.zeros(shape)
    elif name == "ones":
        out = np.ones(shape)
    elif name == "constant":
        out = np.full(shape, opt["value"])
    elif name == "uniform":
        out = rng.uniform(opt["low"], opt["high"], size=shape)
    elif name == "normal":
        out = rng.normal(opt["mean"], opt["std"], size=shape)
    elif name == "glorot_uniform":
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        out = rng.uniform(-limit, limit, size=shape)
    elif name == "glorot_normal":
        out = rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape)
    elif name == "he_uniform":
        limit = math.sqrt(6.0 / fan_in)
        out = rng.uniform(-limit, limit, size=shape)
    else:  # he_normal
        out = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)
    return np.ascontiguousarray(out, dtype=dtype)
