"""Typed errors and problems. Every message says what is wrong, where, and what to try."""

from __future__ import annotations

from dataclasses import dataclass


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class SpecError(EngineError, ValueError):
    """A malformed network description: unknown type, bad parameter value, bad structure."""


@dataclass(frozen=True)
class Problem:
    """One reason a network cannot run as drawn, attached to the layer or edge at fault.

    ``severity`` is ``"error"`` (the network cannot be built) or ``"warning"`` (it can, but
    probably not as the user intends). ``edge`` is ``(source, target)`` when a connection is
    at fault, and ``layer`` is then the target.
    """

    code: str
    message: str
    fix: str = ""
    layer: str | None = None
    edge: tuple[str, str] | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.layer}: " if self.layer else ""
        fix = f" — {self.fix}" if self.fix else ""
        return f"{where}{self.message}{fix}"


class InvalidNetworkError(EngineError, ValueError):
    """Raised when a model is built from a spec that has errors; carries every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = [p for p in problems if p.severity == "error"]
        lines = "\n".join(f"  • {p}" for p in self.problems)
        super().__init__(f"the network has {len(self.problems)} problem(s):\n{lines}")


class TrainingError(EngineError):
    """Training cannot go on: bad data for the network, or a numeric blow-up."""


class TrainingDiverged(TrainingError):
    """The loss, a gradient or a weight became NaN or infinite. The weights are those from
    before the failing batch (the update that would have spoiled them was not applied)."""

    def __init__(self, message: str, epoch: int, batch: int, layer: str | None = None) -> None:
        self.epoch = epoch
        self.batch = batch
        self.layer = layer
        super().__init__(message)


class DataError(EngineError, ValueError):
    """Data that does not fit: wrong shape, wrong dtype, labels out of range, unreadable file."""
