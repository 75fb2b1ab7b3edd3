"""What a data set looks like, in numbers and warnings, for the data panel and the CLI.

:func:`summarize` never changes the data set. Its result, :class:`DatasetSummary`, holds plain
numbers and lists (``to_dict()`` is JSON-able), the indices of a few samples per class and,
for image data, those samples as thumbnails (arrays, left out of ``to_dict``). Warnings are
:class:`~engine.errors.Problem` objects with ``severity="warning"``, each with a fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import Problem

if TYPE_CHECKING:
    from .dataset import Dataset

MIN_SAMPLES = 30  # fewer than this and nothing can be learned *and* checked
MIN_PER_CLASS = 10
IMBALANCE_RATIO = 3.0


@dataclass
class DatasetSummary:
    """Counts, ranges, samples and warnings of one data set.

    ``feature_stats`` has one dict (name, min, max, mean, std) per feature for tables and per
    channel for images; ``target_stats`` the same per regression target. ``sample_rows`` are
    the inputs of ``sample_indices`` for tables; ``thumbnails`` the images, shape (H, W) for
    one channel or (H, W, 3), values as in ``x``."""

    name: str
    kind: str
    n_samples: int
    input_shape: tuple[int, ...]
    class_names: list[str] | None
    class_counts: list[int] | None
    feature_stats: list[dict[str, Any]]
    target_stats: list[dict[str, Any]] | None
    sample_indices: list[int]
    sample_rows: list[list[float]] | None
    warnings: list[Problem] = field(default_factory=list)
    thumbnails: list[np.ndarray] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_classes(self) -> int:
        return len(self.class_names) if self.class_names else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "n_samples": self.n_samples,
            "input_shape": list(self.input_shape),
            "class_names": self.class_names,
            "class_counts": self.class_counts,
            "feature_stats": self.feature_stats,
            "target_stats": self.target_stats,
            "sample_indices": self.sample_indices,
            "sample_rows": self.sample_rows,
            "warnings": [
                {"code": w.code, "message": w.message, "fix": w.fix} for w in self.warnings
            ],
            "notes": self.notes,
        }

    def text(self) -> str:
        """A few human-readable lines (the CLI prints them)."""
        shape = "×".join(map(str, self.input_shape))
        lines = [f"{self.name or 'data set'}: {self.n_samples} samples, inputs {shape}, "
                 f"{self.kind}"]
        if self.class_names is not None and self.class_counts is not None:
            counts = ", ".join(
                f"{c}: {k}" for c, k in zip(self.class_names, self.class_counts, strict=True)
            )
            lines.append(f"classes ({self.n_classes}): {counts}")
        for s in self.feature_stats[:20]:
            lines.append(
                f"  {s['name']}: {s['min']:.4g} … {s['max']:.4g} "
                f"(mean {s['mean']:.4g}, std {s['std']:.4g})"
            )
        if len(self.feature_stats) > 20:
            lines.append(f"  … and {len(self.feature_stats) - 20} more features")
        for s in self.target_stats or []:
            lines.append(f"  target {s['name']}: {s['min']:.4g} … {s['max']:.4g}")
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _stats(name: str, values: np.ndarray) -> dict[str, Any]:
    if values.size == 0:
        return {"name": name, "min": 0.0, "max": 0.0, "mean": 0.0, "std": 0.0}
    return {
        "name": name,
        "min": float(values.min()),
        "max": float(values.max()),
        "mean": float(values.mean(dtype=np.float64)),
        "std": float(values.std(dtype=np.float64)),
    }


def _column_stats(x: np.ndarray, names: list[str]) -> list[dict[str, Any]]:
    """Per-column statistics without a float64 copy of the whole table."""
    if len(x) == 0:
        return [_stats(n, x[:0, 0]) for n in names]
    lo, hi = x.min(axis=0), x.max(axis=0)
    mean = x.mean(axis=0, dtype=np.float64)
    sq = np.zeros(x.shape[1])
    for i in range(0, len(x), 65536):  # blocks bound the temporary's size
        d = x[i : i + 65536].astype(np.float64) - mean
        sq += np.einsum("ij,ij->j", d, d)
    std = np.sqrt(sq / len(x))
    return [
        {"name": n, "min": float(a), "max": float(b), "mean": float(m), "std": float(s)}
        for n, a, b, m, s in zip(names, lo, hi, mean, std, strict=True)
    ]


def _sample_indices(ds: Dataset, samples: int) -> list[int]:
    """The first ``samples`` indices of each class (of the data set for regression)."""
    if not ds.is_classification:
        return list(range(min(samples, len(ds))))
    out: list[int] = []
    for k in range(ds.n_classes):
        out += [int(i) for i in np.flatnonzero(ds.y == k)[:samples]]
    return sorted(out)


def summarize(ds: Dataset, samples: int = 5) -> DatasetSummary:
    """Describe ``ds``: see :class:`DatasetSummary`. ``samples`` per class are shown."""
    warnings: list[Problem] = []
    counts = ds.class_counts().tolist() if ds.is_classification else None
    if ds.is_image:
        channels = ds.x.shape[1]
        feature_stats = [
            _stats("pixels" if channels == 1 else f"channel {c}", ds.x[:, c])
            for c in range(channels)
        ]
    else:
        names = ds.feature_names or [f"feature {i}" for i in range(ds.x.shape[1])]
        feature_stats = _column_stats(ds.x, names)
    target_stats = None
    if not ds.is_classification:
        names = [f"y{i}" for i in range(ds.y.shape[1])] if ds.y.shape[1] > 1 else ["y"]
        target_stats = _column_stats(ds.y, names)
    idx = _sample_indices(ds, samples)
    rows = thumbs = None
    if ds.is_image:
        thumbs = [ds.x[i, 0] if ds.x.shape[1] == 1 else ds.x[i, :3].transpose(1, 2, 0)
                  for i in idx]
    else:
        rows = [[float(v) for v in ds.x[i]] for i in idx]

    _warn_size(ds, counts, warnings)
    if counts is not None:
        _warn_balance(ds, counts, warnings)
    _warn_features(ds, feature_stats, warnings)
    if target_stats is not None:
        _warn_targets(target_stats, warnings)
    notes = list(ds.report.notes)
    if ds.report.skipped:
        notes.append(f"{len(ds.report.skipped)} file(s) skipped")
    if ds.report.dropped:
        notes.append(f"{ds.report.dropped} row(s) with invalid values dropped")
    return DatasetSummary(
        ds.name, ds.kind, len(ds), ds.input_shape, ds.class_names, counts, feature_stats,
        target_stats, idx, rows, warnings, thumbs, notes,
    )


def _warn(out: list[Problem], code: str, message: str, fix: str) -> None:
    out.append(Problem(code, message, fix, severity="warning"))


def _warn_size(ds: Dataset, counts: list[int] | None, out: list[Problem]) -> None:
    n = len(ds)
    if n < MIN_SAMPLES:
        _warn(out, "too_few_samples", f"only {n} samples: too few to train and to check a "
              "network", "collect more data, or use a very small network")
    elif ds.x.ndim == 2 and n < ds.x.shape[1]:
        _warn(out, "fewer_samples_than_features",
              f"{n} samples for {ds.x.shape[1]} features: a network will learn them by heart",
              "collect more samples, or leave out features")
    if counts is not None and n >= MIN_SAMPLES:
        few = [(c, k) for c, k in zip(ds.class_names or [], counts, strict=True)
               if 0 < k < MIN_PER_CLASS]
        if few:
            listed = ", ".join(f"'{c}' ({k})" for c, k in few[:5])
            _warn(out, "too_few_in_class", f"few samples in class(es) {listed}",
                  f"aim for at least {MIN_PER_CLASS} samples per class")


def _warn_balance(ds: Dataset, counts: list[int], out: list[Problem]) -> None:
    names = ds.class_names or []
    empty = [c for c, k in zip(names, counts, strict=True) if k == 0]
    if empty:
        _warn(out, "empty_class", f"no samples of class(es) {', '.join(map(repr, empty[:5]))}",
              "add samples of these classes or remove them")
    present = [k for k in counts if k > 0]
    if len(present) == 1:
        _warn(out, "single_class", "every sample has the same class: there is nothing to "
              "tell apart", "add samples of other classes")
    elif present and max(present) >= IMBALANCE_RATIO * min(present):
        big = int(np.argmax(counts))
        small = min((k, i) for i, k in enumerate(counts) if k > 0)[1]
        _warn(
            out, "class_imbalance",
            f"classes are imbalanced: '{names[big]}' has {counts[big]} samples, "
            f"'{names[small]}' {counts[small]} ({counts[big] / counts[small]:.0f}×); accuracy "
            f"can look good while '{names[small]}' is never recognised",
            "look at the per-class scores and the confusion matrix, or collect more samples "
            "of the small classes",
        )


def _warn_features(ds: Dataset, stats: list[dict[str, Any]], out: list[Problem]) -> None:
    if not stats or len(ds) < 2:
        return
    if ds.is_image:
        lo, hi = min(s["min"] for s in stats), max(s["max"] for s in stats)
        if lo < 0 or hi > 1:
            _warn(out, "pixels_out_of_range", f"pixel values go from {lo:.4g} to {hi:.4g}, "
                  "not 0…1", "scale the images to 0…1 (divide 0…255 values by 255)")
        return
    constant = [s["name"] for s in stats if s["std"] == 0]
    if constant:
        _warn(out, "constant_feature",
              f"{len(constant)} feature(s) have the same value in every sample "
              f"({', '.join(constant[:5])}): they carry no information",
              "leave them out")
    spread = [max(abs(s["min"]), abs(s["max"])) for s in stats if s["std"] > 0]
    if spread and max(spread) > 10 and max(spread) > 100 * max(min(spread), 1e-12):
        wide = max(stats, key=lambda s: max(abs(s["min"]), abs(s["max"])))
        _warn(
            out, "unscaled_features",
            f"features have very different ranges (e.g. {wide['name']} goes up to "
            f"{max(abs(wide['min']), abs(wide['max'])):.4g}): training is slow or unstable",
            "standardise the features (load with standardize=True)",
        )


def _warn_targets(stats: list[dict[str, Any]], out: list[Problem]) -> None:
    for s in stats:
        if s["std"] == 0:
            _warn(out, "constant_target", f"target {s['name']} is the same for every sample",
                  "check the target column")
        elif max(abs(s["min"]), abs(s["max"])) > 1000:
            _warn(out, "large_targets",
                  f"target {s['name']} goes up to {max(abs(s['min']), abs(s['max'])):.4g}: "
                  "the squared error will be huge and the learning rate hard to choose",
                  "express the target in larger units (thousands, millions)")
