"""Project files: one ``.nnd`` file holds everything needed to reopen a piece of work.

Format (``format_version`` 1). An ``.nnd`` file is a zip archive with two members:

``project.json``
    UTF-8 JSON, one object::

        {"format": "nndesigner-project", "format_version": 1,
         "versions": {"nndesigner": "0.1.0", "numpy": "2.4.6", "python": "3.11.7"},
         "network": {...},            # NetworkSpec.to_dict()
         "layout": {"positions": {"dense_1": [120.0, 40.0]}, ...},   # the GUI's, opaque
         "training": {...},           # TrainingConfig.to_dict()
         "data": {...} | null,        # data reference and preprocessing, opaque
         "split_seed": 0 | null, "data_fingerprint": "..." | null,
         "history": [{...}, ...],     # one Progress.summary() per epoch; NaN stored as null
         "trained": true,
         "weights_file": "weights.npz" | null}

``weights.npz``
    Present when the project has weights: NumPy arrays keyed ``"layer/param"`` as
    :meth:`engine.Model.get_weights` gives them (float32 or float64).

Reading never runs code: the JSON is parsed strictly, the arrays are parsed from their ``.npy``
headers with pickles refused (see :mod:`engine.io.archive`), and only the two names above are ever
read — other members, including path-traversal names, are ignored. Sizes are capped
(:class:`Limits`), weights must be finite and, when the network is valid, must have exactly the
shapes it needs. Every problem is a :class:`~engine.io.errors.ProjectError` that names the member
and the field. Input/output failures (no such file, no permission, disk full) stay ``OSError``.

Saving is atomic (:mod:`engine.io.atomic`) and deterministic: the same project gives the same
bytes. Older documents are upgraded on load by :data:`MIGRATIONS`, a registry of functions
``v → v + 1`` applied in turn; a document newer than :data:`FORMAT_VERSION` is refused.
"""

from __future__ import annotations

import os
import platform
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import __version__ as ENGINE_VERSION
from ..errors import EngineError
from ..graph import NetworkSpec
from ..model import Model
from ..training import Progress, TrainingConfig
from . import jsonsafe
from .archive import add_member, npz_bytes, open_zip, read_member, read_npz
from .atomic import atomic_writer
from .errors import ProjectError
from .weights import check_weights

PROJECT_EXTENSION = ".nnd"
FORMAT = "nndesigner-project"
FORMAT_VERSION = 1
PROJECT_MEMBER = "project.json"
WEIGHTS_MEMBER = "weights.npz"

#: ``MIGRATIONS[v]`` turns a version-``v`` document (a dict, ``format_version`` included) into a
#: version ``v + 1`` one. Format 1 is the first released format, so the registry starts empty;
#: when format 2 arrives, register ``MIGRATIONS[1]`` and bump :data:`FORMAT_VERSION`.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


@dataclass(frozen=True)
class Limits:
    """Caps applied while reading, so a hostile file cannot exhaust memory."""

    max_file_bytes: int = 3 * 2**30
    max_json_bytes: int = 64 * 2**20
    max_json_depth: int = 64
    max_weights_bytes: int = 2 * 2**30
    max_arrays: int = 100_000


def current_versions() -> dict[str, str]:
    """The versions written into a project file when it is saved."""
    return {
        "nndesigner": ENGINE_VERSION,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def migrate(
    doc: dict[str, Any],
    migrations: Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
    target: int = FORMAT_VERSION,
) -> dict[str, Any]:
    """Upgrade a document step by step to ``target``; raise ProjectError if a step is missing."""
    steps = MIGRATIONS if migrations is None else migrations
    version = doc.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ProjectError(
            f"{PROJECT_MEMBER}: format_version: expected a whole number ≥ 0, got {version!r}"
        )
    if version > target:
        raise ProjectError(
            f"{PROJECT_MEMBER}: format_version {version} is newer than this nndesigner "
            f"understands ({target}); update nndesigner to open it"
        )
    while version < target:
        step = steps.get(version)
        if step is None:
            raise ProjectError(
                f"{PROJECT_MEMBER}: format_version {version} is too old: no upgrade to "
                f"{version + 1} is known"
            )
        doc = step(dict(doc))
        if doc.get("format_version") != version + 1:
            raise AssertionError(f"migration {version} did not set format_version {version + 1}")
        version += 1
    return doc


def history_entry(record: Progress | Mapping[str, Any]) -> dict[str, Any]:
    """One epoch's summary as stored: :meth:`Progress.summary` (no arrays), NaN as None."""
    summary = record.summary() if isinstance(record, Progress) else dict(record)
    summary.pop("weights", None)
    return jsonsafe.clean(summary, "history entry", nonfinite_to_none=True)


@dataclass
class Project:
    """Everything saved in a project file; see the module docstring for the format.

    ``weights`` is None for a project without weights; ``trained`` says whether they come from
    training (a project may keep initial weights). ``versions`` is what wrote the loaded file;
    :meth:`save` always writes the running versions."""

    network: NetworkSpec
    layout: dict[str, Any] = field(default_factory=dict)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    data: dict[str, Any] | None = None
    split_seed: int | None = None
    data_fingerprint: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    weights: dict[str, np.ndarray] | None = None
    trained: bool = False
    versions: dict[str, str] = field(default_factory=current_versions)

    @classmethod
    def from_model(cls, model: Model, trained: bool = True, **fields: Any) -> Project:
        """A project holding ``model``'s network and a copy of its weights."""
        return cls(network=model.spec.copy(), weights=model.get_weights(), trained=trained,
                   **fields)

    def model(self, seed: int | None = 0, dtype: Any = np.float32) -> Model:
        """A model of the network with the stored weights (fresh ones from ``seed`` when the
        project has none). Raises InvalidNetworkError when the network has errors."""
        model = Model(self.network, seed=seed, dtype=dtype)
        if self.weights is not None:
            model.set_weights(self.weights)
        return model

    # -- writing -------------------------------------------------------------------------------

    def to_document(self) -> dict[str, Any]:
        """The ``project.json`` object (checked: raises ProjectError for values JSON cannot
        hold, naming them)."""
        if self.trained and self.weights is None:
            raise ProjectError("a trained project needs its weights (weights is None)")
        if self.split_seed is not None and (
            isinstance(self.split_seed, bool) or not isinstance(self.split_seed, int | np.integer)
        ):
            raise ProjectError(f"split_seed: expected a whole number, got {self.split_seed!r}")
        if self.data_fingerprint is not None and not isinstance(self.data_fingerprint, str):
            raise ProjectError("data_fingerprint: expected text")
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "versions": current_versions(),
            "network": self.network.to_dict(),
            "layout": jsonsafe.clean(self.layout, "layout"),
            "training": jsonsafe.clean(self.training.to_dict(), "training"),
            "data": jsonsafe.clean(self.data, "data"),
            "split_seed": None if self.split_seed is None else int(self.split_seed),
            "data_fingerprint": self.data_fingerprint,
            "history": [history_entry(h) for h in self.history],
            "trained": bool(self.trained),
            "weights_file": None if self.weights is None else WEIGHTS_MEMBER,
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the project atomically: on any failure the previous file is untouched."""
        # Everything that can fail on content fails here, before the file is opened; and what
        # is about to be written goes through load()'s own checks, so that save() never writes
        # a file that load() would refuse (a layout of the wrong shape, too deep a data dict…).
        limits = Limits()
        document = jsonsafe.dumps(self.to_document())
        if len(document) > limits.max_json_bytes:
            raise ProjectError(f"{PROJECT_MEMBER} would be {len(document):,} bytes, over the "
                               f"limit of {limits.max_json_bytes:,}")
        arrays = None
        if self.weights is not None:
            arrays = {k: np.asarray(v) for k, v in self.weights.items()}
        Project.from_document(
            jsonsafe.loads(document, f"{PROJECT_MEMBER}: ", limits.max_json_depth), arrays
        )
        blob = None if arrays is None else npz_bytes(arrays)
        if blob is not None and len(blob) > limits.max_weights_bytes:
            raise ProjectError(f"{WEIGHTS_MEMBER} would be {len(blob):,} bytes, over the limit "
                               f"of {limits.max_weights_bytes:,}")
        with atomic_writer(path) as f, zipfile.ZipFile(f, "w") as zf:
            add_member(zf, PROJECT_MEMBER, document)
            if blob is not None:
                # Already-dense float data barely compresses; storing it is much faster.
                add_member(zf, WEIGHTS_MEMBER, blob, compress=False)

    # -- reading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike[str], limits: Limits | None = None) -> Project:
        """Read a project file; raises ProjectError (with ``path`` set) when it is unusable."""
        limits = limits or Limits()
        size = os.path.getsize(path)
        if size > limits.max_file_bytes:
            raise ProjectError(
                f"the file is {size:,} bytes, over the limit of {limits.max_file_bytes:,}", path
            )
        try:
            with open(path, "rb") as f:
                return cls._read(open_zip(f, ""), limits)
        except ProjectError as exc:
            exc.path = path
            raise

    @classmethod
    def from_bytes(cls, data: bytes, limits: Limits | None = None) -> Project:
        """Read a project from the bytes of an ``.nnd`` file."""
        limits = limits or Limits()
        if len(data) > limits.max_file_bytes:
            raise ProjectError(f"{len(data):,} bytes, over the limit of {limits.max_file_bytes:,}")
        return cls._read(open_zip(data, ""), limits)

    @classmethod
    def _read(cls, zf: zipfile.ZipFile, limits: Limits) -> Project:
        raw = read_member(zf, PROJECT_MEMBER, limits.max_json_bytes, "")
        if raw is None:
            raise ProjectError(f"not an nndesigner project: the archive has no {PROJECT_MEMBER}")
        doc = jsonsafe.loads(raw, f"{PROJECT_MEMBER}: ", limits.max_json_depth)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ProjectError(
                f"{PROJECT_MEMBER}: not an nndesigner project (no \"format\": \"{FORMAT}\")"
            )
        doc = migrate(doc)
        weights = None
        if doc.get("weights_file") is not None:
            if doc["weights_file"] != WEIGHTS_MEMBER:
                raise ProjectError(
                    f"{PROJECT_MEMBER}: weights_file: expected \"{WEIGHTS_MEMBER}\" or null"
                )
            blob = read_member(zf, WEIGHTS_MEMBER, limits.max_weights_bytes, "")
            if blob is None:
                raise ProjectError(f"{WEIGHTS_MEMBER} is missing from the archive")
            weights = read_npz(
                blob, f"{WEIGHTS_MEMBER}: ", limits.max_weights_bytes, limits.max_arrays
            )
        return cls.from_document(doc, weights)

    @classmethod
    def from_document(
        cls, doc: dict[str, Any], weights: dict[str, np.ndarray] | None = None
    ) -> Project:
        """Build a project from a current-version document, checking every field."""
        where = f"{PROJECT_MEMBER}: "
        raw_network = doc.get("network")
        if isinstance(raw_network, dict) and not isinstance(raw_network.get("loss", ""), str):
            # NetworkSpec.from_dict would fail with a bare TypeError (unhashable) here.
            raise ProjectError(f"{where}network.loss: expected text")
        try:
            network = NetworkSpec.from_dict(raw_network)
        except EngineError as exc:
            raise ProjectError(f"{where}{exc}") from None
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # Anything NetworkSpec.from_dict did not anticipate is still a bad file, not a crash.
            raise ProjectError(f"{where}network: {type(exc).__name__}: {exc}") from None
        layout = _expect(doc, "layout", dict, {})
        positions = layout.get("positions", {})
        if not isinstance(positions, dict):
            raise ProjectError(f"{where}layout.positions: expected an object")
        for name, pos in positions.items():
            if not (
                isinstance(pos, list)
                and len(pos) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos)
            ):
                raise ProjectError(f"{where}layout.positions[{name!r}]: expected [x, y]")
        try:
            training = TrainingConfig.from_dict(_expect(doc, "training", dict, {}))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            reason = str(exc).removeprefix("training settings: ")
            raise ProjectError(f"{where}training: {reason}") from None
        data = _expect(doc, "data", dict, None)
        split_seed = _expect(doc, "split_seed", int, None)
        fingerprint = _expect(doc, "data_fingerprint", str, None)
        history = _expect(doc, "history", list, [])
        for i, entry in enumerate(history):
            if not isinstance(entry, dict):
                raise ProjectError(f"{where}history[{i}]: expected an object")
        trained = _expect(doc, "trained", bool, False)
        versions = _expect(doc, "versions", dict, {})
        if trained and weights is None:
            raise ProjectError(f"{where}trained is true but the project has no weights")
        if weights is not None:
            check_weights(weights, network, f"{WEIGHTS_MEMBER}: ", complete=True)
        return cls(
            network=network, layout=layout, training=training, data=data,
            split_seed=split_seed, data_fingerprint=fingerprint, history=history,
            weights=weights, trained=trained,
            versions={str(k): str(v) for k, v in versions.items()},
        )


def _expect(doc: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    """``doc[key]`` if it has type ``kind`` (or is null/absent: ``default``)."""
    value = doc.get(key)
    if value is None:
        return default
    # JSON true/false are Python bools, which are also ints: not a whole number here.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = {dict: "an object", list: "a list", int: "a whole number", str: "text",
                 bool: "true or false"}
        raise ProjectError(f"{PROJECT_MEMBER}: {key}: expected {names[kind]} or null")
    return value


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Same as ``project.save(path)``."""
    project.save(path)


def load_project(path: str | os.PathLike[str], limits: Limits | None = None) -> Project:
    """Same as ``Project.load(path)``."""
    return Project.load(path, limits)


__all__ = [
    "FORMAT_VERSION",
    "MIGRATIONS",
    "PROJECT_EXTENSION",
    "Limits",
    "Project",
    "current_versions",
    "history_entry",
    "load_project",
    "migrate",
    "save_project",
]
