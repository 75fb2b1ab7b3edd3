"""Projects on the command line: loading, building the model, and the ``data`` dict.

The CLI keeps what it needs to use a network again in ``Project.data`` (opaque to the
engine; the GUI keeps it as it is)::

    {"source": "csv" | "image_folder" | "npz" | "bundled" | "onnx",
     "name": "trips",                      # the data set's name (file stem, bundled name)
     "kind": "classification" | "regression",
     "class_names": ["no", "yes"] | null,  # output index → label
     "target": "bought" | null,            # the CSV target column trained on
     "preprocessing": {...},               # how raw inputs became network inputs
     "reference": {...}}                   # Dataset.to_dict(): reload the training data

``reference`` is what the GUI's data panel stores and loads back (it also keeps a ``split``);
projects saved by the GUI, and templates (a bare reference), are read through it. A
template's reference gets its ``kind`` and ``class_names`` when it names a bundled set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import DataError, InvalidNetworkError, Model
from engine.data import Dataset, bundled_info
from engine.io import Project, ProjectError

from .cli_output import warn


class CliError(Exception):
    """A failure the command line reports as ``nndesigner: error: …`` (exit status 1)."""


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read a project file; a missing file or folder is an error naming it."""
    p = Path(path)
    if not p.exists():
        raise CliError(f"{path}: no such project file")
    if p.is_dir():
        raise CliError(f"{path}: is a folder, not a project file")
    try:
        return Project.load(p)
    except ProjectError as exc:
        exc.path = p  # the message then says which file
        raise


@dataclass
class DataInfo:
    """The parts of ``Project.data`` the commands use, checked (bad values are ignored)."""

    kind: str | None = None
    class_names: list[str] | None = None
    preprocessing: dict[str, Any] | None = None
    target: str | list[str] | None = None

    @property
    def table(self) -> dict[str, Any] | None:
        """The stored CSV preprocessing, if the project was trained on a table."""
        prep = self.preprocessing
        return prep if prep and prep.get("type") == "table" and "features" in prep else None


def data_info(project: Project) -> DataInfo:
    """What the project says about its data: the CLI's keys first, else the reference's
    (projects saved by the GUI hold ``{"reference": Dataset.to_dict(), "split": ...}``,
    templates a bare reference)."""
    data = project.data if isinstance(project.data, dict) else {}
    ref = _reference(data)

    def pick(key: str) -> Any:
        return data[key] if key in data else ref.get(key)

    kind = pick("kind") if pick("kind") in ("classification", "regression") else None
    names = pick("class_names")
    if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
        names = None
    prep = pick("preprocessing")
    prep = prep if isinstance(prep, dict) else None
    target = data.get("target") if "target" in data else _reference_target(ref)
    if not (isinstance(target, str) or (
            isinstance(target, list) and target and all(isinstance(t, str) for t in target))):
        target = None
    return DataInfo(kind, names, prep, target)


def _reference(data: dict[str, Any]) -> dict[str, Any]:
    ref = data.get("reference")
    if isinstance(ref, dict):
        return ref
    return data if isinstance(data.get("source"), dict) else {}


def _reference_target(ref: dict[str, Any]) -> Any:
    """The target column of a CSV reference (a bundled table's names no user file has)."""
    source = ref.get("source")
    if not isinstance(source, dict) or source.get("type") != "csv":
        return None
    prep = ref.get("preprocessing")
    target = prep.get("target") if isinstance(prep, dict) else None
    return target.get("name") if isinstance(target, dict) else None


def data_dict(ds: Dataset, base_dir: Path, target: Any = None) -> dict[str, Any]:
    """What a project stores about the data it was made or trained with."""
    source = ds.source.get("type", "arrays")
    if source == "csv" and target is None:
        target = ds.preprocessing.get("target", {}).get("name")
    return {
        "source": source,
        "name": ds.name,
        "kind": ds.kind,
        "class_names": ds.class_names,
        "target": target if source == "csv" else None,
        "preprocessing": ds.preprocessing,
        "reference": ds.to_dict(base_dir=base_dir),
    }


def template_data(data: dict[str, Any]) -> dict[str, Any]:
    """A template's data reference with its kind and class names filled in when it names a
    bundled data set (the GUI loads the reference; the CLI needs the class names)."""
    out = dict(data)
    source = data.get("source")
    name = source.get("name") if isinstance(source, dict) and source.get("type") == "bundled" \
        else None
    if name is None:
        return out
    try:
        info = bundled_info(str(name))
    except DataError:
        return out  # a set this version does not bundle: keep the reference as it is
    out.setdefault("kind", info.kind)
    out.setdefault("class_names", list(info.class_names) if info.class_names else None)
    return out


def build_model(project: Project, seed: int, path: str) -> tuple[Model, bool]:
    """The project's network with its weights when it has fitting ones (True), else with
    initial weights drawn from ``seed`` (False)."""
    try:
        model = Model(project.network, seed=seed)
    except InvalidNetworkError as exc:
        raise CliError(f"{path}: {exc}") from None
    if project.weights is None:
        return model, False
    try:
        model.set_weights(project.weights)
    except DataError as exc:
        warn(f"the saved weights do not fit the network ({exc}); starting from new weights")
        return Model(project.network, seed=seed), False
    return model, True


def model_for_use(project: Project, path: str) -> Model:
    """The model evaluate, predict and export use; warns when it was never trained."""
    model, has_weights = build_model(project, project.training.seed, path)
    if not project.trained or not has_weights:
        warn(f"{path} is not trained: its outputs come from the initial weights")
    return model
