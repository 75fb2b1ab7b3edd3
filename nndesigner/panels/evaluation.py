"""What the Evaluate panel computes, without Qt: a model's results on a data set.

:func:`evaluate_model` runs the model once over the samples and keeps everything the panel
shows — loss, accuracy, confusion matrix, per-class scores, each sample's prediction and
confidence (classification) or MSE, MAE and R² (regression). :class:`Evaluation` answers
"which samples are in this cell" and "which are wrong", sorted by confidence.
:func:`load_other` reads "another data set" (a CSV file, an ``.npz`` or a folder of class
folders) the way the project's training data were prepared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine import DataError, classification_report, regression_scores
from engine.data import (
    Dataset,
    apply_preprocessing,
    load_csv,
    load_image_folder,
    load_npz,
)
from engine.metrics import predicted_classes

from ..cli_data import align_labels, targets_for
from ..cli_table import table_dataset
from .use_common import output_view


@dataclass
class Evaluation:
    """A model's results on one data set (see the module docstring)."""

    label: str
    dataset: Dataset
    kind: str  # "classification" or "regression"
    loss: float | None
    outputs: np.ndarray
    y: np.ndarray
    class_names: list[str] = field(default_factory=list)
    pred: np.ndarray | None = None
    confidence: np.ndarray | None = None
    report: dict[str, Any] | None = None
    scores: dict[str, float] | None = None

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def accuracy(self) -> float | None:
        return self.report["accuracy"] if self.report else None

    def _by_confidence(self, mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask)
        assert self.confidence is not None
        return idx[np.argsort(-self.confidence[idx], kind="stable")]

    def cell(self, true_k: int, pred_k: int) -> np.ndarray:
        """Indices of the samples of class ``true_k`` predicted as ``pred_k``, most confident
        first."""
        if self.pred is None:
            return np.zeros(0, dtype=np.int64)
        return self._by_confidence((self.y == true_k) & (self.pred == pred_k))

    def misclassified(self) -> np.ndarray:
        """Every wrong answer, the most confidently wrong first."""
        if self.pred is None:
            return np.zeros(0, dtype=np.int64)
        return self._by_confidence(self.y != self.pred)


def evaluate_model(model: Any, ds: Dataset, label: str,
                   project_classes: list[str] | None = None) -> Evaluation:
    """Evaluate ``model`` on ``ds`` (labels matched to ``project_classes`` by name)."""
    units = int(np.prod(model.output_shape))
    loss_name = model.spec.loss
    if ds.is_classification:
        if not model.is_classifier:
            raise DataError(f"{ds.name or 'these data'} are a classification set, but the "
                            f"network is trained for regression (loss {loss_name})")
        y = align_labels(ds, project_classes)
        targets = targets_for(loss_name, units, ds.kind, y)
    else:
        if model.is_classifier:
            raise DataError(f"{ds.name or 'these data'} are a regression set (numbers to "
                            "predict), but the network is a classifier")
        y = targets = ds.y
    loss = model.evaluate(ds.x, targets)["loss"]
    out = model.predict(ds.x)
    if not ds.is_classification:
        return Evaluation(label, ds, "regression", loss, out, y,
                          scores=regression_scores(out, y))
    k = max(units if units > 1 else 2, int(y.max(initial=-1)) + 1)
    report = classification_report(out, y, k, loss_name)
    pred = predicted_classes(out, loss_name)
    probs = np.stack([output_view(loss_name, row).probabilities for row in out]) \
        if units == 1 or loss_name != "cross_entropy" else out
    confidence = np.asarray(probs, dtype=np.float64)[np.arange(len(pred)), pred] \
        if len(pred) else np.zeros(0)
    return Evaluation(label, ds, "classification", loss, out, y, pred=pred,
                      confidence=confidence, report=report)


def load_other(path: str | Path, shape: tuple[int, ...] | None,
               prep: dict[str, Any] | None, class_names: list[str] | None) -> Dataset:
    """Another data set for evaluation, prepared as the training data were (``prep``)."""
    p = Path(path)
    if p.is_dir():
        if shape is None or len(shape) != 3:
            raise DataError(f"{p.name} is a folder of images, but the network does not take "
                            "images")
        c, h, w = shape
        image_prep = prep if prep and prep.get("type") == "image" else {}
        ds = load_image_folder(p, size=(h, w), channels=c, fit=image_prep.get("fit", "stretch"))
        if image_prep.get("normalize") or image_prep.get("binary"):
            # digits are centred, patterns thresholded: as the training images were
            ds.x = apply_preprocessing([p / s for s in ds.sample_ids or []], image_prep)
        return ds
    suffix = p.suffix.lower()
    if suffix == ".csv":
        if prep and prep.get("type") == "table" and "features" in prep:
            return table_dataset(p, prep, None, class_names)
        return load_csv(p, standardize=False)
    if suffix == ".npz":
        return load_npz(p)
    raise DataError(f"{p.name}: choose a .csv or .npz file, or a folder of class folders")
