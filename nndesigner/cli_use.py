"""``nndesigner evaluate`` and ``nndesigner predict``: use a trained project.

Both prepare data as training did: the project's stored CSV preprocessing (columns, one-hot
categories, standardisation), its image size and channels, its class names.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from engine import DataError, confusion_matrix
from engine.metrics import predicted_classes

from .cli_data import align_labels, load_dataset, targets_for
from .cli_inputs import gather
from .cli_output import emit_json, fmt_number, say, table
from .cli_project import data_info, load_project, model_for_use


def evaluate(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    info = data_info(project)
    model = model_for_use(project, args.project)
    same_target = args.target is None or args.target == info.target
    ds = load_dataset(args.data, tuple(model.input_shape), target=args.target or info.target,
                      table_prep=info.table if same_target else None,
                      class_names=info.class_names, standardize=False)
    units = int(np.prod(model.output_shape))
    result: dict[str, Any] = {"samples": len(ds), "loss": None, "accuracy": None,
                              "classes": None, "confusion_matrix": None}
    y = ds.y
    if ds.is_classification:
        classes = info.class_names or ds.class_names
        y = align_labels(ds, classes)
        classes = _pad_names(classes, max(units, 2), int(y.max()) + 1 if len(y) else 0)
        result["classes"] = classes
    try:
        result["loss"] = model.evaluate(ds.x, targets_for(model.spec.loss, units, ds.kind, y))[
            "loss"]
        out = model.predict(ds.x)
    except DataError as exc:
        raise DataError(f"{args.data}: {exc}") from None
    if ds.is_classification:
        cm = confusion_matrix(y, predicted_classes(out), len(result["classes"]))
        result["accuracy"] = float(np.trace(cm) / max(len(y), 1)) if len(y) else None
        result["confusion_matrix"] = cm.tolist()
    if args.json:
        emit_json(result)
    else:
        _print_evaluation(result)
    return 0


def _pad_names(names: list[str] | None, outputs: int, labels: int) -> list[str]:
    """Class names for every output (and label), numbered where the project has none."""
    names = list(names or [])
    return names + [str(i) for i in range(len(names), max(outputs, labels))]


def _print_evaluation(result: dict[str, Any]) -> None:
    say(f"samples:  {result['samples']}")
    say(f"loss:     {fmt_number(result['loss'])}")
    if result["accuracy"] is None:
        return
    say(f"accuracy: {fmt_number(result['accuracy'])}")
    say()
    say("confusion matrix (rows: true class, columns: predicted class)")
    classes = result["classes"]
    rows = [[name, *counts] for name, counts in zip(classes, result["confusion_matrix"],
                                                    strict=True)]
    say(table(["true \\ predicted", *classes], rows, right=range(1, len(classes) + 1)))


def predict(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    info = data_info(project)
    model = model_for_use(project, args.project)
    inputs = gather(args.inputs, tuple(model.input_shape), info, info.target
                    if isinstance(info.target, str) else None)
    out = model.predict(inputs.x).reshape(len(inputs.names), -1)
    classifier = info.kind == "classification" if info.kind else model.is_classifier
    classes = _pad_names(info.class_names, max(out.shape[1], 2), 0) if classifier else None
    predictions = []
    for name, row in zip(inputs.names, out, strict=True):
        label = None
        if classes is not None:
            label = classes[int(predicted_classes(row[None])[0])]
        predictions.append({"input": name, "output": row.tolist(), "label": label})
    if args.json:
        emit_json({"classes": classes, "predictions": predictions})
    else:
        _print_predictions(predictions, classes is not None)
    return 0


def _print_predictions(predictions: list[dict[str, Any]], classifier: bool) -> None:
    def values(row: list[float]) -> str:
        shown = " ".join(f"{v:.4g}" for v in row[:10])
        return shown + (" …" if len(row) > 10 else "")

    if classifier:
        rows = [[p["input"], p["label"], values(p["output"])] for p in predictions]
        say(table(["input", "label", "output"], rows))
    else:
        say(table(["input", "output"], [[p["input"], values(p["output"])]
                                         for p in predictions]))
