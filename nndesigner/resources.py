"""Where the bundled resources live, and the example-project templates."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import NetworkSpec, TrainingConfig

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
TEMPLATES = RESOURCES / "templates"
DEFAULT_TEMPLATE = "xor"


@dataclass(frozen=True)
class Template:
    """A bundled example project: a network, training settings and a data reference."""

    name: str
    title: str
    description: str
    network: dict[str, Any]
    training: dict[str, Any]
    data: dict[str, Any]
    order: int = 0

    def spec(self) -> NetworkSpec:
        return NetworkSpec.from_dict(self.network)

    def training_config(self) -> TrainingConfig:
        return TrainingConfig.from_dict(self.training)


def list_templates() -> list[Template]:
    templates = []
    for path in TEMPLATES.glob("*.json"):
        raw = json.loads(path.read_text(encoding="utf-8"))
        templates.append(Template(**raw))
    return sorted(templates, key=lambda t: (t.order, t.name))


def template(name: str) -> Template:
    for t in list_templates():
        if t.name == name:
            return t
    known = ", ".join(t.name for t in list_templates())
    raise KeyError(f"unknown template '{name}' (known: {known})")
