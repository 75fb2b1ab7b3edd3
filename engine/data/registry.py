"""The bundled data sets by name: generated from a seed, never downloaded.

:func:`list_datasets` describes each (name, kind, input shape, classes, one line, and its
parameters as :class:`~engine.catalog.ParamSpec` with defaults and ranges, for a form);
:func:`load_bundled` makes one. The returned data set's ``source`` records the name, every
parameter value and the seed, so that a project can make exactly the same data again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..catalog import ParamSpec
from ..errors import DataError, SpecError
from . import digits, synthetic, teaching
from .dataset import Dataset
from .progress import CancelFlag, Monitor, ProgressCallback


@dataclass(frozen=True)
class BundledInfo:
    """What the data panel shows about one bundled data set before it is made.

    ``input_shape`` and ``class_names`` are those at the default parameters (spirals and
    blobs take their number of classes from ``arms`` and ``classes``)."""

    name: str
    title: str
    group: str
    kind: str
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...] | None
    description: str
    params: tuple[ParamSpec, ...]

    @property
    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "title": self.title, "group": self.group, "kind": self.kind,
            "input_shape": list(self.input_shape),
            "class_names": list(self.class_names) if self.class_names else None,
            "description": self.description,
            "params": [{"name": p.name, "kind": p.kind, "default": p.default, "help": p.help,
                        "minimum": p.minimum, "maximum": p.maximum} for p in self.params],
        }


def _n(default: int, low: int = 4, high: int = 100_000) -> ParamSpec:
    return ParamSpec("n_samples", "int", default, "number of samples", low, high)


def _noise(default: float, high: float = 1.0, help: str = "") -> ParamSpec:
    return ParamSpec("noise", "float", default,
                     help or "standard deviation of the jitter added to every point", 0.0, high)


_ENTRIES: list[tuple[BundledInfo, Callable[..., Dataset]]] = [
    (BundledInfo("xor", "XOR", "2-D", "classification", (2,), ("same sign", "opposite signs"),
                 "four quadrants: the classic problem one neuron cannot solve",
                 (_n(200), _noise(0.1))), synthetic.xor),
    (BundledInfo("circles", "Circles", "2-D", "classification", (2,), ("inside", "outside"),
                 "a disc inside a ring", (_n(200), _noise(0.05))), synthetic.circles),
    (BundledInfo("moons", "Moons", "2-D", "classification", (2,),
                 ("upper moon", "lower moon"), "two interleaving half circles",
                 (_n(200), _noise(0.1))), synthetic.moons),
    (BundledInfo("spirals", "Spirals", "2-D", "classification", (2,), ("arm 1", "arm 2"),
                 "interleaved spiral arms: hard, needs a deeper network",
                 (_n(300), _noise(0.05),
                  ParamSpec("arms", "int", 2, "number of arms (classes)", 2, 10),
                  ParamSpec("turns", "float", 1.25, "how often each arm winds", 0.25, 5.0))),
     synthetic.spirals),
    (BundledInfo("blobs", "Gaussian blobs", "2-D", "classification", (2,),
                 ("blob 1", "blob 2", "blob 3"), "round clouds, one per class",
                 (_n(200), _noise(0.15, help="spread of each cloud"),
                  ParamSpec("classes", "int", 3, "number of clouds (classes)", 2, 10))),
     synthetic.blobs),
    (BundledInfo("linear", "Linearly separable", "2-D", "classification", (2,),
                 ("below", "above"), "two classes a straight line separates: one neuron is "
                 "enough", (_n(200), _noise(0.0),
                            ParamSpec("margin", "float", 0.1, "empty band around the line",
                                      0.0, 0.5))),
     synthetic.linear),
    (BundledInfo("smiley", "Smiley or frowny (7×7)", "pictures", "classification", (1, 7, 7),
                 ("smiley", "frowny"), "7×7 black-and-white faces: 49 input neurons",
                 (_n(200, 2), _noise(0.05, 0.5, "chance that a pixel is flipped"),
                  ParamSpec("shift", "int", 0, "random shift in pixels", 0, 2))),
     lambda **p: teaching.patterns(shapes=("smiley", "frowny"), **p)),
    (BundledInfo("shapes", "Shapes (7×7)", "pictures", "classification", (1, 7, 7),
                 teaching.SHAPES, "six 7×7 black-and-white shapes",
                 (_n(300, 6), _noise(0.05, 0.5, "chance that a pixel is flipped"),
                  ParamSpec("shift", "int", 0, "random shift in pixels", 0, 2))),
     lambda **p: teaching.patterns(shapes=teaching.SHAPES, **p)),
    (BundledInfo("digits", "Handwritten digits (28×28)", "pictures", "classification",
                 (1, 28, 28), tuple(digits.CLASS_NAMES),
                 "digits 0–9 drawn by the app, MNIST style",
                 (_n(10000, 10, 1_000_000),
                  ParamSpec("rotation", "float", digits.DEFAULTS["rotation"],
                            "largest rotation, degrees", 0.0, 45.0),
                  ParamSpec("slant", "float", digits.DEFAULTS["slant"], "largest slant", 0.0, 1.0),
                  ParamSpec("elastic", "float", digits.DEFAULTS["elastic"],
                            "wobble of the strokes", 0.0, 0.2),
                  ParamSpec("blur", "float", digits.DEFAULTS["blur"],
                            "strength of occasional blur and coarseness", 0.0, 3.0))),
     digits.digits),
    (BundledInfo("trip_insurance", "Trip insurance", "tables", "classification", (5,),
                 ("no", "yes"), "does a traveller buy trip insurance? five features",
                 (_n(300, 2), _noise(0.5, 5.0, "randomness of the decisions"),
                  ParamSpec("scaled", "bool", True, "scale features to 0…1"))),
     teaching.trip_insurance),
    (BundledInfo("sine", "Noisy sine", "regression", "regression", (1,), None,
                 "y = sin(πx) + 0.3x² + noise: fit a curve", (_n(200, 2), _noise(0.1, 5.0))),
     teaching.sine),
    (BundledInfo("house_prices", "House prices", "regression", "regression", (4,), None,
                 "a price from area, rooms, age and distance",
                 (_n(500, 2), _noise(0.1, 1.0, "relative noise of the prices"),
                  ParamSpec("scaled", "bool", True, "scale features to 0…1"))),
     teaching.house_prices),
]
_REGISTRY = {info.name: (info, make) for info, make in _ENTRIES}


def list_datasets() -> list[BundledInfo]:
    """Every bundled data set, in menu order."""
    return [info for info, _ in _ENTRIES]


def bundled_info(name: str) -> BundledInfo:
    try:
        return _REGISTRY[name][0]
    except KeyError:
        raise DataError(
            f"there is no bundled data set named {name!r} (known: {', '.join(_REGISTRY)})"
        ) from None


def load_bundled(
    name: str,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag = None,
    **params: Any,
) -> Dataset:
    """Make the bundled data set ``name`` with ``params`` (defaults from its
    :class:`BundledInfo`) and ``seed``. Raises DataError for an unknown name, parameter or
    value."""
    info = bundled_info(name)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DataError(f"the seed must be a whole number ≥ 0, got {seed!r}")
    specs = {p.name: p for p in info.params}
    unknown = sorted(set(params) - set(specs))
    if unknown:
        raise DataError(
            f"{name}: unknown parameter(s) {', '.join(unknown)} (known: {', '.join(specs)})"
        )
    values = {}
    for pname, spec in specs.items():
        try:
            values[pname] = spec.validate(params.get(pname, spec.default), name)
        except SpecError as exc:
            raise DataError(str(exc)) from None
    make = _REGISTRY[name][1]
    if name == "digits":  # the only slow one reports progress itself
        ds = make(seed=seed, progress=progress, cancelled=cancelled, **values)
    else:
        monitor = Monitor(name, 1, progress, cancelled)
        monitor.check()
        ds = make(seed=seed, **values)
        monitor.finish()
    ds.name = name
    ds.source = {"type": "bundled", "name": name, "params": values, "seed": seed}
    return ds
