"""CSV detection: encoding, delimiter, decimal mark, header, column names and types.

Each function looks at a sample of the file (its first ~1 MB, whole lines) and returns its
best guess; :func:`engine.data.csv.load_csv` lets the caller override every guess.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path
from typing import Any

from ..errors import DataError
from . import tabular

DELIMITERS = (",", ";", "\t", "|")
TARGET_NAMES = ("label", "target", "class")
SAMPLE_BYTES = 1 << 20
_COMMA_NUMBER = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_DOT_NUMBER = re.compile(r"^\s*[-+]?\d*\.\d+\s*$")


def decode_sample(raw: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(f"cannot read the file as {encoding}: {exc}") from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def read_sample(path: Path, encoding: str | None) -> tuple[list[str], str, bool]:
    """The first lines of the file (whole lines only), the encoding, and whether the sample
    is the whole file."""
    with open(path, "rb") as f:
        raw = f.read(SAMPLE_BYTES)
        complete = not f.read(1)
    if not complete:
        cut = raw.rfind(b"\n")
        raw = raw[: cut + 1] if cut >= 0 else raw
    text, enc = decode_sample(raw, encoding)
    return text.splitlines(keepends=True), enc, complete


def split_lines(lines: list[str], delimiter: str) -> list[list[str]]:
    return list(csv.reader(lines, delimiter=delimiter))


def detect_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first non-blank lines into the most equal number of
    fields (more than one); a comma when none does."""
    sample = [ln for ln in lines if ln.strip()][:50]
    best, best_score = ",", (0.0, 0)
    for d in DELIMITERS:
        counts = [len(r) for r in split_lines(sample, d)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = d, score
    return best


def detect_decimal(rows: list[list[str]], delimiter: str) -> str:
    if delimiter == ",":
        return "."
    cells = [c for r in rows[:500] for c in r]
    commas = sum(1 for c in cells if _COMMA_NUMBER.match(c))
    dots = sum(1 for c in cells if _DOT_NUMBER.match(c))
    return "," if commas and not dots else "."


def _is_number(text: str, decimal: str) -> bool:
    """Looks like a number, finite or not ("inf" is a bad number, not a category)."""
    try:
        float(text.strip().replace(decimal, ".") if decimal != "." else text)
    except ValueError:
        return False
    return True


def detect_header(rows: list[list[str]], decimal: str = ".") -> bool:
    """A first row is a header when none of its cells is a number, or when a cell is text
    while the rest of its column is mostly numbers."""
    first, rest = rows[0], rows[1:200]
    if not any(_is_number(c, decimal) for c in first):
        return True
    for i, cell in enumerate(first):
        if _is_number(cell, decimal) or tabular.is_missing(cell):
            continue
        column = [r[i] for r in rest if i < len(r) and not tabular.is_missing(r[i])]
        if column and sum(_is_number(c, decimal) for c in column) > 0.5 * len(column):
            return True
    return False


def column_names(first: list[str], header: bool) -> list[str]:
    if not header:
        return [f"column {i + 1}" for i in range(len(first))]
    names: list[str] = []
    for i, raw in enumerate(first):
        name = raw.strip() or f"column {i + 1}"
        base, k = name, 2
        while name in names:
            name, k = f"{base} ({k})", k + 1
        names.append(name)
    return names


def resolve_column(spec: Any, names: list[str], what: str, label: str) -> int:
    if isinstance(spec, int) and not isinstance(spec, bool):
        if -len(names) <= spec < len(names):
            return spec % len(names)
        raise DataError(f"{label}: there is no column {spec} for the {what} (the file has "
                        f"{len(names)} columns, numbered from 0)")
    if isinstance(spec, str):
        if spec in names:
            return names.index(spec)
        folded = [i for i, n in enumerate(names) if n.casefold() == spec.strip().casefold()]
        if len(folded) == 1:
            return folded[0]
    listed = ", ".join(repr(n) for n in names[:30])
    raise DataError(f"{label}: no column named {spec!r} for the {what} (columns: {listed})")


def default_target(names: list[str]) -> int:
    for wanted in TARGET_NAMES:
        for i, n in enumerate(names):
            if n.casefold() == wanted:
                return i
    return len(names) - 1


def column_is_numeric(values: list[str], decimal: str) -> bool:
    present = [v for v in values if not tabular.is_missing(v)]
    if not present:
        return True  # every sampled value missing: reading it will say so, line by line
    return sum(_is_number(v, decimal) for v in present) > 0.5 * len(present)
