"""The table preprocessing contract: how raw rows of values become a feature matrix.

A table's ``preprocessing`` dict (JSON-able) is::

    {"type": "table",
     "features": [{"name": "age", "kind": "numeric", "offset": 41.2, "scale": 12.5},
                  {"name": "colour", "kind": "categorical", "categories": ["blue", "red"]}],
     "feature_names": ["age", "colour=blue", "colour=red"],
     "target": {"name": "label", "kind": "classification", "classes": ["no", "yes"]},
     "decimal": ".", "file_columns": [...all columns of the file, in order...], ...}

A numeric feature becomes one column ``(float32(raw) − offset) / scale`` computed in float64
(``offset`` 0 and ``scale`` 1 when not standardised); a categorical feature becomes one 0/1
column per category (one-hot), in the stored category order. :func:`apply_table` applies this
to new rows — lists in file-column order or feature order, or dicts keyed by column name —
and gives exactly the ``x`` the loader produced for the same rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import DataError

# Values that mean "no value here" in real-world tables, compared lower-case and stripped.
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-", "--", "missing", "#n/a"})


def is_missing(text: str) -> bool:
    return text.strip().lower() in MISSING


def parse_number(text: Any, decimal: str = ".") -> float | None:
    """A finite float from a cell, or None when the cell is not a finite number."""
    if isinstance(text, bool):
        return float(text)
    if isinstance(text, int | float | np.number):
        value = float(text)
        return value if math.isfinite(value) else None
    s = str(text).strip()
    if decimal != ".":
        s = s.replace(decimal, ".")
    if not s:
        return None
    try:
        value = float(s)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def numeric_feature(name: str, offset: float = 0.0, scale: float = 1.0) -> dict[str, Any]:
    return {"name": name, "kind": "numeric", "offset": float(offset), "scale": float(scale)}


def categorical_feature(name: str, categories: Sequence[str]) -> dict[str, Any]:
    return {"name": name, "kind": "categorical", "categories": [str(c) for c in categories]}


def feature_names(features: Sequence[dict[str, Any]]) -> list[str]:
    """The names of the x columns: numeric features keep their name, each category of a
    categorical feature becomes ``"name=category"``."""
    names: list[str] = []
    for f in features:
        if f["kind"] == "numeric":
            names.append(f["name"])
        else:
            names += [f"{f['name']}={c}" for c in f["categories"]]
    return names


def scale_columns(x: np.ndarray, features: Sequence[dict[str, Any]]) -> None:
    """Apply each numeric feature's offset and scale to its column of ``x`` in place
    (float64 arithmetic, block by block so no full-size float64 copy is made)."""
    offsets, scales, cols = [], [], []
    col = 0
    for f in features:
        if f["kind"] == "numeric":
            if f["offset"] != 0.0 or f["scale"] != 1.0:
                cols.append(col)
                offsets.append(f["offset"])
                scales.append(f["scale"])
            col += 1
        else:
            col += len(f["categories"])
    if not cols:
        return
    idx = np.array(cols)
    off, sc = np.array(offsets), np.array(scales)
    contiguous = np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx)))
    for i in range(0, len(x), 65536):
        if contiguous:  # a slice keeps the update in place without fancy-index copies
            block = x[i : i + 65536, idx[0] : idx[0] + len(idx)]
            block[...] = (block.astype(np.float64) - off) / sc
        else:
            block = x[i : i + 65536][:, idx]
            x[i : i + 65536, idx] = (block.astype(np.float64) - off) / sc


def standardise(x: np.ndarray, features: list[dict[str, Any]]) -> None:
    """Set offset = mean and scale = standard deviation (1 for a constant column) of every
    numeric feature from ``x``'s unscaled columns, then scale ``x`` in place."""
    col = 0
    for f in features:
        if f["kind"] != "numeric":
            col += len(f["categories"])
            continue
        column = x[:, col]
        mean = float(column.mean(dtype=np.float64)) if len(x) else 0.0
        var = 0.0
        for i in range(0, len(x), 1 << 20):
            d = column[i : i + (1 << 20)].astype(np.float64) - mean
            var += float(d @ d)
        std = math.sqrt(var / len(x)) if len(x) else 0.0
        f["offset"], f["scale"] = mean, (std if std > 0 else 1.0)
        col += 1
    scale_columns(x, features)


def _row_values(row: Any, prep: dict[str, Any], r: int) -> list[Any]:
    """The raw values of the feature columns of one row, in feature order."""
    features = prep["features"]
    if isinstance(row, Mapping):
        missing = [f["name"] for f in features if f["name"] not in row]
        if missing:
            raise DataError(f"row {r + 1}: no value for column(s) {', '.join(missing)}")
        return [row[f["name"]] for f in features]
    if isinstance(row, str) or not isinstance(row, Sequence | np.ndarray):
        raise DataError(f"row {r + 1}: expected a list of values or a dict by column name")
    values = list(row)
    file_columns = prep.get("file_columns")
    if len(values) == len(features):
        return values
    if file_columns and len(values) == len(file_columns):
        positions = {name: i for i, name in enumerate(file_columns)}
        return [values[positions[f["name"]]] for f in features]
    expected = f"{len(features)} (the features)"
    if file_columns:
        expected += f" or {len(file_columns)} (every column of the file)"
    raise DataError(f"row {r + 1} has {len(values)} values; expected {expected}")


def apply_table(rows: Any, prep: dict[str, Any]) -> np.ndarray:
    """Turn raw rows into features exactly as the loader did.

    Parameters
    ----------
    rows : sequence of rows, or a 2-D array
        Each row a list of cells (text or numbers) in file-column order or in feature order,
        or a dict from column name to cell.
    prep : dict
        A ``"table"`` preprocessing dict (see the module docstring).

    Returns
    -------
    x : ndarray, float32, shape (len(rows), len(prep["feature_names"]))
    """
    if prep.get("type") != "table":
        raise DataError("these rows need a table preprocessing description")
    features = prep["features"]
    decimal = prep.get("decimal", ".")
    rows = list(rows)
    names = feature_names(features)
    x = np.zeros((len(rows), len(names)), dtype=np.float32)
    for r, row in enumerate(rows):
        values = _row_values(row, prep, r)
        col = 0
        for f, value in zip(features, values, strict=True):
            if f["kind"] == "numeric":
                number = parse_number(value, decimal)
                if number is None:
                    raise DataError(
                        f"row {r + 1}, column '{f['name']}': {value!r} is not a number"
                    )
                x[r, col] = number  # float32 first, as the loader stores raw values
                col += 1
            else:
                text = str(value).strip()
                try:
                    k = f["categories"].index(text)
                except ValueError:
                    known = ", ".join(f["categories"][:10])
                    raise DataError(
                        f"row {r + 1}, column '{f['name']}': unknown category {text!r} "
                        f"(known: {known})"
                    ) from None
                x[r, col + k] = 1.0
                col += len(f["categories"])
    scale_columns(x, features)
    return x
