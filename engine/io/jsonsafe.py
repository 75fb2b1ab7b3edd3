"""Strict JSON for files: written without NaN, read with limits.

:func:`clean` turns a value into plain JSON types (dict with text keys, list, str, int, finite
float, bool, None), accepting tuples and NumPy scalars, and names the exact place of anything
else (``"layout.positions['dense_1'][0]: NaN is not allowed"``). :func:`loads` refuses
non-UTF-8 text, ``NaN``/``Infinity``, duplicate keys and nesting deeper than ``max_depth``; errors
are :class:`~engine.io.errors.ProjectError` prefixed with ``where``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from .errors import ProjectError


def clean(value: Any, where: str, nonfinite_to_none: bool = False) -> Any:
    """A JSON-able copy of ``value``; ``where`` names it in errors (``"layout"``)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        if nonfinite_to_none:
            return None
        raise ProjectError(f"{where}: {value!r} is not allowed (only finite numbers)")
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ProjectError(f"{where}: key {k!r} is not text")
            out[k] = clean(v, f"{where}[{k!r}]", nonfinite_to_none)
        return out
    if isinstance(value, list | tuple):
        return [clean(v, f"{where}[{i}]", nonfinite_to_none) for i, v in enumerate(value)]
    raise ProjectError(f"{where}: a {type(value).__name__} cannot be stored (JSON values only)")


def dumps(value: Any) -> bytes:
    """UTF-8 JSON of a value already passed through :func:`clean`."""
    return json.dumps(value, indent=1, ensure_ascii=False, allow_nan=False).encode("utf-8")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"the key {k!r} appears twice in one object")
        out[k] = v
    return out


def loads(data: bytes, where: str, max_depth: int = 64) -> Any:
    """Parse UTF-8 JSON bytes; ``where`` is a prefix such as ``"project.json: "``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{where}not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        value = json.loads(
            text, parse_constant=_no_constants, object_pairs_hook=_no_duplicates
        )
    except RecursionError:
        raise ProjectError(f"{where}nested too deeply (limit {max_depth})") from None
    except ValueError as exc:  # JSONDecodeError, NaN, duplicates, over-long integers
        raise ProjectError(f"{where}not valid JSON: {exc}") from None
    # The parser recurses up to Python's limit; the data's own limit is much lower.
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise ProjectError(f"{where}nested too deeply (limit {max_depth})")
        children = item.values() if isinstance(item, dict) else item
        stack.extend((v, depth + 1) for v in children if isinstance(v, dict | list))
    return value
