"""``nndesigner train PROJECT --data DATA``: train with engine.Trainer and save the project.

Settings not given on the command line come from the project; the ones given are saved with
it. Training continues from the project's weights when it has fitting ones; otherwise the
initial weights are drawn with the seed (``--seed``, else the project's). Per epoch the JSON
reports ``seconds``: that epoch's own wall time. PROJECT (or ``-o OUT``) is written only
after training succeeded, atomically.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from engine import DataError, Progress, Trainer, TrainingConfig
from engine.data import Dataset
from engine.io import Project, history_entry

from .cli_data import align_labels, load_dataset, targets_for
from .cli_output import ProgressBar, emit_json, fmt_number, note, say
from .cli_project import DataInfo, build_model, data_dict, data_info, load_project

# The --loss names of the command line and the engine's.
LOSSES = {"mse": "mse", "mae": "mae", "cross-entropy": "cross_entropy",
          "binary-cross-entropy": "binary_cross_entropy"}
_OVERRIDES = ("epochs", "batch_size", "lr", "optimizer", "validation_split", "seed")
_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds")


def config_from(base: TrainingConfig, args: argparse.Namespace) -> TrainingConfig:
    """The project's settings with those given on the command line (validated)."""
    changes: dict[str, Any] = {k: getattr(args, k) for k in _OVERRIDES
                               if getattr(args, k) is not None}
    if args.no_shuffle:
        changes["shuffle"] = False
    return dataclasses.replace(base, **changes)


def train(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    out = Path(args.output or args.project)
    config = config_from(project.training, args)
    spec = project.network.copy()
    if args.loss:
        spec.loss = LOSSES[args.loss]
    project.network = spec
    model, continued = build_model(project, config.seed, args.project)
    info = data_info(project)
    ds, y, class_names = _training_data(args, model, info, continued)
    units = int(np.prod(model.output_shape))
    try:
        trainer = Trainer(model, ds.x, targets_for(spec.loss, units, ds.kind, y), config)
    except DataError as exc:
        hint = ""
        if "Input expects" in str(exc):
            hint = (f" (`nndesigner new TEMPLATE -o OUT --data {args.data}` makes a network "
                    "sized to these data)")
        raise DataError(f"{args.data}: {exc}{hint}") from None
    epochs = _run(trainer, args.json)
    _save(project, trainer, config, ds, class_names, out, args.target or info.target)
    if args.json:
        emit_json({"epochs": epochs, "output": str(out)})
    else:
        say(f"saved {out}")
    return 0


def _training_data(args: argparse.Namespace, model, info: DataInfo,
                   continued: bool) -> tuple[Dataset, np.ndarray, list[str] | None]:
    """The data set, its labels, and the class names they index. A project that goes on
    training keeps its CSV preprocessing and its classes, so its weights keep their meaning."""
    target = args.target or info.target
    same_target = args.target is None or args.target == info.target
    table = info.table if continued and same_target else None
    ds = load_dataset(args.data, tuple(model.input_shape), target=target, table_prep=table,
                      class_names=info.class_names)
    if not ds.is_classification:
        return ds, ds.y, None
    if continued and info.class_names:
        return ds, align_labels(ds, info.class_names), info.class_names
    return ds, ds.y, ds.class_names


def _run(trainer: Trainer, quiet: bool) -> list[dict[str, Any]]:
    """Run the trainer to its end; the epochs as the JSON reports them."""
    bar = ProgressBar()
    epochs: list[dict[str, Any]] = []
    previous = 0.0
    if not quiet:
        say(_row(_COLUMNS))
    final: Progress | None = None
    last: Progress | None = None
    try:
        for record in trainer.run():
            if record.event == "batch":
                bar.update(record.epoch, record.epochs, record.batch, record.batches,
                           record.loss)
            elif record.event == "epoch":
                entry = {"epoch": record.epoch, "loss": record.loss,
                         "accuracy": record.accuracy, "val_loss": record.val_loss,
                         "val_accuracy": record.val_accuracy,
                         "seconds": record.seconds - previous}
                previous, last = record.seconds, record
                epochs.append(entry)
                bar.update(record.epoch, record.epochs, record.batches, record.batches,
                           record.loss)
                if not quiet:
                    bar.clear()
                    say(_row([fmt_number(entry[k]) if k != "epoch" else str(entry[k])
                              for k in _COLUMNS]))
            else:
                final = record
        if last is not None:  # the bar ends full, however fast the epochs were
            bar.update(last.epoch, last.epochs, last.batches, last.batches, last.loss,
                       force=True)
    finally:
        bar.close()
    if final is not None and final.event != "finished":
        note(final.message)
    return epochs


def _row(cells: Any) -> str:
    return "  ".join(str(c).rjust(6 if i == 0 else 12) for i, c in enumerate(cells))


def _save(project: Project, trainer: Trainer, config: TrainingConfig, ds: Dataset,
          class_names: list[str] | None, out: Path, target: Any) -> None:
    project.weights = trainer.model.get_weights()
    project.trained = True
    project.training = config
    data = data_dict(ds, out.resolve().parent, target if ds.source.get("type") == "csv" else None)
    data["class_names"] = class_names
    project.data = data
    project.split_seed = config.seed
    project.data_fingerprint = ds.fingerprint()
    project.history = [*project.history, *(history_entry(r) for r in trainer.history)]
    project.save(out)
