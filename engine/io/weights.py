"""Which weight arrays a network needs, and checking a set of weights against it.

Keys and layouts are :meth:`engine.Model.get_weights`'s: ``"layer/param"``, Dense ``W`` as
``(units, inputs)``, Conv2D ``W`` as ``(filters, channels, kh, kw)``, BatchNorm ``gamma``,
``beta``, ``running_mean`` and ``running_var`` per feature or channel. The shapes are computed
from the spec alone — never by building a model — so a hostile file that declares a gigantic
layer costs nothing until someone asks for that model.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..catalog import pair
from ..graph import NetworkSpec
from .errors import ProjectError


def expected_shapes(spec: NetworkSpec) -> dict[str, tuple[int, ...]] | None:
    """Weight keys and shapes in model order, or None when the network has errors."""
    analysis = spec.check()
    if not analysis.ok:
        return None
    out: dict[str, tuple[int, ...]] = {}
    for name in analysis.order:
        layer = spec.layers[name]
        p = layer.params
        if layer.type == "Dense":
            out[f"{name}/W"] = (p["units"], analysis.shapes[layer.inputs[0]][0])
            if p["use_bias"]:
                out[f"{name}/b"] = (p["units"],)
        elif layer.type == "Conv2D":
            kh, kw = pair(p["kernel_size"])
            channels = analysis.shapes[layer.inputs[0]][0]
            out[f"{name}/W"] = (p["filters"], channels, kh, kw)
            if p["use_bias"]:
                out[f"{name}/b"] = (p["filters"],)
        elif layer.type == "BatchNorm":
            channels = analysis.shapes[layer.inputs[0]][0]
            for param in ("gamma", "beta", "running_mean", "running_var"):
                out[f"{name}/{param}"] = (channels,)
    return out


def check_finite(weights: Mapping[str, np.ndarray], where: str) -> None:
    """Refuse NaN or infinity, naming the key and the first bad index."""
    for key, value in weights.items():
        bad = ~np.isfinite(value)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ProjectError(f"{where}'{key}' contains NaN or infinity (at index {index})")


def check_weights(
    weights: Mapping[str, np.ndarray], spec: NetworkSpec, where: str, complete: bool = True
) -> None:
    """Check float dtype, finiteness, and — when the network is valid — keys and shapes.

    ``complete``: every weight the network needs must be present. ``where`` prefixes
    messages (``"weights.npz: "``)."""
    for key, value in weights.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            raise ProjectError(f"{where}'{key}' is not an array of floating-point numbers")
    check_finite(weights, where)
    shapes = expected_shapes(spec)
    if shapes is None:
        return  # a network still being designed: its weights are kept as they are
    for key, value in weights.items():
        if key not in shapes:
            raise ProjectError(f"{where}'{key}' does not belong to any layer of the network")
        if value.shape != shapes[key]:
            raise ProjectError(
                f"{where}'{key}' has shape {value.shape}, the network needs {shapes[key]}"
            )
    if complete:
        missing = [k for k in shapes if k not in weights]
        if missing:
            raise ProjectError(f"{where}missing weights: {', '.join(missing)}")
