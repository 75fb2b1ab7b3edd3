"""Load a data set back from the reference a project file stored (``Dataset.to_dict()``).

A bundled data set is generated again from its name, parameters and seed; a file is loaded
again with the stored loader options (relative paths are taken from ``base_dir``, the
project's folder). The fingerprint then proves that the data are the same: if not,
:class:`DataChanged` is raised, carrying the freshly loaded data set so the caller may
offer to use it anyway.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import DataError
from .csv import load_csv
from .dataset import FORMAT_VERSION, Dataset
from .images import load_image_folder
from .npz import load_npz
from .progress import CancelFlag, ProgressCallback
from .registry import load_bundled


class DataChanged(DataError):
    """The data at a project's reference are not those it was saved with."""

    def __init__(self, message: str, dataset: Dataset, expected: str, actual: str) -> None:
        super().__init__(message)
        self.dataset = dataset
        self.expected = expected
        self.actual = actual


def load_reference(
    reference: dict[str, Any],
    base_dir: str | Path | None = None,
    verify: bool = True,
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag = None,
) -> Dataset:
    """Load the data set a reference describes; with ``verify`` compare fingerprints."""
    if not isinstance(reference, dict) or not isinstance(reference.get("source"), dict):
        raise DataError("data set reference: expected an object with a 'source'")
    version = reference.get("format_version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise DataError(f"data set reference: format_version {version!r} is newer than this "
                        "version of nndesigner understands")
    source = reference["source"]
    kind = source.get("type")
    monitor = {"progress": progress, "cancelled": cancelled}
    if kind == "bundled":
        ds = load_bundled(source.get("name", ""), seed=source.get("seed", 0),
                          **monitor, **dict(source.get("params", {})))
    elif kind in ("csv", "image_folder", "npz"):
        path = Path(source.get("path", ""))
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        options = dict(source.get("options", {}))
        loaders = {"csv": load_csv, "image_folder": load_image_folder, "npz": load_npz}
        try:
            ds = loaders[kind](path, **options, **monitor)
        except TypeError as exc:
            raise DataError(f"data set reference: bad loader options ({exc})") from None
    else:
        raise DataError(f"data set reference: cannot load a source of type {kind!r} again "
                        "(data given as arrays are not saved by reference)")
    if reference.get("name"):
        ds.name = reference["name"]
    expected = reference.get("fingerprint")
    if verify and expected:
        actual = ds.fingerprint()
        if actual != expected:
            where = source.get("path") or source.get("name")
            raise DataChanged(
                f"the data at {where} changed since the project was saved (fingerprint "
                f"{actual[:19]}… instead of {expected[:19]}…)", ds, expected, actual,
            )
    return ds
