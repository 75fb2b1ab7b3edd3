"""``nndesigner info PROJECT``: layers, output shapes, parameter counts, loss, optimizer."""

from __future__ import annotations

import argparse

from .cli_output import emit_json, say, table
from .cli_project import data_info, load_project


def info(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    spec = project.network
    analysis = spec.check()  # never raises: an unfinished network is described too
    order = [*analysis.order, *(n for n in spec.layers if n not in analysis.order)]
    layers = []
    for name in order:
        shape = analysis.shapes.get(name)
        layers.append({
            "name": name,
            "type": spec.layers[name].type,
            "output_shape": list(shape) if shape is not None else None,
            "parameters": int(analysis.param_counts.get(name, 0)),
        })
    result = {"layers": layers, "loss": spec.loss, "optimizer": project.training.optimizer,
              "trained": bool(project.trained)}
    if args.json:
        emit_json(result)
        return 0
    _print(args.project, project, result, analysis)
    return 0


def _print(path: str, project, result: dict, analysis) -> None:
    spec = project.network
    title = f" ({spec.name})" if spec.name else ""
    say(f"{path}{title}: {'trained' if result['trained'] else 'not trained'}")
    say()
    rows = [[layer["name"], layer["type"], spec.layers[layer["name"]].activation,
             "×".join(map(str, layer["output_shape"])) if layer["output_shape"] else "?",
             layer["parameters"]] for layer in result["layers"]]
    say(table(["layer", "type", "activation", "output shape", "parameters"], rows, right=(4,)))
    say()
    cfg = project.training
    say(f"parameters: {analysis.total_params:,}")
    say(f"loss:       {spec.loss}")
    say(f"optimizer:  {cfg.optimizer} (lr {cfg.lr:g}, batch size {cfg.batch_size or 'all'}, "
        f"{cfg.epochs} epochs)")
    data = data_info(project)
    if data.class_names:
        say(f"classes:    {', '.join(data.class_names)}")
    for problem in analysis.problems:
        say(f"{problem.severity}: {problem}")
