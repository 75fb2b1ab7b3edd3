"""CSV reading: rows checked and converted chunk by chunk, with exact error locations.

:func:`read_fast` handles tables whose used columns are all numeric and unquoted: NumPy's C
parser reads chunks of lines straight into the final float32 array; a chunk it rejects (a
missing value, text, a ragged row) is re-read by :func:`convert_rows`, the general code that
every other table goes through (:func:`read_general`, Python's ``csv`` module), which names
the 1-based file line and the column of the first problem or drops bad rows.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from . import tabular
from .progress import Monitor

CHUNK_LINES = 20_000


@dataclass
class Plan:
    """Everything decided before the full read."""

    path: Path
    label: str  # the file name, for messages
    encoding: str
    delimiter: str
    decimal: str
    header: bool
    skip_lines: int  # lines before the first data line
    names: list[str]
    num_cols: list[int]
    cat_cols: list[int]
    feature_cols: list[int]
    target_cols: list[int]
    drop_invalid: bool
    max_categories: int
    cats: dict[int, dict[str, int]] = field(default_factory=dict)
    dropped_lines: list[int] = field(default_factory=list)
    dropped: int = 0

    def where(self, line: int, col: int | None = None) -> str:
        column = f", column '{self.names[col]}'" if col is not None else ""
        return f"{self.label}: line {line}{column}"


def convert_rows(
    rows: list[list[str]], lines: list[int], plan: Plan
) -> tuple[np.ndarray, np.ndarray]:
    """Check and convert parsed rows: numeric columns to float64 ``(n, len(num_cols))``,
    categorical columns to int32 codes ``(n, len(cat_cols))`` (codes in first-seen order of
    ``plan.cats``). Raises DataError at the first bad row, or drops bad rows."""
    ncols = len(plan.names)
    keep_rows, keep_lines = [], []
    for row, line in zip(rows, lines, strict=True):
        if not any(c.strip() for c in row):
            continue  # blank row
        if len(row) != ncols:
            if plan.drop_invalid:
                _drop(plan, line)
                continue
            raise DataError(
                f"{plan.where(line)} has {len(row)} field(s), but the "
                f"{'header' if plan.header else 'first row'} has {ncols}; check for a "
                f"missing or extra '{show_delimiter(plan.delimiter)}'"
            )
        keep_rows.append(row)
        keep_lines.append(line)
    n = len(keep_rows)
    num = np.empty((n, len(plan.num_cols)), dtype=np.float64)
    ok = np.ones(n, dtype=bool)
    for j, c in enumerate(plan.num_cols):
        values = [r[c] for r in keep_rows]
        if plan.decimal != ".":
            values = [v.replace(plan.decimal, ".") for v in values]
        try:
            col = np.array(values).astype(np.float64) if values else np.empty(0)
            bad = ~np.isfinite(col)
        except ValueError:  # some cell is not a number: find which, one by one
            parsed = [tabular.parse_number(v) for v in values]
            bad = np.array([p is None for p in parsed], dtype=bool)
            col = np.array([np.nan if p is None else p for p in parsed], dtype=np.float64)
        if bad.any():
            if not plan.drop_invalid:
                i = int(np.argmax(bad))
                cell = keep_rows[i][c]
                problem = "missing value" if tabular.is_missing(cell) else \
                    f"{cell.strip()!r} is not a number"
                raise DataError(
                    f"{plan.where(keep_lines[i], c)}: {problem}. Fix the file, or load with "
                    "drop_invalid=True to leave out such rows"
                    + (f", or categorical=[{plan.names[c]!r}] if the column holds categories"
                       if not tabular.is_missing(cell) else "")
                )
            ok &= ~bad
        num[:, j] = col
    codes = np.empty((n, len(plan.cat_cols)), dtype=np.int32)
    for j, c in enumerate(plan.cat_cols):
        mapping = plan.cats.setdefault(c, {})
        for i, r in enumerate(keep_rows):
            value = r[c].strip()
            if tabular.is_missing(value):
                if not plan.drop_invalid:
                    raise DataError(
                        f"{plan.where(keep_lines[i], c)}: missing value. Fix the file, or "
                        "load with drop_invalid=True to leave out such rows"
                    )
                ok[i] = False
                continue
            codes[i, j] = mapping.setdefault(value, len(mapping))
        if c in plan.feature_cols and len(mapping) > plan.max_categories:
            raise DataError(
                f"{plan.label}: column '{plan.names[c]}' has more than {plan.max_categories} "
                "different text values; it looks like an identifier or free text. Leave it "
                f"out with ignore=[{plan.names[c]!r}], or raise max_categories"
            )
    if not ok.all():
        for i in np.flatnonzero(~ok):
            _drop(plan, keep_lines[i])
        num, codes = num[ok], codes[ok]
    return num, codes


def _drop(plan: Plan, line: int) -> None:
    plan.dropped += 1
    if len(plan.dropped_lines) < 1000:
        plan.dropped_lines.append(line)


def show_delimiter(delimiter: str) -> str:
    return "\\t" if delimiter == "\t" else delimiter


def count_lines(path: Path, monitor: Monitor) -> int:
    n, last = 0, b"\n"
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            n += block.count(b"\n")
            last = block[-1:]
            monitor.check()
    return n + (last != b"\n")


def _as_slice(positions: list[int]) -> slice | list[int]:
    """A slice for consecutive positions: copying through it makes no temporary array."""
    if positions and positions == list(range(positions[0], positions[-1] + 1)):
        return slice(positions[0], positions[-1] + 1)
    return positions


def read_fast(plan: Plan, total_lines: int, monitor: Monitor) -> tuple[np.ndarray, np.ndarray]:
    """All-numeric, unquoted tables: NumPy's parser per chunk, straight into the output."""
    capacity = max(total_lines - plan.skip_lines, 0)
    feat_pos = _as_slice([plan.num_cols.index(c) for c in plan.feature_cols])
    targ_pos = _as_slice([plan.num_cols.index(c) for c in plan.target_cols])
    x = np.empty((capacity, len(plan.feature_cols)), dtype=np.float32)
    y = np.empty((capacity, len(plan.target_cols)), dtype=np.float64)
    delim = plan.delimiter.encode()
    fields = len(plan.names)
    usecols = None if len(plan.num_cols) == fields else plan.num_cols
    n = 0
    line_no = plan.skip_lines
    with open(plan.path, "rb") as f:
        for _ in range(plan.skip_lines):
            f.readline()
        first = True
        while True:
            lines = list(itertools.islice(f, CHUNK_LINES))
            if not lines:
                break
            if first and lines[0].startswith(codecs.BOM_UTF8):
                lines[0] = lines[0][len(codecs.BOM_UTF8) :]
            first = False
            start = line_no + 1
            line_no += len(lines)
            block = None
            # NumPy finds ragged rows itself unless usecols skips columns; then counting
            # delimiters does (quotes are not expected on this path)
            if usecols is None or b"".join(lines).count(delim) == (fields - 1) * (
                len(lines) - sum(1 for ln in lines if not ln.strip())
            ):
                try:
                    block = np.loadtxt(lines, delimiter=plan.delimiter, usecols=usecols,
                                       dtype=np.float64, comments=None, ndmin=2,
                                       encoding="latin-1")
                    if not np.isfinite(block).all():
                        block = None  # NaN or inf: let the general code name the line
                except ValueError:
                    block = None
            if block is None:
                text = [ln.decode(plan.encoding, errors="replace") for ln in lines]
                rows = list(csv.reader(text, delimiter=plan.delimiter))
                block, _ = convert_rows(rows, list(range(start, start + len(rows))), plan)
            m = len(block)
            if n + m > len(x):  # only if the line count was off (it is an upper bound)
                x = np.resize(x, (n + m, x.shape[1]))
                y = np.resize(y, (n + m, y.shape[1]))
            x[n : n + m] = block[:, feat_pos]
            y[n : n + m] = block[:, targ_pos]
            n += m
            monitor.update(line_no)
    return x[:n], y[:n]


def read_general(plan: Plan, monitor: Monitor) -> tuple[np.ndarray, np.ndarray]:
    """Any table: Python's csv module in chunks of rows. Returns numeric columns (float64),
    categorical codes (int32) and nothing else in memory but the chunks."""
    nums, codes = [], []
    with open(plan.path, encoding=plan.encoding, errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=plan.delimiter)
        for _ in range(plan.skip_lines):
            next(reader, None)
        line = reader.line_num
        while True:
            rows, lines = [], []
            for row in itertools.islice(reader, 20_000):
                rows.append(row)
                lines.append(line + 1)
                line = reader.line_num
            if not rows:
                break
            num, code = convert_rows(rows, lines, plan)
            nums.append(num)
            codes.append(code)
            monitor.update(line)
    if not nums:
        return (np.empty((0, len(plan.num_cols))), np.empty((0, len(plan.cat_cols)), np.int32))
    return np.concatenate(nums), np.concatenate(codes)
