"""Dataset: inputs, targets and everything needed to explain and reproduce them.

A :class:`Dataset` always holds

* ``x`` — float32, C-contiguous, finite: ``(N, F)`` feature rows or ``(N, C, H, W)`` images
  (images from the loaders are in [0, 1]);
* ``y`` — int64 class indices ``(N,)`` in ``[0, len(class_names))`` for ``kind ==
  "classification"``, float32 targets ``(N, M)`` for ``kind == "regression"``;
* ``preprocessing`` — a JSON-able dict saying how raw inputs (CSV rows, image files) became
  ``x``, so that :func:`engine.data.apply_preprocessing` can treat new inputs the same way;
* ``source`` — a JSON-able dict saying where the data came from (a bundled generator with its
  parameters and seed, or a file with its loader options), used by :meth:`Dataset.to_dict`;
* ``report`` — what the loader skipped or dropped (:class:`LoadReport`).

The constructor checks and converts its arrays and raises :class:`~engine.errors.DataError`
naming the sample and feature at fault. A Dataset does not copy arrays that already have the
right dtype and layout; arrays of cached bundled data sets are read-only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DataError

if TYPE_CHECKING:
    from .summary import DatasetSummary

KINDS = ("classification", "regression")
FORMAT_VERSION = 1
_FINGERPRINT_VERSION = b"nndesigner-dataset-v1"


@dataclass
class LoadReport:
    """What a loader left out, for the user to see.

    ``skipped`` lists ``(file, reason)`` for files that were not loaded; ``dropped_lines``
    the 1-based file lines of CSV rows dropped with ``drop_invalid=True`` (``dropped`` counts
    them, the list keeps the first 1000); ``notes`` are other remarks (an empty class folder, a
    detected delimiter, …)."""

    skipped: list[tuple[str, str]] = field(default_factory=list)
    dropped: int = 0
    dropped_lines: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "skipped": [list(s) for s in self.skipped],
            "dropped": self.dropped,
            "dropped_lines": list(self.dropped_lines),
            "notes": list(self.notes),
        }


class Dataset:
    """Inputs and targets with their names, meaning and origin (see the module docstring).

    Parameters
    ----------
    x : array, shape (N, F), (N, H, W) or (N, C, H, W)
        Inputs; (N, H, W) is taken as one-channel images.
    y : array, shape (N,) or (N, M)
        Class indices (classification) or targets (regression).
    kind : "classification", "regression" or None
        None infers it: whole-number or bool ``y`` is classification, float is regression.
    class_names : list of str, optional
        One name per class; default ``"0", "1", …`` up to the largest label.
    sample_ids : list of str, optional
        Where each sample came from (e.g. the image file), for showing samples to the user.
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        kind: str | None = None,
        class_names: list[str] | None = None,
        feature_names: list[str] | None = None,
        name: str = "",
        description: str = "",
        preprocessing: dict[str, Any] | None = None,
        source: dict[str, Any] | None = None,
        report: LoadReport | None = None,
        sample_ids: list[str] | None = None,
    ) -> None:
        self.name = str(name)
        self.description = str(description)
        self.x = _check_inputs(x)
        n = len(self.x)
        y = np.asarray(y)
        if kind is None:
            kind = "classification" if y.dtype == bool or np.issubdtype(y.dtype, np.integer) \
                else "regression"
        if kind not in KINDS:
            raise DataError(f"data set kind must be one of {', '.join(KINDS)}, got {kind!r}")
        self.kind = kind
        if len(y) != n:
            raise DataError(f"{n} input samples but {len(y)} targets: they must match")
        if kind == "classification":
            self.y, self.class_names = _check_labels(y, class_names)
        else:
            self.y = _check_regression_targets(y)
            if class_names is not None:
                raise DataError("a regression data set has no class names")
            self.class_names = None
        if feature_names is not None:
            feature_names = [str(f) for f in feature_names]
            if self.x.ndim == 2 and len(feature_names) != self.x.shape[1]:
                raise DataError(
                    f"{len(feature_names)} feature names for {self.x.shape[1]} features"
                )
        self.feature_names = feature_names
        self.preprocessing: dict[str, Any] = dict(preprocessing or {"type": "none"})
        self.source: dict[str, Any] = dict(source or {"type": "arrays"})
        self.report = report or LoadReport()
        if sample_ids is not None and len(sample_ids) != n:
            raise DataError(f"{len(sample_ids)} sample ids for {n} samples")
        # where each sample came from (an image file), to show behind a confusion matrix
        self.sample_ids: list[str] | None = None if sample_ids is None else list(sample_ids)

    # -- shape and meaning --------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.x)

    def __repr__(self) -> str:
        classes = f", {self.n_classes} classes" if self.is_classification else ""
        shape = "×".join(map(str, self.input_shape))
        return f"<Dataset {self.name or 'unnamed'}: {len(self)} samples of {shape}{classes}>"

    @property
    def n_samples(self) -> int:
        return len(self.x)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """What the network's Input layer needs: ``(F,)`` or ``(C, H, W)``."""
        return tuple(int(s) for s in self.x.shape[1:])

    @property
    def is_image(self) -> bool:
        return self.x.ndim == 4

    @property
    def is_classification(self) -> bool:
        return self.kind == "classification"

    @property
    def n_classes(self) -> int:
        return len(self.class_names) if self.class_names is not None else 0

    @property
    def n_outputs(self) -> int:
        """Neurons the output layer needs: one per class, or one per regression target."""
        return self.n_classes if self.is_classification else int(self.y.shape[1])

    @property
    def suggested_loss(self) -> str:
        return "cross_entropy" if self.is_classification else "mse"

    def class_counts(self) -> np.ndarray:
        """Samples per class, shape ``(n_classes,)`` (classification only)."""
        if not self.is_classification:
            raise DataError("a regression data set has no classes")
        return np.bincount(self.y, minlength=self.n_classes)

    def subset(self, indices: Any, name: str | None = None) -> Dataset:
        """The samples at ``indices`` (an index array or boolean mask), same metadata."""
        idx = np.asarray(indices)
        out = Dataset.__new__(Dataset)
        out.__dict__.update(self.__dict__)
        out.x = np.ascontiguousarray(self.x[idx])
        out.y = np.ascontiguousarray(self.y[idx])
        out.name = self.name if name is None else name
        if self.sample_ids is not None:
            out.sample_ids = [self.sample_ids[i] for i in np.arange(len(self))[idx]]
        out.report = LoadReport()
        return out

    # -- summary, identity, reference ------------------------------------------------------------

    def summary(self, samples: int = 5) -> DatasetSummary:
        """Counts, ranges, a few samples and warnings; see :class:`DatasetSummary`."""
        from .summary import summarize

        return summarize(self, samples=samples)

    def fingerprint(self) -> str:
        """``"sha256:<hex>"`` over x and y (bytes, shapes, dtypes), the kind and the class
        names: equal data give equal fingerprints on every machine."""
        h = hashlib.sha256(_FINGERPRINT_VERSION)
        for arr in (self.x, self.y):
            arr = np.ascontiguousarray(arr)
            h.update(f"{arr.dtype.str}{arr.shape}".encode())
            # hash a byte view in slices: no copy of a big array
            flat = arr.reshape(-1).view(np.uint8)
            step = 1 << 24
            for i in range(0, flat.size, step):
                h.update(flat[i : i + step])
        h.update(json.dumps([self.kind, self.class_names]).encode())
        return "sha256:" + h.hexdigest()

    def to_dict(self, base_dir: str | os.PathLike | None = None) -> dict[str, Any]:
        """A JSON-able reference for project files: where the data come from (bundled name,
        parameters and seed, or file path and loader options), what they look like, and the
        fingerprint to detect a changed file. File paths are made relative to ``base_dir``
        when given. :func:`engine.data.load_reference` loads it back."""
        source = dict(self.source)
        path = source.get("path")
        if path is not None and base_dir is not None:
            # on another drive (Windows) relpath fails: the path stays absolute
            with contextlib.suppress(ValueError):
                source["path"] = os.path.relpath(path, base_dir).replace(os.sep, "/")
        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "source": source,
            "kind": self.kind,
            "n_samples": self.n_samples,
            "input_shape": list(self.input_shape),
            "class_names": self.class_names,
            "feature_names": self.feature_names,
            "preprocessing": self.preprocessing,
            "fingerprint": self.fingerprint(),
        }


# -- checks ---------------------------------------------------------------------------------------


def _check_inputs(x: Any) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise DataError(f"inputs must be numbers, got values of type {x.dtype}")
    if x.ndim == 1:
        raise DataError(
            "inputs must have one row per sample (N×F) or be images (N×C×H×W); got a flat "
            f"list of {len(x)} values — reshape it to {len(x)}×1 for one feature"
        )
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim not in (2, 4):
        raise DataError(f"inputs must be N×F or N×C×H×W, got shape {x.shape}")
    x = np.ascontiguousarray(x, dtype=np.float32)
    bad = ~np.isfinite(x)
    if bad.any():
        flat = bad.reshape(len(x), -1)
        sample = int(np.argmax(flat.any(axis=1)))
        feature = int(np.argmax(flat[sample]))
        value = x.reshape(len(x), -1)[sample, feature]
        raise DataError(
            f"inputs contain {value} at sample {sample} (0-based), feature {feature}: every "
            "value must be a finite number"
        )
    return x


def _check_labels(y: np.ndarray, class_names: list[str] | None) -> tuple[np.ndarray, list[str]]:
    if y.ndim != 1:
        raise DataError(f"class labels must be one whole number per sample, got shape {y.shape}")
    if y.dtype == bool:
        y = y.astype(np.int64)
    if np.issubdtype(y.dtype, np.floating):
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise DataError("class labels must be whole numbers 0, 1, 2, …")
    elif not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"class labels must be whole numbers, got values of type {y.dtype}")
    y = np.ascontiguousarray(y, dtype=np.int64)
    if len(y) and y.min() < 0:
        i = int(np.argmax(y < 0))
        raise DataError(f"class label {y[i]} at sample {i} is negative: labels start at 0")
    top = int(y.max()) + 1 if len(y) else 0
    if class_names is None:
        class_names = [str(i) for i in range(top)]
    class_names = [str(c) for c in class_names]
    if top > len(class_names):
        raise DataError(
            f"labels go up to {top - 1} but there are only {len(class_names)} class names"
        )
    if len(set(class_names)) != len(class_names):
        raise DataError(f"class names must be different from each other: {class_names}")
    return y, class_names


def _check_regression_targets(y: np.ndarray) -> np.ndarray:
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise DataError(f"regression targets must be numbers, got values of type {y.dtype}")
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2:
        raise DataError(f"regression targets must be N or N×M numbers, got shape {y.shape}")
    y = np.ascontiguousarray(y, dtype=np.float32)
    if not np.all(np.isfinite(y)):
        i = int(np.argmax(~np.isfinite(y).all(axis=1)))
        raise DataError(f"the target of sample {i} (0-based) is not a finite number")
    return y
