"""``nndesigner new TEMPLATE -o OUT [--data DATA]``: a project from a bundled template.

With DATA the network is sized to the data: the Input takes the data's features (or
C×H×W images), the output layer gets one neuron per class (one per regression target; a
single sigmoid neuron stays for two classes). When the data's kind does not fit the
template's loss, the loss and the output activation are switched (several classes →
softmax + cross-entropy, regression → linear + MSE) and a note says so on stderr.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from engine import NetworkSpec
from engine.data import Dataset
from engine.io import Project

from .cli_data import load_dataset
from .cli_output import note, say
from .cli_project import CliError, data_dict, template_data
from .resources import Template, template


def new(args: argparse.Namespace) -> int:
    try:
        tpl = template(args.template)
    except KeyError as exc:
        raise CliError(exc.args[0]) from None
    spec = tpl.spec()
    out = Path(args.output)
    if args.data:
        shape = _input_shape(spec, tpl)
        ds = load_dataset(args.data, shape, fixed_channels=False)
        fit_to_data(spec, ds, tpl, args.data)
        data = data_dict(ds, out.resolve().parent)
    else:
        data = template_data(tpl.data)
    analysis = spec.check()
    if analysis.errors:
        problems = "; ".join(str(p) for p in analysis.errors)
        raise CliError(f"template {tpl.name} does not fit {args.data}: {problems}")
    # No layout: the GUI lays out layers without positions when it opens the project.
    Project(network=spec, training=tpl.training_config(), data=data).save(out)
    say(f"created {out} from template {tpl.name} "
        f"(input {_fmt(analysis.shapes[analysis.input])}, "
        f"output {_fmt(analysis.shapes[analysis.output])}, loss {spec.loss})")
    return 0


def _fmt(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def _input_shape(spec: NetworkSpec, tpl: Template) -> tuple[int, ...]:
    analysis = spec.check()
    if analysis.input is None or analysis.output is None:
        raise CliError(f"template {tpl.name} has no single Input and output layer")
    return tuple(spec.layers[analysis.input].params["shape"])


def fit_to_data(spec: NetworkSpec, ds: Dataset, tpl: Template, label: str) -> None:
    """Resize the Input and the output layer of ``spec`` (in place) to the data set."""
    analysis = spec.check()
    inp, out = analysis.input, analysis.output
    old = tuple(spec.layers[inp].params["shape"])
    if (len(old) == 3) != ds.is_image:
        takes = "images" if len(old) == 3 else "rows of features"
        holds = "images" if ds.is_image else "rows of features"
        raise CliError(f"template {tpl.name} takes {takes}, but {label} holds {holds}: choose "
                       f"a template for {holds}")
    spec.set_params(inp, shape=list(ds.input_shape))
    layer = spec.layers[out]
    if layer.type != "Dense":
        raise CliError(f"template {tpl.name}: the output layer {out} is a {layer.type}, not a "
                       "Dense layer, so it cannot be sized to the data")
    act, units = layer.activation, layer.params["units"]
    if ds.is_classification:
        if ds.n_classes == 2 and units == 1 and act in ("sigmoid", "step"):
            return  # one yes/no neuron already fits two classes
        if spec.loss != "cross_entropy" or act != "softmax":
            spec.loss = "cross_entropy"
            spec.set_params(out, activation="softmax")
            note(f"{label} has {ds.n_classes} classes: the output layer '{out}' now uses "
                 "softmax and the loss is cross_entropy")
        spec.set_params(out, units=ds.n_classes)
        return
    if spec.loss not in ("mse", "mae") or act in ("softmax", "sigmoid", "step"):
        spec.loss = "mse" if spec.loss not in ("mse", "mae") else spec.loss
        spec.set_params(out, activation="linear")
        note(f"{label} is a regression data set: the output layer '{out}' now is linear and "
             f"the loss is {spec.loss}")
    spec.set_params(out, units=ds.n_outputs)
