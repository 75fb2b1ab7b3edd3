"""Train / validation / test splits: seeded, stratified for classification, reproducible.

:func:`split_indices` is the rule, :func:`split` applies it to a :class:`Dataset`. The rule is
a pure function of the labels (or the sample count), the fractions, the seed and
``stratify``, so a project file only stores those settings; ``Split.to_dict`` adds the counts
and a hash of the index arrays so that reopening the project can prove it got the same split
(``Split.from_dict`` raises :class:`~engine.errors.DataError` otherwise).

Stratified: every class is split in the same proportions (largest-remainder rounding, so the
totals match ``round(N × fraction)``), and a class keeps at least one training sample when it
has any. Each index array is sorted (file order); the trainer shuffles anyway.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError
from .dataset import Dataset

PARTS = ("train", "validation", "test")


def _check_fraction(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise DataError(f"the {name} fraction must be a number from 0 to below 1, got {value!r}")
    return float(value)


def _part_size(n: int, fraction: float) -> int:
    size = round(n * fraction)
    if fraction > 0 and size == 0 and n > 2:  # asked for one: give at least one sample
        size = 1
    return size


def _allocate(want: np.ndarray, total: int, caps: np.ndarray) -> np.ndarray:
    """Whole counts per class near ``want`` that add up to ``total`` without exceeding
    ``caps`` (largest remainder first; ties go to the lower class index)."""
    alloc = np.minimum(np.floor(want).astype(np.int64), caps)
    remainder = want - np.floor(want)
    for k in np.argsort(-remainder, kind="stable"):
        if alloc.sum() >= total:
            break
        if alloc[k] < caps[k]:
            alloc[k] += 1
    # still short (caps were hit): take from any class with room, largest first
    for k in np.argsort(-(caps - alloc), kind="stable"):
        while alloc.sum() < total and alloc[k] < caps[k]:
            alloc[k] += 1
    return alloc


def split_indices(
    labels_or_n: Any,
    validation: float = 0.15,
    test: float = 0.15,
    seed: int = 0,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted index arrays ``(train, validation, test)``.

    Parameters
    ----------
    labels_or_n : int or array of shape (N,)
        The number of samples, or class labels to stratify by.
    validation, test : float
        Shares of the samples, each in [0, 1), together below 1.
    """
    validation = _check_fraction("validation", validation)
    test = _check_fraction("test", test)
    if validation + test >= 1:
        raise DataError(
            f"validation ({validation:g}) and test ({test:g}) together leave no training data"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise DataError(f"the split seed must be a whole number ≥ 0, got {seed!r}")
    labels = None
    if isinstance(labels_or_n, int | np.integer):
        n = int(labels_or_n)
    else:
        labels = np.asarray(labels_or_n)
        n = len(labels)
    n_test, n_val = _part_size(n, test), _part_size(n, validation)
    if n - n_test - n_val < 1:
        raise DataError(f"{n} samples are too few for this split: no training sample is left")
    rng = np.random.default_rng(seed)
    if labels is None or not stratify:
        order = rng.permutation(n)
        parts = order[n_test + n_val :], order[n_test : n_test + n_val], order[:n_test]
        return tuple(np.sort(p) for p in parts)  # type: ignore[return-value]

    classes, inverse = np.unique(labels, return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(len(classes))]
    sizes = np.array([len(m) for m in members])
    caps = np.maximum(sizes - 1, 0)  # keep one training sample per class
    if n_test + n_val > caps.sum():
        raise DataError(f"{n} samples are too few for this split: no training sample is left")
    test_k = _allocate(sizes * test, n_test, caps)
    val_k = _allocate(sizes * validation, n_val, caps - test_k)
    train_parts, val_parts, test_parts = [], [], []
    for idx, t, v in zip(members, test_k, val_k, strict=True):
        idx = rng.permutation(idx)
        test_parts.append(idx[:t])
        val_parts.append(idx[t : t + v])
        train_parts.append(idx[t + v :])
    return tuple(  # type: ignore[return-value]
        np.sort(np.concatenate(p)).astype(np.int64) for p in (train_parts, val_parts, test_parts)
    )


def _indices_hash(indices: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for part in PARTS:
        arr = np.ascontiguousarray(indices[part], dtype=np.int64)
        h.update(part.encode() + arr.tobytes())
    return "sha256:" + h.hexdigest()


@dataclass
class Split:
    """A data set split three ways; iterate it as ``train, validation, test = split``."""

    train: Dataset
    validation: Dataset
    test: Dataset
    indices: dict[str, np.ndarray]
    settings: dict[str, Any]

    def __iter__(self):
        return iter((self.train, self.validation, self.test))

    def to_dict(self, include_indices: bool = False) -> dict[str, Any]:
        """Settings, counts and a hash of the indices (and the indices themselves on request:
        they make project files large for big data sets)."""
        out: dict[str, Any] = {
            **self.settings,
            "counts": {p: len(self.indices[p]) for p in PARTS},
            "indices_sha256": _indices_hash(self.indices),
        }
        if include_indices:
            out["indices"] = {p: self.indices[p].tolist() for p in PARTS}
        return out

    @classmethod
    def from_dict(cls, dataset: Dataset, data: dict[str, Any]) -> Split:
        """Redo a saved split of ``dataset``; raise DataError if it does not come out the
        same (the data or the splitting rule changed)."""
        if not isinstance(data, dict):
            raise DataError("split: expected an object")
        if "indices" in data:
            raw = data["indices"]
            try:
                idx = {p: np.asarray(raw[p], dtype=np.int64) for p in PARTS}
            except (KeyError, TypeError, ValueError):
                raise DataError("split.indices: expected lists of whole numbers for "
                                "train, validation and test") from None
            out = from_indices(dataset, idx["train"], idx["validation"], idx["test"])
            out.settings = {k: data[k] for k in ("validation", "test", "seed", "stratify")
                            if k in data}
            return out
        try:
            out = split(dataset, data.get("validation", 0.15), data.get("test", 0.15),
                        data.get("seed", 0), data.get("stratify", True))
        except TypeError:
            raise DataError("split: malformed settings") from None
        expected = data.get("indices_sha256")
        if expected and expected != _indices_hash(out.indices):
            raise DataError(
                "the saved train/validation/test split cannot be reproduced: the data set "
                "changed since the project was saved"
            )
        return out


def _stratify_ok(dataset: Dataset, stratify: bool) -> bool:
    return bool(stratify) and dataset.is_classification


def split(
    dataset: Dataset,
    validation: float = 0.15,
    test: float = 0.15,
    seed: int = 0,
    stratify: bool = True,
) -> Split:
    """Split ``dataset`` into train, validation and test data sets (see the module
    docstring). ``stratify`` only applies to classification."""
    strat = _stratify_ok(dataset, stratify)
    tr, va, te = split_indices(dataset.y if strat else len(dataset), validation, test, seed,
                               strat)
    settings = {"validation": float(validation), "test": float(test), "seed": int(seed),
                "stratify": strat}
    return _make(dataset, {"train": tr, "validation": va, "test": te}, settings)


def from_indices(dataset: Dataset, train: Any, validation: Any, test: Any) -> Split:
    """A split given by explicit index arrays (checked: in range, no sample twice)."""
    idx = {p: np.asarray(a, dtype=np.int64).reshape(-1)
           for p, a in zip(PARTS, (train, validation, test), strict=True)}
    n = len(dataset)
    everything = np.concatenate(list(idx.values()))
    if everything.size and (everything.min() < 0 or everything.max() >= n):
        raise DataError(f"split indices must be from 0 to {n - 1}")
    if len(np.unique(everything)) != len(everything):
        raise DataError("a sample appears in more than one part of the split")
    return _make(dataset, idx, {})


def _make(dataset: Dataset, idx: dict[str, np.ndarray], settings: dict[str, Any]) -> Split:
    base = dataset.name or "data"
    parts = {p: dataset.subset(idx[p], name=f"{base} ({p})") for p in PARTS}
    return Split(parts["train"], parts["validation"], parts["test"], idx, settings)
