"""DATA arguments: a bundled data set's name, a CSV file, an image folder or an ``.npz``.

A name is a file when such a file exists, else a bundled data set. Data come from the
engine's loaders, except CSV files for a project that already has a table preprocessing
(see :mod:`nndesigner.cli_table`). Labels are matched to the project's classes by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine import DataError
from engine.data import (
    IMAGE_EXTENSIONS,
    Dataset,
    list_datasets,
    load_bundled,
    load_csv,
    load_image_folder,
    load_npz,
)

from .cli_output import warn
from .cli_table import table_dataset

KINDS = ("bundled", "csv", "image_folder", "npz", "image", "npy")


@dataclass(frozen=True)
class Source:
    """Where a DATA or INPUT argument points: ``kind`` is one of :data:`KINDS`."""

    arg: str
    kind: str
    path: Path | None = None


def locate(arg: str) -> Source:
    """What ``arg`` names; a DataError when it is neither a usable file nor a bundled set."""
    path = Path(arg)
    if path.is_dir():
        return Source(arg, "image_folder", path)
    if path.exists():
        suffix = path.suffix.lower()
        kind = {".csv": "csv", ".npz": "npz", ".npy": "npy"}.get(suffix)
        if kind is None and suffix in IMAGE_EXTENSIONS:
            kind = "image"
        if kind is None:
            raise DataError(f"{arg}: unsupported file type '{suffix or 'none'}' (use .csv, "
                            ".npz, an image or a folder of class folders)")
        return Source(arg, kind, path)
    names = [info.name for info in list_datasets()]
    if arg in names:
        return Source(arg, "bundled")
    if path.suffix or len(path.parts) > 1:  # meant as a file
        raise DataError(f"{arg}: no such file or folder")
    raise DataError(f"{arg}: no such file or folder, and no bundled data set has that name "
                    f"(bundled: {', '.join(names)})")


def report(ds: Dataset, folder: Path | None = None) -> None:
    """Tell the user (stderr) which files a loader skipped."""
    for name, reason in ds.report.skipped:
        warn(f"skipped {folder / name if folder else name}: {reason}")
    if ds.report.dropped:
        warn(f"{ds.report.dropped} row(s) dropped")


def load_dataset(
    arg: str,
    input_shape: tuple[int, ...] | None,
    target: Any = None,
    table_prep: dict[str, Any] | None = None,
    class_names: list[str] | None = None,
    fixed_channels: bool = True,
    standardize: bool = True,
) -> Dataset:
    """Load DATA for training, evaluating or sizing a new network.

    ``input_shape`` is the network's: image folders are brought to its height × width (and
    its channels when ``fixed_channels``). A CSV file goes through ``table_prep`` when given
    (a trained project's), else through :func:`engine.data.load_csv`, numeric columns
    standardised when ``standardize`` (training; evaluation without a stored preprocessing
    uses the numbers as they are)."""
    src = locate(arg)
    if src.kind == "bundled":
        ds = load_bundled(arg)
    elif src.kind == "csv":
        if table_prep is not None:
            ds = table_dataset(src.path, table_prep, target, class_names)
        else:
            ds = _load_csv(src.path, target, standardize)
    elif src.kind == "image_folder":
        if input_shape is not None and len(input_shape) != 3:
            raise DataError(f"{arg} is a folder of images, but the network's Input takes "
                            f"{input_shape[0]} features: use an image network")
        size = tuple(input_shape[1:]) if input_shape else (28, 28)
        channels = input_shape[0] if input_shape and fixed_channels else None
        ds = load_image_folder(src.path, size=size, channels=channels)
    elif src.kind == "npz":
        ds = load_npz(src.path)
    else:
        raise DataError(f"{arg}: a single {src.kind} file is not a data set (use a CSV file, "
                        "an .npz, a folder of class folders or a bundled name)")
    report(ds, src.path if src.kind == "image_folder" else None)
    return ds


def _load_csv(path: Path, target: Any, standardize: bool) -> Dataset:
    try:
        return load_csv(path, target=target, standardize=standardize)
    except DataError as exc:
        # The loader's advice names its Python options; the command line has no such options.
        text = str(exc)
        cut = text.find(". Fix the file, or load with")
        if cut < 0:
            raise
        raise DataError(text[:cut] + ": fix the file") from None


# -- classes and targets ------------------------------------------------------------------------


def align_labels(ds: Dataset, class_names: list[str] | None) -> np.ndarray:
    """The data set's labels as indices into the project's ``class_names``: by name, or by
    number when the data's classes are numbered 0, 1, … (npz labels)."""
    if class_names is None or ds.class_names is None or ds.class_names == class_names:
        return ds.y
    index = {n: k for k, n in enumerate(class_names)}
    if all(n in index for n in ds.class_names):
        return np.array([index[n] for n in ds.class_names], dtype=np.int64)[ds.y]
    if all(n.isdigit() and int(n) < len(class_names) for n in ds.class_names):
        return np.array([int(n) for n in ds.class_names], dtype=np.int64)[ds.y]
    unknown = [n for n in ds.class_names if n not in index]
    raise DataError(f"{ds.name}: class(es) {', '.join(map(repr, unknown[:5]))} are not among "
                    f"the project's classes ({', '.join(class_names)})")


def targets_for(loss: str, output_units: int, kind: str, y: np.ndarray) -> np.ndarray:
    """Targets in the form ``loss`` needs: class indices for cross-entropy; one-hot rows
    when another loss meets several output neurons; the values for regression."""
    if kind == "regression":
        if loss == "cross_entropy":
            raise DataError("the data are a regression data set (numbers to predict) but the "
                            "loss is cross-entropy: use --loss mse with a linear output layer")
        return y
    classes = int(y.max()) + 1 if len(y) else 0
    if output_units == 1 and classes > 2:
        raise DataError(f"the data have {classes} classes but the output layer has a single "
                        f"neuron: give it {classes} softmax neurons and use cross-entropy")
    if loss != "cross_entropy" and output_units > 1:
        if len(y) and y.max() >= output_units:
            raise DataError(f"labels go up to {y.max()} but the output layer has "
                            f"{output_units} neurons")
        return np.eye(output_units, dtype=np.float32)[y]
    return y
