"""Data for nndesigner: bundled generated sets, CSV tables, image folders and .npz archives.

    from engine import data

    ds = data.load_bundled("moons", n_samples=400, noise=0.2, seed=1)
    ds = data.load_csv("trips.csv", target="bought", standardize=True)
    ds = data.load_image_folder("photos/", size=(64, 64), channels=3)
    train, val, test = data.split(ds, validation=0.15, test=0.15, seed=0)
    print(ds.summary().text())
    x_new = data.apply_preprocessing([["34", "1200", "asia"]], ds.preprocessing)

Every loader returns a :class:`Dataset` (``x`` float32, ``y`` int64 classes or float32
targets, names, a JSON-able ``preprocessing`` and ``source``), takes ``progress(done,
total)`` and ``cancelled`` (an Event or a callable) and raises :class:`LoadCancelled` when
cancelled. Every data problem is an :class:`engine.errors.DataError` that says what and
where (file, line, column). ``Dataset.to_dict()`` is the reference a project file stores;
:func:`load_reference` loads it back and checks its fingerprint.

This package is pure NumPy and Pillow, like the rest of the engine.
"""

from .csv import load_csv
from .dataset import Dataset, LoadReport
from .digits import center_digit
from .images import IMAGE_EXTENSIONS, load_image_folder
from .npz import load_npz
from .preprocessing import apply_preprocessing
from .progress import LoadCancelled
from .reference import DataChanged, load_reference
from .registry import BundledInfo, bundled_info, list_datasets, load_bundled
from .split import Split, split, split_indices
from .summary import DatasetSummary

__all__ = [
    "IMAGE_EXTENSIONS",
    "BundledInfo",
    "DataChanged",
    "Dataset",
    "DatasetSummary",
    "LoadCancelled",
    "LoadReport",
    "Split",
    "apply_preprocessing",
    "bundled_info",
    "center_digit",
    "list_datasets",
    "load_bundled",
    "load_csv",
    "load_image_folder",
    "load_npz",
    "load_reference",
    "split",
    "split_indices",
]
