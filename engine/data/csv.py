"""Load a CSV table as a :class:`Dataset`: detection, validation, encoding, standardisation.

What :func:`load_csv` decides, from the first ~1 MB of the file unless told otherwise:

* encoding (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252), delimiter
  (comma, semicolon, tab or bar: the one that splits the lines into the most equal number of
  fields), decimal comma (for ``;``/tab files whose numbers look like ``1,5``), and whether
  the first row is a header (it is when it holds no number, or text above numbers);
* the target: a column named label/target/class (any case), else the last; ``target=`` picks
  another by name or 0-based index, or several names for multi-output regression;
* column types: a column is numeric when most of its non-missing values in the sample are
  numbers, else categorical (one 0/1 feature per distinct value, sorted); ``categorical=``
  forces columns to categorical, ``ignore=`` leaves columns out;
* the kind: classification when the target is text, or whole numbers with at most 20
  distinct values (and at most one per five rows); else regression (``kind=`` forces it).
  Class names are the distinct target values, sorted (numerically for numbers), as text.

Every problem is a :class:`~engine.errors.DataError` naming the file, the 1-based file line
and the column: a missing value (empty, NA, NaN, ?…) or text in a numeric column, a row with
the wrong number of fields. With ``drop_invalid=True`` such rows are dropped instead and
counted in ``dataset.report``. Blank rows are skipped.

Speed and memory: a table whose used columns are all numeric and unquoted is parsed in
chunks of lines with NumPy's C parser straight into the final float32 array (one copy of the
data plus a chunk); other tables go through Python's ``csv`` module in chunks. A chunk the
fast parser rejects is re-read by the general code, which finds the exact line and column.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from . import tabular
from .csvparse import Plan, count_lines, read_fast, read_general, show_delimiter
from .csvsniff import (
    column_is_numeric,
    column_names,
    default_target,
    detect_decimal,
    detect_delimiter,
    detect_header,
    read_sample,
    resolve_column,
    split_lines,
)
from .dataset import Dataset, LoadReport
from .progress import CancelFlag, Monitor, ProgressCallback

MAX_CLASSES_FROM_NUMBERS = 20


def load_csv(
    path: str | Path,
    *,
    target: str | int | list[str] | None = None,
    delimiter: str | None = None,
    header: bool | None = None,
    decimal: str | None = None,
    kind: str | None = None,
    standardize: bool = False,
    drop_invalid: bool = False,
    categorical: list[str] | tuple[str, ...] = (),
    ignore: list[str] | tuple[str, ...] = (),
    max_categories: int = 50,
    encoding: str | None = None,
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag = None,
    name: str | None = None,
) -> Dataset:
    """Load a CSV file; see the module docstring for what is detected and checked.

    Parameters
    ----------
    target : column name, 0-based index, list of names, or None
        The column to predict (a list: several regression targets). None: label, target or
        class if there is such a column, else the last.
    delimiter, header, decimal, encoding : optional
        Override the detection.
    kind : "classification", "regression" or None (decide from the target).
    standardize : bool
        Scale every numeric feature to mean 0 and standard deviation 1 (over the whole
        file); the means and scales are stored in ``preprocessing``.
    drop_invalid : bool
        Drop rows with missing or malformed values instead of refusing the file.
    categorical, ignore : column names
        Columns to one-hot encode even if they hold numbers; columns to leave out.
    progress, cancelled : see :mod:`engine.data.progress`.

    Returns
    -------
    Dataset with ``x`` float32 (N, F) and a ``"table"`` preprocessing dict.
    """
    path = Path(path)
    label = path.name
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DataError(f"{label} is empty")
    if kind not in (None, "classification", "regression"):
        raise DataError(f"kind must be 'classification', 'regression' or None, got {kind!r}")
    if delimiter is not None and (len(delimiter) != 1 or delimiter in "\"\r\n"):
        raise DataError(f"the delimiter must be one character, got {delimiter!r}")
    if decimal not in (None, ".", ","):
        raise DataError(f"the decimal mark must be '.' or ',', got {decimal!r}")
    monitor = Monitor(label, 1, progress, cancelled)
    monitor.check()
    plan, numeric, quoted = _plan(
        path, target, delimiter, header, decimal, kind, drop_invalid, categorical, ignore,
        max_categories, encoding,
    )
    total = count_lines(path, monitor)
    monitor.update(0, total)
    fast = (not plan.cat_cols and plan.decimal == "." and not quoted
            and codecs.lookup(plan.encoding).name in ("utf-8", "utf-8-sig", "cp1252",
                                                      "iso8859-1"))
    if fast:
        x_num, y_num = read_fast(plan, total, monitor)
        codes = np.empty((len(x_num), 0), dtype=np.int32)
    else:
        num, codes = read_general(plan, monitor)
        feat_pos = [plan.num_cols.index(c) for c in plan.feature_cols if c in numeric]
        targ_pos = [plan.num_cols.index(c) for c in plan.target_cols if c in numeric]
        x_num = num[:, feat_pos].astype(np.float32)
        y_num = num[:, targ_pos]
        del num
    n = len(x_num)
    if n == 0:
        raise DataError(f"{label}: no valid data rows"
                        + (f" ({plan.dropped} dropped)" if plan.dropped else ""))
    ds = _assemble(plan, x_num, y_num, codes, numeric, kind, standardize)
    monitor.finish()
    names = plan.names
    report = LoadReport(dropped=plan.dropped, dropped_lines=sorted(plan.dropped_lines))
    report.notes.append(
        f"read {n} rows × {len(names)} columns; delimiter '{show_delimiter(plan.delimiter)}'"
        + (", decimal comma" if plan.decimal == "," else "")
        + ("; first row is the header" if plan.header else "; no header row")
    )
    if plan.dropped:
        report.notes.append(f"dropped {plan.dropped} row(s) with missing or invalid values")
    ds.report = report
    ds.name = name or path.stem
    targets = [names[i] for i in plan.target_cols]
    ds.source = {
        "type": "csv", "path": str(path.resolve()),
        "options": {
            "target": targets if len(targets) > 1 else targets[0],
            "delimiter": plan.delimiter, "header": plan.header, "decimal": plan.decimal,
            "kind": ds.kind, "standardize": bool(standardize),
            "drop_invalid": bool(drop_invalid),
            "categorical": sorted(names[resolve_column(c, names, "", label)]
                                  for c in categorical),
            "ignore": sorted(names[resolve_column(c, names, "", label)] for c in ignore),
            "max_categories": max_categories, "encoding": plan.encoding,
        },
    }
    return ds


def _plan(
    path: Path, target: Any, delimiter: str | None, header: bool | None,
    decimal: str | None, kind: str | None, drop_invalid: bool, categorical: Any, ignore: Any,
    max_categories: int, encoding: str | None,
) -> tuple[Plan, set[int], bool]:
    """Detect the format from a sample, resolve the columns, decide their types. Returns
    the plan, the numeric columns, and whether the sample has quotes."""
    label = path.name
    lines, enc, _ = read_sample(path, encoding)
    skip = 0
    while skip < len(lines) and not lines[skip].strip():
        skip += 1
    if skip == len(lines):
        raise DataError(f"{label} has no rows (only blank lines)")
    lines = lines[skip:]
    delim = delimiter or detect_delimiter(lines)
    sample = [r for r in split_lines(lines[:2000], delim) if any(c.strip() for c in r)]
    dec = decimal or detect_decimal(sample[1:], delim)
    has_header = detect_header(sample, dec) if header is None else bool(header)
    names = column_names(sample[0], has_header)
    if len(names) < 2:
        raise DataError(
            f"{label}: found a single column; a table needs at least one feature and a "
            "target (is the delimiter one of , ; tab |? pass delimiter= otherwise)"
        )
    data_rows = sample[1:] if has_header else sample
    if not data_rows:
        raise DataError(f"{label} has a header but no data rows")

    if isinstance(target, list | tuple):
        target_cols = [resolve_column(t, names, "target", label) for t in target]
        if not target_cols:
            raise DataError("choose at least one target column")
    else:
        target_cols = [resolve_column(target, names, "target", label) if target is not None
                       else default_target(names)]
    ignored = {resolve_column(c, names, "columns to ignore", label) for c in ignore}
    forced_cat = {resolve_column(c, names, "categorical columns", label) for c in categorical}
    if ignored & set(target_cols):
        raise DataError(f"{label}: the target column cannot also be ignored")
    feature_cols = [i for i in range(len(names)) if i not in ignored and i not in target_cols]
    if not feature_cols:
        raise DataError(f"{label}: no feature columns are left besides the target")
    sample_cols = {i: [r[i] for r in data_rows if len(r) == len(names)]
                   for i in (*feature_cols, *target_cols)}
    numeric = {i for i, v in sample_cols.items()
               if i not in forced_cat and column_is_numeric(v, dec)}
    if len(target_cols) > 1 and kind == "classification":
        raise DataError("several target columns are only possible for regression")
    if len(target_cols) > 1 or kind == "regression":
        text_targets = [names[i] for i in target_cols if i not in numeric]
        if text_targets:
            raise DataError(f"{label}: regression needs numbers, but the target column "
                            f"'{text_targets[0]}' holds text")
    used = sorted((*feature_cols, *target_cols))
    plan = Plan(
        path, label, enc, delim, dec, has_header, skip + (1 if has_header else 0), names,
        [i for i in used if i in numeric], [i for i in used if i not in numeric],
        feature_cols, target_cols, drop_invalid, max_categories,
    )
    return plan, numeric, any('"' in ln for ln in lines)


def _class_name(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _assemble(
    plan: Plan, x_num: np.ndarray, y_num: np.ndarray, codes: np.ndarray, numeric: set[int],
    kind: str | None, standardize: bool,
) -> Dataset:
    """Features (numeric columns and one-hot categories, in file order) and targets."""
    n = len(x_num)
    names = plan.names
    sorted_cats: dict[int, list[str]] = {}
    remaps: dict[int, np.ndarray] = {}
    for c in plan.cat_cols:
        mapping = plan.cats.get(c, {})
        ordered = sorted(mapping)
        sorted_cats[c] = ordered
        remap = np.empty(len(mapping), dtype=np.int64)
        for new, value in enumerate(ordered):
            remap[mapping[value]] = new
        remaps[c] = remap

    features = []
    for c in plan.feature_cols:
        if c in numeric:
            features.append(tabular.numeric_feature(names[c]))
        else:
            features.append(tabular.categorical_feature(names[c], sorted_cats[c]))
    if plan.cat_cols and any(c not in numeric for c in plan.feature_cols):
        x = np.zeros((n, len(tabular.feature_names(features))), dtype=np.float32)
        col = num_j = 0
        for c, f in zip(plan.feature_cols, features, strict=True):
            if f["kind"] == "numeric":
                x[:, col] = x_num[:, num_j]
                num_j += 1
                col += 1
            else:
                k = remaps[c][codes[:, plan.cat_cols.index(c)]]
                x[np.arange(n), col + k] = 1.0
                col += len(f["categories"])
    else:
        x = x_num
    if standardize:
        tabular.standardise(x, features)

    tcol = plan.target_cols[0]
    if len(plan.target_cols) > 1 or kind == "regression":
        y: np.ndarray = y_num.astype(np.float32)
        resolved, class_names = "regression", None
    elif tcol not in numeric:
        y = remaps[tcol][codes[:, plan.cat_cols.index(tcol)]]
        class_names = sorted_cats[tcol]
        resolved = "classification"
    else:
        values = y_num[:, 0]
        distinct = np.unique(values)
        whole = bool(np.all(values == np.round(values)))
        few = len(distinct) <= min(MAX_CLASSES_FROM_NUMBERS, max(2, n // 5))
        if kind == "classification" or (kind is None and whole and few):
            y = np.searchsorted(distinct, values).astype(np.int64)
            class_names = [_class_name(v) for v in distinct]
            resolved = "classification"
        else:
            y = y_num.astype(np.float32)
            class_names, resolved = None, "regression"
    if resolved == "classification":
        if len(class_names) < 2:
            raise DataError(
                f"{plan.label}: the target column '{names[tcol]}' has a single value "
                f"({class_names[0]!r}); a classifier needs at least two classes"
            )
        target_info: dict[str, Any] = {"name": names[tcol], "kind": "classification",
                                       "classes": class_names}
    else:
        tnames = [names[c] for c in plan.target_cols]
        target_info = {"name": tnames if len(tnames) > 1 else tnames[0], "kind": "regression"}
    prep = {
        "type": "table", "features": features,
        "feature_names": tabular.feature_names(features), "target": target_info,
        "decimal": plan.decimal, "delimiter": plan.delimiter, "header": plan.header,
        "file_columns": list(names),
    }
    return Dataset(x, y, resolved, class_names, prep["feature_names"], preprocessing=prep)


def read_rows(
    path: str | Path, preprocessing: dict[str, Any], header: bool | None = None
) -> list[list[str]] | list[dict[str, str]]:
    """The raw rows of a new CSV file, split like the file ``preprocessing`` describes, for
    :func:`engine.data.apply_preprocessing`: dicts by column name when the file has a header
    (so the target column may be missing or the columns reordered), else lists of cells.
    ``header`` None: as the original file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    _, enc, _ = read_sample(path, None)
    with open(path, encoding=enc, errors="replace", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter=preprocessing.get("delimiter", ","))
                if any(c.strip() for c in r)]
    if header is None:
        header = bool(preprocessing.get("header", True))
    if not header or not rows:
        return rows
    names = [c.strip() for c in rows[0]]
    return [dict(zip(names, r, strict=False)) for r in rows[1:]]

