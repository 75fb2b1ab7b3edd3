"""INPUT arguments of ``predict``: image files or folders, CSV rows, ``.npz``/``.npy`` arrays
and bundled data sets, each turned into network inputs with a name per sample.

Images are converted to the Input layer's channels (grayscale or RGB), resized to its
height × width and scaled to [0, 1] (with the training data's image preprocessing when the
project has it). CSV rows go through the project's stored table preprocessing; a target
column, if present, is ignored. Sample names are the file, or ``FILE#ROW`` (0-based).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine import DataError
from engine.data import IMAGE_EXTENSIONS, apply_preprocessing, load_bundled
from engine.data.csv import read_rows
from engine.data.npz import apply_array

from .cli_data import locate
from .cli_output import warn
from .cli_project import DataInfo
from .cli_table import apply_table_file, plain_table


@dataclass
class Inputs:
    """Network inputs ``x`` (N, *input_shape) and one name per sample."""

    names: list[str] = field(default_factory=list)
    parts: list[np.ndarray] = field(default_factory=list)

    def add(self, names: list[str], x: np.ndarray) -> None:
        self.names += names
        self.parts.append(x)

    @property
    def x(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.zeros((0,), np.float32)


def gather(args: list[str], shape: tuple[int, ...], info: DataInfo,
           target: str | None = None) -> Inputs:
    """Every INPUT argument as network inputs of ``shape`` (the model's input shape)."""
    out = Inputs()
    for arg in args:
        names, x = _one(arg, shape, info, target)
        if not names:
            raise DataError(f"{arg} holds no samples to predict")
        out.add(names, fit_shape(x, shape, arg))
    return out


def _one(arg: str, shape: tuple[int, ...], info: DataInfo,
         target: str | None) -> tuple[list[str], np.ndarray]:
    src = locate(arg)
    if src.kind == "image":
        return [arg], apply_preprocessing([src.path], image_prep(shape, info, arg))
    if src.kind == "image_folder":
        return _folder(arg, src.path, image_prep(shape, info, arg))
    if src.kind == "csv":
        prep = info.table or plain_table(src.path, int(np.prod(shape)), target)
        x = apply_table_file(src.path, read_rows(src.path, prep), prep)
        return [f"{arg}#{i}" for i in range(len(x))], x
    if src.kind == "bundled":
        x = load_bundled(arg).x
        return [f"{arg}#{i}" for i in range(len(x))], x
    x = _array(src.path, src.kind)
    prep = info.preprocessing
    x = apply_array(x, prep) if prep and prep.get("type") == "array" else _as_images(x)
    return [f"{arg}#{i}" for i in range(len(x))], x


def _folder(arg: str, folder: Path, prep: dict[str, Any]) -> tuple[list[str], np.ndarray]:
    """Every image below ``folder``; unreadable ones are skipped with a warning, as the
    image-folder loader does."""
    files = sorted(p for p in folder.rglob("*")
                   if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    names, images = [], []
    for f in files:
        try:
            images.append(apply_preprocessing([f], prep))
        except DataError as exc:
            warn(f"skipped {f}: {str(exc).removeprefix(f'{f.name}: ')}")
            continue
        names.append(str(f))
    if not images:
        raise DataError(f"{arg}: the folder holds no readable PNG, JPEG, BMP or GIF images")
    return names, np.concatenate(images)


def _array(path: Path, kind: str) -> np.ndarray:
    try:
        if kind == "npy":
            return np.load(path, allow_pickle=False)
        with np.load(path, allow_pickle=False) as npz:
            if "x" not in npz.files:
                raise DataError(f"{path.name} has no array named 'x' (it has: "
                                f"{', '.join(npz.files) or 'nothing'})")
            return npz["x"]
    except (ValueError, OSError, EOFError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path.name}: cannot be read as NumPy arrays ({exc})") from None


def _as_images(x: np.ndarray) -> np.ndarray:
    """Arrays laid out as the ``.npz`` loader lays them out: integer pictures to [0, 1]."""
    if x.ndim >= 3 and np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float32) / np.float32(np.iinfo(x.dtype).max)
    return x


def fit_shape(x: Any, shape: tuple[int, ...], label: str) -> np.ndarray:
    """``x`` as (N, *shape): one sample, one-channel (N, H, W) and flat rows of pixels are
    accepted; anything else is an error naming the input."""
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise DataError(f"{label}: inputs must be numbers, got {x.dtype}")
    x = x.astype(np.float32, copy=False)
    if x.shape[1:] == shape:
        return x
    if x.shape == shape:
        return x[None]
    if len(shape) == 3 and shape[0] == 1 and x.shape[1:] == shape[1:]:
        return x[:, None]
    if x.ndim == 2 and x.shape[1] == int(np.prod(shape)):
        return x.reshape(len(x), *shape)
    raise DataError(f"{label}: samples of shape {'×'.join(map(str, x.shape[1:])) or 'scalar'}, "
                    f"but the network's Input expects {'×'.join(map(str, shape))}")


def image_prep(shape: tuple[int, ...], info: DataInfo, label: str) -> dict[str, Any]:
    """The training data's image preprocessing when it fits the Input, else a plain one:
    the Input's channels and size, stretched, scaled to [0, 1]."""
    if len(shape) != 3:
        raise DataError(f"{label}: the network's Input takes {shape[0]} features, not images")
    c, h, w = shape
    stored = info.preprocessing
    if (stored and stored.get("type") == "image" and list(stored.get("size", [])) == [h, w]
            and stored.get("channels") == c):
        return stored
    if c not in (1, 3):
        raise DataError(f"{label}: the network's Input has {c} channels; images have 1 "
                        "(grayscale) or 3 (RGB)")
    return {"type": "image", "size": [h, w], "channels": c, "fit": "stretch", "scale": "0-1"}
