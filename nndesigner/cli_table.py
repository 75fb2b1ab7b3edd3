"""CSV files through a project's table preprocessing, so new files are read as training read.

A project trained on a CSV file stores the loader's ``"table"`` preprocessing: the feature
columns by name, their standardisation, the one-hot categories, the target and its classes.
:func:`table_dataset` applies it to another file (columns may come in another order);
:func:`plain_table` makes a plain one (numbers as they are) for a project that has none.
Problems name the file, its line and the column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from engine import DataError
from engine.data import Dataset
from engine.data.csv import read_rows
from engine.data.csvsniff import (
    column_names,
    default_target,
    detect_delimiter,
    detect_header,
    read_sample,
    split_lines,
)
from engine.data.tabular import apply_table, feature_names, numeric_feature, parse_number


def table_dataset(
    path: Path, prep: dict[str, Any], target: Any = None, class_names: list[str] | None = None
) -> Dataset:
    """A CSV file as a Dataset, its features made by ``prep`` (a trained project's) and its
    target read from the column ``target`` (default: the one trained on)."""
    info = prep.get("target") or {}
    target = target if target is not None else info.get("name")
    if target is None:
        raise DataError(f"{path.name}: the project does not say which column is the target; "
                        "use --target NAME")
    rows = read_rows(path, prep)
    if not rows:
        raise DataError(f"{path.name} has no data rows")
    x = apply_table_file(path, rows, prep)
    targets = target if isinstance(target, list) else [target]
    cells = [_target_cells(path, rows, prep, t) for t in targets]
    kind = info.get("kind", "classification" if class_names else "regression")
    source = {"type": "csv", "path": str(path.resolve()),
              "options": {"target": target, "standardize": True}}
    if kind == "classification":
        names = list(class_names or info.get("classes") or [])
        y = _class_indices(path, cells[0], names, targets[0], prep)
        return Dataset(x, y, "classification", names, preprocessing=prep, source=source,
                       name=path.stem)
    y = np.empty((len(rows), len(targets)), dtype=np.float32)
    for j, (name, column) in enumerate(zip(targets, cells, strict=True)):
        for i, cell in enumerate(column):
            value = parse_number(cell, prep.get("decimal", "."))
            if value is None:
                raise DataError(f"{path.name}: {_row(i, prep)}, column '{name}': {cell!r} is "
                                "not a number")
            y[i, j] = value
    return Dataset(x, y, "regression", preprocessing=prep, source=source, name=path.stem)


def _row(i: int, prep: dict[str, Any]) -> str:
    """A data row as the user counts it: the file line (1-based, after the header)."""
    return f"line {i + 2}" if prep.get("header", True) else f"line {i + 1}"


def apply_table_file(path: Path, rows: list[Any], prep: dict[str, Any]) -> np.ndarray:
    """:func:`apply_table` on a file's rows; errors name the file and its line."""
    try:
        return apply_table(rows, prep)
    except DataError as exc:
        text = str(exc)
        found = re.match(r"row (\d+)", text)
        if found:  # the engine counts data rows; the user sees file lines
            text = _row(int(found.group(1)) - 1, prep) + text[found.end():]
        raise DataError(f"{path.name}: {text}") from None


def _target_cells(path: Path, rows: list[Any], prep: dict[str, Any], target: str) -> list[str]:
    if isinstance(rows[0], dict):
        if target not in rows[0]:
            raise DataError(f"{path.name} has no column '{target}' (the target); name another "
                            "with --target")
        return [str(r.get(target, "")) for r in rows]
    columns = prep.get("file_columns") or []
    if target not in columns:
        raise DataError(f"{path.name}: no column '{target}' (the target)")
    j = columns.index(target)
    cells = []
    for i, r in enumerate(rows):
        if len(r) <= j:
            raise DataError(f"{path.name}: {_row(i, prep)} has no value for '{target}'")
        cells.append(str(r[j]))
    return cells


def _class_indices(path: Path, cells: list[str], names: list[str], column: str,
                   prep: dict[str, Any]) -> np.ndarray:
    index = {n: k for k, n in enumerate(names)}
    y = np.empty(len(cells), dtype=np.int64)
    for i, cell in enumerate(cells):
        text = cell.strip()
        k = index.get(text)
        if k is None:
            number = parse_number(text)  # "1.0" is class "1", as the loader names it
            if number is not None:
                k = index.get(str(int(number)) if number.is_integer() else f"{number:g}")
        if k is None:
            raise DataError(f"{path.name}: {_row(i, prep)}, column '{column}': unknown class "
                            f"{text!r} (the project's classes: {', '.join(names)})")
        y[i] = k
    return y


def plain_table(path: Path, n_features: int, target: str | None) -> dict[str, Any]:
    """A table preprocessing for a CSV file of plain numbers, for a project that has none:
    every column is a feature, except the target column when there is one more column than
    the network takes."""
    lines, _, _ = read_sample(path, None)
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        raise DataError(f"{path.name} is empty")
    delimiter = detect_delimiter(lines)
    rows = split_lines(lines[:200], delimiter)
    header = detect_header(rows)
    names = column_names(rows[0], header)
    if len(names) == n_features + 1:
        drop = names.index(target) if target in names else default_target(names)
        used = [n for i, n in enumerate(names) if i != drop]
    elif len(names) == n_features:
        used = names
    else:
        raise DataError(f"{path.name} has {len(names)} columns; the network takes "
                        f"{n_features} features (plus an optional target column)")
    features = [numeric_feature(n) for n in used]
    return {"type": "table", "features": features, "feature_names": feature_names(features),
            "decimal": ".", "delimiter": delimiter, "header": header, "file_columns": names}
