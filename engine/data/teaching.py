"""Classic teaching data sets, generated from a seed: 7×7 pictures, trip insurance, regression.

* :func:`patterns` — black-and-white 7×7 pictures (smiley, frowny, cross, plus, square,
  triangle), ``x`` of shape (N, 1, 7, 7) with values 0 or 1: 49 input neurons after a
  Flatten. ``noise`` is the chance that a pixel is flipped.
* :func:`trip_insurance` — "does this traveller buy trip insurance?": five numeric features
  and a yes/no answer from a weighted rule plus noise (the step-neuron example).
* :func:`sine` — a noisy 1-D curve; :func:`house_prices` — a price from four features.

Tables carry a ``"table"`` preprocessing dict (see :mod:`engine.data.tabular`): with
``scaled=True`` each feature is mapped from a fixed natural range to 0…1, so raw values such
as ``{"age": 40, "trip_cost": 2500, …}`` can be given to
:func:`engine.data.apply_preprocessing` to predict.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from . import tabular
from .dataset import Dataset

_PICTURES = {
    "smiley": (
        ".......",
        ".#...#.",
        ".......",
        ".......",
        ".#...#.",
        "..###..",
        ".......",
    ),
    "frowny": (
        ".......",
        ".#...#.",
        ".......",
        ".......",
        "..###..",
        ".#...#.",
        ".......",
    ),
    "cross": (
        "#.....#",
        ".#...#.",
        "..#.#..",
        "...#...",
        "..#.#..",
        ".#...#.",
        "#.....#",
    ),
    "plus": (
        "...#...",
        "...#...",
        "...#...",
        "#######",
        "...#...",
        "...#...",
        "...#...",
    ),
    "square": (
        ".......",
        ".#####.",
        ".#...#.",
        ".#...#.",
        ".#...#.",
        ".#####.",
        ".......",
    ),
    "triangle": (
        ".......",
        "...#...",
        "..#.#..",
        "..#.#..",
        ".#...#.",
        ".#####.",
        ".......",
    ),
}
SHAPES = tuple(_PICTURES)


def picture(name: str) -> np.ndarray:
    """The clean 7×7 picture of a shape, float32 0/1, shape (7, 7)."""
    try:
        rows = _PICTURES[name]
    except KeyError:
        raise DataError(f"unknown shape {name!r} (known: {', '.join(SHAPES)})") from None
    return np.array([[c == "#" for c in row] for row in rows], dtype=np.float32)


def _shift(img: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Move a picture, filling with white (0) instead of wrapping around."""
    out = np.zeros_like(img)
    h, w = img.shape
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = \
        img[max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)]
    return out


def patterns(
    n_samples: int = 200,
    noise: float = 0.05,
    seed: int = 0,
    shapes: tuple[str, ...] | list[str] = ("smiley", "frowny"),
    shift: int = 0,
) -> Dataset:
    """Noisy 7×7 black-and-white pictures of ``shapes``, one class per shape.

    Parameters
    ----------
    noise : float
        Probability that each pixel is flipped (0 gives the clean pictures).
    shift : int
        Pictures move by up to this many pixels in each direction (0 or 1 makes sense).
    """
    shapes = list(shapes)
    for s in shapes:
        picture(s)
    if len(set(shapes)) < 2:
        raise DataError("choose at least two different shapes")
    if not isinstance(noise, int | float) or not 0 <= noise <= 0.5:
        raise DataError(f"pixel noise must be a probability from 0 to 0.5, got {noise!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < len(shapes):
        raise DataError(f"at least {len(shapes)} samples are needed (one per shape)")
    if shift not in (0, 1, 2):
        raise DataError(f"shift must be 0, 1 or 2 pixels, got {shift!r}")
    rng = np.random.default_rng(seed)
    k = len(shapes)
    y = np.repeat(np.arange(k), [n_samples // k + (c < n_samples % k) for c in range(k)])
    y = y[rng.permutation(n_samples)]
    clean = np.stack([picture(s) for s in shapes])
    x = clean[y].copy()
    if shift:
        moves = rng.integers(-shift, shift + 1, size=(n_samples, 2))
        for i, (dy, dx) in enumerate(moves):
            x[i] = _shift(x[i], int(dy), int(dx))
    flips = rng.random(x.shape) < noise
    x[flips] = 1.0 - x[flips]
    names = " vs ".join(shapes) if k <= 3 else f"{k} shapes"
    return Dataset(
        x[:, None], y.astype(np.int64), "classification", shapes, None,
        name="patterns", description=f"7×7 black-and-white pictures: {names}",
        preprocessing={"type": "image", "channels": 1, "size": [7, 7], "binary": True},
    )


# natural ranges used to scale table features to 0…1
_TRIP_RANGES = {
    "age": (18.0, 85.0),
    "trip_cost": (200.0, 12000.0),
    "destination_risk": (1.0, 5.0),
    "trip_days": (2.0, 45.0),
    "has_insurance": (0.0, 1.0),
}
_HOUSE_RANGES = {
    "area_m2": (30.0, 250.0),
    "rooms": (1.0, 8.0),
    "age_years": (0.0, 100.0),
    "distance_km": (0.5, 30.0),
}


def _table(
    raw: np.ndarray, ranges: dict[str, tuple[float, float]], scaled: bool, target: dict,
) -> tuple[np.ndarray, dict]:
    features = [
        tabular.numeric_feature(n, lo, hi - lo) if scaled else tabular.numeric_feature(n)
        for n, (lo, hi) in ranges.items()
    ]
    x = raw.astype(np.float32)  # stored like a loaded file: float32 raw, then scaled
    tabular.scale_columns(x, features)
    prep = {"type": "table", "features": features,
            "feature_names": tabular.feature_names(features), "target": target,
            "decimal": "."}
    return x, prep


def trip_insurance(
    n_samples: int = 300, noise: float = 0.5, seed: int = 0, scaled: bool = True,
) -> Dataset:
    """Who buys trip insurance? Features: age (years), trip cost (EUR), destination risk
    (1 safe … 5 risky), trip length (days), already insured (0/1). The answer comes from a
    weighted sum — expensive, risky, long trips and older travellers buy; people who are
    already insured rarely do — plus Gaussian noise of standard deviation ``noise``."""
    if not isinstance(noise, int | float) or not 0 <= noise <= 5:
        raise DataError(f"noise must be from 0 to 5, got {noise!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise DataError("at least 2 samples are needed")
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 86, n_samples).astype(float)
    cost = np.round(np.exp(rng.uniform(np.log(200), np.log(12000), n_samples)), -1)
    risk = rng.integers(1, 6, n_samples).astype(float)
    days = rng.integers(2, 46, n_samples).astype(float)
    insured = (rng.random(n_samples) < 0.3).astype(float)
    score = (
        1.1 * np.log(cost / 1500) + 0.6 * (risk - 3) + 0.03 * (age - 45)
        + 0.04 * (days - 14) - 2.5 * insured + 0.1
    )
    buys = (score + rng.normal(0, noise, n_samples) > 0).astype(np.int64) if noise else \
        (score > 0).astype(np.int64)
    raw = np.stack([age, cost, risk, days, insured], axis=1)
    target = {"name": "buys_insurance", "kind": "classification", "classes": ["no", "yes"]}
    x, prep = _table(raw, _TRIP_RANGES, scaled, target)
    return Dataset(
        x, buys, "classification", ["no", "yes"], prep["feature_names"],
        name="trip_insurance", description="does a traveller buy trip insurance?",
        preprocessing=prep,
    )


def sine(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """y = sin(π·x) + 0.3·x² plus Gaussian noise, x uniform in [-1, 1]: a curve a single
    neuron cannot fit but one small hidden layer can."""
    if not isinstance(noise, int | float) or not 0 <= noise <= 5:
        raise DataError(f"noise must be from 0 to 5, got {noise!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise DataError("at least 2 samples are needed")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1, 1, n_samples))
    y = np.sin(np.pi * x) + 0.3 * x**2 + rng.normal(0, noise, n_samples)
    features = [tabular.numeric_feature("x")]
    prep = {"type": "table", "features": features, "feature_names": ["x"],
            "target": {"name": "y", "kind": "regression"}, "decimal": "."}
    return Dataset(
        x[:, None].astype(np.float32), y[:, None].astype(np.float32), "regression", None,
        ["x"], name="sine", description="a noisy curve: y = sin(πx) + 0.3x² + noise",
        preprocessing=prep,
    )


def house_prices(
    n_samples: int = 500, noise: float = 0.1, seed: int = 0, scaled: bool = True,
) -> Dataset:
    """A house's price in units of 100 000 EUR from its floor area (m²), rooms, age (years)
    and distance to the centre (km): mostly linear in area, falling off with distance, plus
    multiplicative noise of relative size ``noise``."""
    if not isinstance(noise, int | float) or not 0 <= noise <= 1:
        raise DataError(f"noise must be from 0 to 1, got {noise!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise DataError("at least 2 samples are needed")
    rng = np.random.default_rng(seed)
    area = np.round(rng.uniform(30, 250, n_samples))
    rooms = np.clip(np.round(area / 35 + rng.normal(0, 0.7, n_samples)), 1, 8)
    age = np.round(rng.uniform(0, 100, n_samples))
    dist = np.round(np.exp(rng.uniform(np.log(0.5), np.log(30), n_samples)), 1)
    price = (0.5 + 0.02 * area + 0.1 * rooms - 0.006 * age) * (0.5 + np.exp(-dist / 8))
    price *= np.exp(rng.normal(0, noise, n_samples)) if noise else 1.0
    raw = np.stack([area, rooms, age, dist], axis=1)
    target = {"name": "price_100k_eur", "kind": "regression"}
    x, prep = _table(raw, _HOUSE_RANGES, scaled, target)
    return Dataset(
        x, price[:, None].astype(np.float32), "regression", None, prep["feature_names"],
        name="house_prices", description="house prices (100 000 EUR) from four features",
        preprocessing=prep,
    )
