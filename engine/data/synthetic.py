"""Two-dimensional data sets for decision-boundary pictures, generated from a seed.

Every generator returns a classification :class:`Dataset` whose ``x`` has shape (N, 2)
(features ``x1``, ``x2``) with the noiseless points inside [-1, 1]², classes of equal size
(the remainder of N goes to the first classes) and samples in shuffled order. ``noise`` is
the standard deviation of a Gaussian jitter added to every point *after* its class was
decided, so more noise means more overlap between classes. The same arguments and seed give
the same data on every machine.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from .dataset import Dataset

FEATURES = ["x1", "x2"]


def _check(n_samples: int, noise: float, classes: int = 2) -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer):
        raise DataError(f"the number of samples must be a whole number, got {n_samples!r}")
    if n_samples < classes:
        raise DataError(f"at least {classes} samples are needed (one per class)")
    if not isinstance(noise, int | float) or not 0 <= noise <= 10:
        raise DataError(f"noise must be a number from 0 to 10, got {noise!r}")


def _per_class(n: int, k: int) -> list[int]:
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _finish(
    parts: list[np.ndarray], noise: float, rng: np.random.Generator, name: str,
    description: str, class_names: list[str],
) -> Dataset:
    x = np.concatenate(parts).astype(np.float64)
    y = np.concatenate([np.full(len(p), c, dtype=np.int64) for c, p in enumerate(parts)])
    x += rng.normal(0.0, noise, size=x.shape) if noise > 0 else 0.0
    order = rng.permutation(len(x))
    return Dataset(
        x[order].astype(np.float32), y[order], "classification", class_names, FEATURES,
        name=name, description=description,
    )


def xor(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Four quadrants; class 1 where exactly one coordinate is positive (exclusive or).

    Points keep a small gap (0.05) from the axes so that ``noise=0`` is cleanly learnable.
    """
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    parts = []
    for label, n in enumerate(_per_class(n_samples, 2)):
        mag = rng.uniform(0.05, 1.0, size=(n, 2))
        sx = rng.choice([-1.0, 1.0], size=n)
        # XOR: class 1 has opposite signs, class 0 equal signs
        sy = -sx if label == 1 else sx
        parts.append(mag * np.stack([sx, sy], axis=1))
    return _finish(parts, noise, rng, "xor", "exclusive or: not linearly separable",
                   ["same sign", "opposite signs"])


def circles(n_samples: int = 200, noise: float = 0.05, seed: int = 0) -> Dataset:
    """A disc (radius up to 0.5) inside a ring (radius 0.7 to 1)."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    parts = []
    for (r0, r1), n in zip(((0.0, 0.5), (0.7, 1.0)), _per_class(n_samples, 2), strict=True):
        # sqrt spreads points evenly over the area instead of crowding the centre
        r = np.sqrt(rng.uniform(r0**2, r1**2, size=n))
        t = rng.uniform(0, 2 * np.pi, size=n)
        parts.append(np.stack([r * np.cos(t), r * np.sin(t)], axis=1))
    return _finish(parts, noise, rng, "circles", "a disc inside a ring", ["inside", "outside"])


def moons(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    n0, n1 = _per_class(n_samples, 2)
    t0, t1 = rng.uniform(0, np.pi, n0), rng.uniform(0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    # centre and shrink [-1, 2] × [-0.5, 1] into [-1, 1]²
    parts = [(p - [0.5, 0.25]) / 1.5 for p in (upper, lower)]
    return _finish(parts, noise, rng, "moons", "two interleaving half circles",
                   ["upper moon", "lower moon"])


def spirals(
    n_samples: int = 300, noise: float = 0.05, seed: int = 0, arms: int = 2,
    turns: float = 1.25,
) -> Dataset:
    """``arms`` interleaved spiral arms, each winding ``turns`` times around the centre."""
    if isinstance(arms, bool) or not isinstance(arms, int) or not 2 <= arms <= 10:
        raise DataError(f"a spiral has 2 to 10 arms, got {arms!r}")
    if not isinstance(turns, int | float) or not 0.25 <= turns <= 5:
        raise DataError(f"turns must be from 0.25 to 5, got {turns!r}")
    _check(n_samples, noise, arms)
    rng = np.random.default_rng(seed)
    parts = []
    for k, n in enumerate(_per_class(n_samples, arms)):
        r = rng.uniform(0.05, 1.0, size=n)
        angle = 2 * np.pi * (turns * r + k / arms)
        parts.append(np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1))
    return _finish(parts, noise, rng, "spirals", f"{arms} interleaved spiral arms",
                   [f"arm {k + 1}" for k in range(arms)])


def blobs(n_samples: int = 200, noise: float = 0.15, seed: int = 0, classes: int = 3) -> Dataset:
    """``classes`` round Gaussian clouds (standard deviation ``noise``) whose centres sit
    evenly on a circle of radius 0.6."""
    if isinstance(classes, bool) or not isinstance(classes, int) or not 2 <= classes <= 10:
        raise DataError(f"blobs need 2 to 10 classes, got {classes!r}")
    _check(n_samples, noise, classes)
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 2 * np.pi)
    parts = []
    for k, n in enumerate(_per_class(n_samples, classes)):
        a = start + 2 * np.pi * k / classes
        parts.append(np.tile([0.6 * np.cos(a), 0.6 * np.sin(a)], (n, 1)))
    return _finish(parts, noise, rng, "blobs", f"{classes} Gaussian clouds",
                   [f"blob {k + 1}" for k in range(classes)])


def linear(n_samples: int = 200, noise: float = 0.0, seed: int = 0,
           margin: float = 0.1) -> Dataset:
    """Two classes on either side of a random straight line, at least ``margin`` from it:
    with ``noise=0`` a single neuron (even a step neuron) can separate them."""
    if not isinstance(margin, int | float) or not 0 <= margin <= 0.5:
        raise DataError(f"margin must be from 0 to 0.5, got {margin!r}")
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    w = np.array([np.cos(angle), np.sin(angle)])
    b = rng.uniform(-0.2, 0.2)
    parts = []
    for sign, n in zip((-1.0, 1.0), _per_class(n_samples, 2), strict=True):
        got: list[np.ndarray] = []
        while sum(len(g) for g in got) < n:  # rejection sampling; ≥ ~25% accepted
            p = rng.uniform(-1, 1, size=(2 * n + 8, 2))
            side = (p @ w + b) * sign
            got.append(p[side >= margin])
        parts.append(np.concatenate(got)[:n])
    return _finish(parts, noise, rng, "linear", "two classes a straight line separates",
                   ["below", "above"])
