"""What the command line prints: one JSON object, aligned tables, warnings, a progress bar.

Results go to stdout (exactly one JSON object with ``--json``); warnings, notes and the
progress bar go to stderr, so ``nndesigner train ... --json | jq`` always sees clean JSON.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np


def clean(value: Any) -> Any:
    """``value`` with NumPy scalars and arrays as Python values and NaN/∞ as None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit_json(obj: dict[str, Any]) -> None:
    """Print ``obj`` as one JSON object on one line (ASCII-safe on any terminal)."""
    sys.stdout.write(json.dumps(clean(obj), allow_nan=False) + "\n")


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def warn(message: str) -> None:
    sys.stderr.write(f"nndesigner: warning: {message}\n")


def note(message: str) -> None:
    sys.stderr.write(f"nndesigner: {message}\n")


def fmt_number(value: Any, digits: int = 4) -> str:
    """A metric for a table: ``-`` when missing, else a short fixed or exponent form."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int | np.integer):
        return str(value)
    value = float(value)
    if value != 0 and (abs(value) < 10 ** -digits or abs(value) >= 10**7):
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell; columns whose index is in ``right`` are
    right-aligned (numbers)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def fmt_seconds(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class ProgressBar:
    """A one-line bar on stderr — epoch, loss, ETA — redrawn at most ten times a second.

    Only drawn when stderr is a terminal: logs and pipes never see carriage returns."""

    WIDTH = 24

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.start = time.perf_counter()
        self._last = 0.0
        self._shown = False

    def update(self, epoch: int, epochs: int, batch: int, batches: int, loss: float,
               force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        done = ((epoch - 1) * max(batches, 1) + batch) / max(epochs * max(batches, 1), 1)
        done = min(max(done, 0.0), 1.0)
        filled = round(done * self.WIDTH)
        elapsed = now - self.start
        eta = elapsed / done * (1 - done) if done > 0 else float("nan")
        eta_text = fmt_seconds(eta) if math.isfinite(eta) else "?"
        text = (f"\repoch {epoch}/{epochs} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                f"loss {fmt_number(loss)}  ETA {eta_text} ")
        sys.stderr.write(text)
        sys.stderr.flush()
        self._shown = True

    def clear(self) -> None:
        """Wipe the bar so a line printed on stdout does not land in its middle; the next
        update draws it again."""
        if self._shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self._shown = False
            self._last = 0.0

    def close(self) -> None:
        """End the bar's line so that what follows starts on a fresh one."""
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._shown = False
