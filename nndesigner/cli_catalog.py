"""``nndesigner templates`` and ``nndesigner datasets``: what comes with the app."""

from __future__ import annotations

import argparse

from engine.data import list_datasets

from .cli_output import emit_json, say, table
from .resources import list_templates


def templates(args: argparse.Namespace) -> int:
    items = [{"name": t.name, "title": t.title, "description": t.description}
             for t in list_templates()]
    if args.json:
        emit_json({"templates": items})
    else:
        say(table(["name", "title", "description"],
                  [[t["name"], t["title"], t["description"]] for t in items]))
    return 0


def datasets(args: argparse.Namespace) -> int:
    items = [
        {"name": d.name, "kind": d.kind, "shape": list(d.input_shape),
         "classes": list(d.class_names) if d.class_names else None,
         "description": d.description}
        for d in list_datasets()
    ]
    if args.json:
        emit_json({"datasets": items})
        return 0
    rows = [[d["name"], d["kind"], "×".join(map(str, d["shape"])),
             len(d["classes"]) if d["classes"] else "-", d["description"]] for d in items]
    say(table(["name", "kind", "shape", "classes", "description"], rows, right=(3,)))
    return 0
