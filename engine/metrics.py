"""Metrics: accuracy, confusion matrix, per-class precision/recall/F1; MSE, MAE and R²."""

from __future__ import annotations

from typing import Any

import numpy as np


def predicted_classes(out: np.ndarray, loss: str = "cross_entropy") -> np.ndarray:
    """Class indices from output activations: argmax, or p ≥ 0.5 for a single sigmoid."""
    out = out.reshape(len(out), -1)
    if out.shape[1] == 1:
        return (out[:, 0] >= 0.5).astype(np.int64)
    return np.argmax(out, axis=1)


def accuracy(out: np.ndarray, y: np.ndarray, loss: str = "cross_entropy") -> float | None:
    """Share of correct answers. Multi-label sigmoid outputs count each output separately."""
    if len(out) == 0:
        return None
    if loss == "binary_cross_entropy":
        flat = out.reshape(len(out), -1)
        return float(np.mean((flat >= 0.5) == (np.asarray(y).reshape(flat.shape) >= 0.5)))
    return float(np.mean(predicted_classes(out, loss) == np.asarray(y).reshape(-1)))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: int) -> np.ndarray:
    """Counts with rows = true class and columns = predicted class."""
    cm = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return cm


def per_class_scores(cm: np.ndarray) -> list[dict[str, float]]:
    """Precision, recall, F1 and support for each class of a confusion matrix (0 where a
    ratio has no denominator, as scikit-learn's ``zero_division=0``)."""
    tp = np.diag(cm).astype(float)
    predicted = cm.sum(axis=0).astype(float)
    actual = cm.sum(axis=1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return [
        {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for p, r, f, s in zip(precision, recall, f1, actual, strict=True)
    ]


def regression_scores(pred: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """MSE, MAE and R² (1 − SS_res / SS_tot, averaged over outputs as scikit-learn)."""
    pred = np.asarray(pred, dtype=np.float64).reshape(len(pred), -1)
    y = np.asarray(y, dtype=np.float64).reshape(pred.shape)
    err = pred - y
    ss_res = np.sum(err**2, axis=0)
    ss_tot = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1 - ss_res / ss_tot, np.where(ss_res == 0, 1.0, 0.0))
    return {
        "mse": float(np.mean(err**2)),
        "mae": float(np.mean(np.abs(err))),
        "r2": float(np.mean(r2)),
    }


def classification_report(
    out: np.ndarray, y: np.ndarray, classes: int, loss: str = "cross_entropy"
) -> dict[str, Any]:
    """Accuracy, confusion matrix and per-class scores in one dict."""
    pred = predicted_classes(out, loss)
    cm = confusion_matrix(np.asarray(y).reshape(-1), pred, classes)
    return {
        "accuracy": float(np.trace(cm) / max(cm.sum(), 1)),
        "confusion_matrix": cm,
        "per_class": per_class_scores(cm),
    }
