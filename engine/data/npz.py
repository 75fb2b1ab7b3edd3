"""Load NumPy ``.npz`` archives with arrays ``x`` and ``y`` as a :class:`Dataset`.

* ``x``: (N, F) features; (N, H, W) one-channel images; (N, C, H, W) images, or (N, H, W, C)
  with C of 1, 3 or 4 when the second axis is clearly not channels. Integer images
  (uint8/uint16) are scaled to [0, 1]; that scale is recorded in ``preprocessing``.
* ``y``: whole numbers (or bools) give classification with class names "0" … "K-1", or the
  names in an optional ``class_names`` array; floats give regression ((N,) or (N, M)).
  ``kind=`` forces either.
* Optional ``feature_names`` (a string array) names the columns of ``x``.

Archives are opened with ``allow_pickle=False``: object arrays are refused, never unpickled.
NaN or infinity in ``x`` or ``y`` and mismatched lengths are DataErrors that name the sample.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from .dataset import Dataset
from .progress import CancelFlag, Monitor, ProgressCallback


def _read(archive: Any, key: str, label: str) -> np.ndarray:
    try:
        return archive[key]
    except ValueError as exc:  # object arrays need pickle, which stays off
        raise DataError(f"{label}: array '{key}' holds Python objects, which are not loaded "
                        f"for safety ({exc}); save numbers or text instead") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{label}: array '{key}' cannot be read ({exc})") from None


def _layout(x: np.ndarray, label: str) -> tuple[np.ndarray, str]:
    """(N, F) or (N, C, H, W), and how it was laid out in the file."""
    if x.ndim == 2:
        return x, "NF"
    if x.ndim == 3:
        return x[:, None], "NHW"
    if x.ndim == 4:
        if x.shape[1] not in (1, 3, 4) and x.shape[3] in (1, 3, 4):
            return x.transpose(0, 3, 1, 2), "NHWC"
        return x, "NCHW"
    raise DataError(f"{label}: x must be N×F, N×H×W or N×C×H×W, got shape {x.shape}")


def load_npz(
    path: str | Path,
    *,
    kind: str | None = None,
    x_key: str = "x",
    y_key: str = "y",
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag = None,
    name: str | None = None,
) -> Dataset:
    """Load an ``.npz`` archive; see the module docstring."""
    path = Path(path)
    label = path.name
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if kind not in (None, "classification", "regression"):
        raise DataError(f"kind must be 'classification', 'regression' or None, got {kind!r}")
    monitor = Monitor(label, 3, progress, cancelled)
    monitor.check()
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{label} is not a NumPy .npz archive ({exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(f"{label} holds a single array, not an .npz archive with x and y")
    with archive:
        keys = list(archive.files)
        missing = [k for k in (x_key, y_key) if k not in keys]
        if missing:
            raise DataError(
                f"{label} has no array named {' or '.join(repr(m) for m in missing)} "
                f"(it has: {', '.join(keys) or 'nothing'}); save it with "
                f"np.savez(path, {x_key}=inputs, {y_key}=targets)"
            )
        x = _read(archive, x_key, label)
        monitor.update(1)
        y = _read(archive, y_key, label)
        monitor.update(2)
        class_names = (
            [str(c) for c in _read(archive, "class_names", label).tolist()]
            if "class_names" in keys else None
        )
        feature_names = (
            [str(c) for c in _read(archive, "feature_names", label).tolist()]
            if "feature_names" in keys else None
        )
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise DataError(f"{label}: x must hold numbers, it holds {x.dtype}")
    if len(x) != len(y):
        raise DataError(f"{label}: x has {len(x)} samples but y has {len(y)}: they must match")
    x, layout = _layout(x, label)
    scale = 1.0
    if x.ndim == 4 and np.issubdtype(x.dtype, np.integer):
        scale = 1.0 / float(np.iinfo(x.dtype).max)  # 0…255 (or 0…65535) to 0…1
        x = x.astype(np.float32) * np.float32(scale)
    if kind is None:
        whole = y.dtype == bool or np.issubdtype(y.dtype, np.integer)
        kind = "classification" if whole else "regression"
    if kind == "classification" and np.issubdtype(y.dtype, np.floating):
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise DataError(f"{label}: classification needs whole-number labels in y")
        y = y.astype(np.int64)
    prep = {"type": "array", "layout": layout, "scale": scale,
            "input_shape": list(x.shape[1:])}
    try:
        ds = Dataset(x, y, kind, class_names, feature_names, name=name or path.stem,
                     description=f"arrays from {label}", preprocessing=prep)
    except DataError as exc:
        raise DataError(f"{label}: {exc}") from None
    ds.source = {"type": "npz", "path": str(path.resolve()),
                 "options": {"kind": ds.kind, "x_key": x_key, "y_key": y_key}}
    monitor.finish()
    return ds


def apply_array(x: Any, preprocessing: dict[str, Any]) -> np.ndarray:
    """New inputs laid out and scaled as the archive's ``x`` was: float32 (N, *input_shape)."""
    x = np.asarray(x)
    shape = tuple(preprocessing.get("input_shape", x.shape[1:]))
    layout = preprocessing.get("layout", "NF")
    # one sample as it was stored in the archive: (F,), (H, W) or (H, W, C)
    stored = {"NHW": shape[1:], "NHWC": (*shape[1:], shape[0])}.get(layout, shape)
    if x.shape == stored:
        x = x[None]
    if layout == "NHW":
        x = x[:, None]
    elif layout == "NHWC":
        x = x.transpose(0, 3, 1, 2)
    out = x.astype(np.float32) * np.float32(preprocessing.get("scale", 1.0))
    if out.shape[1:] != shape:
        raise DataError(f"inputs have shape {out.shape[1:]}, the data set's are {shape}")
    return out
