"""Between the Document and project files: save, open, start from a template."""

from __future__ import annotations

import os
from pathlib import Path

from engine.io.project import Project

from .canvas.layout import layered_layout
from .document import Document
from .resources import Template


def document_to_project(doc: Document) -> Project:
    positions = {name: [float(x), float(y)] for name, (x, y) in doc.positions.items()}
    return Project(
        network=doc.spec.copy(),
        layout={"positions": positions, **doc.extra.get("layout", {})},
        training=doc.training,
        data=doc.data or None,
        split_seed=doc.extra.get("split_seed"),
        data_fingerprint=doc.extra.get("data_fingerprint"),
        history=list(doc.history),
        weights=doc.weights,
        trained=bool(doc.weights) and bool(doc.extra.get("trained", True)),
    )


def save_document(doc: Document, path: str | os.PathLike[str]) -> None:
    """Write the document atomically (the previous file survives any failure)."""
    document_to_project(doc).save(path)


def project_positions(project: Project) -> dict[str, tuple[float, float]]:
    raw = project.layout.get("positions", {}) if isinstance(project.layout, dict) else {}
    positions = {}
    for name, value in raw.items():
        if (isinstance(value, list | tuple) and len(value) == 2
                and all(isinstance(v, int | float) for v in value)):
            positions[name] = (float(value[0]), float(value[1]))
    missing = [n for n in project.network.layers if n not in positions]
    if missing:
        auto = layered_layout(project.network)
        for n in missing:
            positions[n] = auto[n]
    return positions


def load_into(doc: Document, path: str | os.PathLike[str]) -> None:
    """Open a project file into the document. Raises ProjectError/OSError, leaving the
    document untouched."""
    project = Project.load(path)
    extra_layout = {k: v for k, v in project.layout.items() if k != "positions"}
    doc.load(
        project.network,
        positions=project_positions(project),
        weights=project.weights,
        training=project.training,
        data=project.data or {},
        history=project.history,
        path=Path(path),
        extra={
            "layout": extra_layout,
            "split_seed": project.split_seed,
            "data_fingerprint": project.data_fingerprint,
            "trained": project.trained,
        },
    )


def load_template(doc: Document, template: Template) -> None:
    spec = template.spec()
    doc.load(spec, positions=layered_layout(spec), training=template.training_config(),
             data=template.data, path=None)
