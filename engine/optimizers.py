"""Optimisers and learning-rate schedules.

``Optimizer(params, lr=…).step()`` moves every parameter against its gradient; each optimiser
keeps its own per-parameter state. For equal hyper-parameters the updates equal torch.optim's:

* SGD:       g ← g + λw;  with momentum μ: v ← μv + g (v = g at the first step);
             Nesterov: g ← g + μv, else g ← v;  w ← w − lr·g
* RMSprop:   g ← g + λw;  s ← αs + (1 − α)g²;  w ← w − lr·g / (√s + ε)
* Adam:      g ← g + λw;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
             w ← w − lr·(m / (1 − β₁ᵗ)) / (√v / √(1 − β₂ᵗ) + ε)
* AdamW:     w ← w·(1 − lr·λ), then Adam without the λw term

``lr`` may be changed between steps (schedules and the GUI do).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .layers import Parameter

#: Values per block of the plain SGD update (128 KiB of float32: stays in cache).
_BLOCK = 32768


def _check(name: str, value: float, low: float, high: float | None = None,
           open_low: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < low or (open_low and value == low) or (high is not None and value >= high):
        bound = f"> {low}" if open_low else f"≥ {low}"
        rng = f"{bound}" + (f" and < {high}" if high is not None else "")
        raise ValueError(f"{name} must be {rng}, got {value!r}")
    return float(value)


class Optimizer:
    name = ""

    def __init__(self, params: Sequence[Parameter], lr: float, weight_decay: float = 0.0) -> None:
        self.params = list(params)
        self.lr = lr
        self.weight_decay = _check("weight_decay", weight_decay, 0.0)
        self.steps = 0
        self._scratch = [np.empty_like(p.value) for p in self.params]

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check("learning rate", value, 0.0, open_low=True)

    #: True when :meth:`step` can take gradients already multiplied by the learning rate
    #: (``grad_scale=lr``), which saves it a pass over every parameter.
    @property
    def takes_scaled_gradients(self) -> bool:
        return False

    def step(self, grad_scale: float = 1.0) -> None:
        """Update every parameter; ``grad_scale`` says what ``p.grad`` holds: the gradient
        times ``grad_scale`` (only where :attr:`takes_scaled_gradients`)."""
        if grad_scale != 1.0:
            raise ValueError(f"the {self.name} optimiser needs unscaled gradients")
        self.steps += 1
        for i, p in enumerate(self.params):
            self._update(i, p)

    def _grad_with_decay(self, i: int, p: Parameter) -> np.ndarray:
        if not self.weight_decay:
            return p.grad
        g = self._scratch[i]
        np.multiply(p.value, p.value.dtype.type(self.weight_decay), out=g)
        g += p.grad
        return g

    def _update(self, i: int, p: Parameter) -> None:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """Hyper-parameters, enough to rebuild it with :func:`make`."""
        return {"name": self.name, "lr": self.lr, "weight_decay": self.weight_decay}

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Per-parameter state (momentum buffers…), keyed ``"layer/param/kind"``."""
        return {}


class SGD(Optimizer):
    name = "sgd"

    def __init__(self, params, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = _check("momentum", momentum, 0.0, 1.0)
        if nesterov and self.momentum == 0:
            raise ValueError("Nesterov momentum needs a momentum > 0")
        self.nesterov = bool(nesterov)
        self._velocity: list[np.ndarray | None] = [None] * len(self.params)
        self._plan: tuple[list, list] | None = None  # see _blocks

    @property
    def takes_scaled_gradients(self) -> bool:
        return not (self.momentum or self.weight_decay)

    def step(self, grad_scale: float = 1.0) -> None:
        if not self.takes_scaled_gradients:
            super().step(grad_scale)
            return
        self.steps += 1
        factor = self.lr / grad_scale
        if factor == 1.0:
            # The gradients were computed already multiplied by lr: w -= g, one pass.
            for p in self.params:
                np.subtract(p.value, p.grad, out=p.value)
            return
        # w -= lr·g, block by block through a small scratch buffer, so the scaled gradient
        # is read back from cache, not from memory.
        for g, step, w in self._blocks():
            np.multiply(g, w.dtype.type(factor), out=step)
            np.subtract(w, step, out=w)

    def _blocks(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(gradient, scratch, weight) views of every parameter in blocks of _BLOCK values;
        rebuilt if a parameter's arrays were replaced."""
        arrays = [(p.value, p.grad) for p in self.params]
        plan = self._plan
        if plan is not None and all(
            v is v0 and g is g0 for (v, g), (v0, g0) in zip(arrays, plan[0], strict=True)
        ):
            return plan[1]
        blocks = []
        for (v, g), scratch in zip(arrays, self._scratch, strict=True):
            if not (v.flags.c_contiguous and g.flags.c_contiguous):
                blocks.append((g, scratch, v))  # flat views would be copies
                continue
            vf, gf, sf = v.reshape(-1), g.reshape(-1), scratch.reshape(-1)
            for i in range(0, vf.size, _BLOCK):
                blk = slice(i, i + _BLOCK)
                blocks.append((gf[blk], sf[: min(_BLOCK, vf.size - i)], vf[blk]))
        self._plan = (arrays, blocks)
        return blocks

    def _update(self, i, p):
        g = self._grad_with_decay(i, p)
        dtype = p.value.dtype.type
        if self.momentum:
            v = self._velocity[i]
            if v is None:
                v = self._velocity[i] = g.copy()
            else:
                v *= dtype(self.momentum)
                v += g
            if self.nesterov:
                scratch = self._scratch[i]
                if g is scratch:  # g holds the decayed gradient already
                    g += dtype(self.momentum) * v
                else:
                    np.multiply(v, dtype(self.momentum), out=scratch)
                    scratch += g
                    g = scratch
            else:
                g = v
        # w -= lr·g through the scratch buffer: no temporary the size of w, and neither the
        # gradient nor the velocity is modified.
        step = self._scratch[i]
        np.multiply(g, dtype(self.lr), out=step)
        p.value -= step

    def config(self):
        return {**super().config(), "momentum": self.momentum, "nesterov": self.nesterov}

    def state_arrays(self):
        return {f"{p.key}/velocity": v.copy() for p, v in zip(self.params, self._velocity,
                                                              strict=True) if v is not None}


class Momentum(SGD):
    """SGD with momentum 0.9 by default (the ``momentum`` choice of the command line)."""

    name = "momentum"

    def __init__(self, params, lr: float = 0.01, momentum: float = 0.9, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, momentum, nesterov, weight_decay)


class RMSprop(Optimizer):
    name = "rmsprop"

    def __init__(self, params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        self.alpha = _check("alpha", alpha, 0.0, 1.0)
        self.eps = _check("eps", eps, 0.0, open_low=True)
        self._sq = [np.zeros_like(p.value) for p in self.params]

    def _update(self, i, p):
        g = self._grad_with_decay(i, p)
        dtype = p.value.dtype.type
        s = self._sq[i]
        s *= dtype(self.alpha)
        s += dtype(1 - self.alpha) * g * g
        p.value -= dtype(self.lr) * g / (np.sqrt(s) + dtype(self.eps))

    def config(self):
        return {**super().config(), "alpha": self.alpha, "eps": self.eps}

    def state_arrays(self):
        return {f"{p.key}/square_avg": s.copy() for p, s in zip(self.params, self._sq,
                                                                strict=True)}


class Adam(Optimizer):
    name = "adam"
    decoupled = False

    def __init__(self, params, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        self.beta1 = _check("beta1", beta1, 0.0, 1.0)
        self.beta2 = _check("beta2", beta2, 0.0, 1.0)
        self.eps = _check("eps", eps, 0.0, open_low=True)
        self._m = [np.zeros_like(p.value) for p in self.params]
        self._v = [np.zeros_like(p.value) for p in self.params]

    def _grad_with_decay(self, i, p):
        if self.decoupled:
            return p.grad
        return super()._grad_with_decay(i, p)

    def _update(self, i, p):
        dtype = p.value.dtype.type
        if self.decoupled and self.weight_decay:
            p.value *= dtype(1 - self.lr * self.weight_decay)  # AdamW: decay the weight itself
        g = self._grad_with_decay(i, p)
        m, v = self._m[i], self._v[i]
        m *= dtype(self.beta1)
        m += dtype(1 - self.beta1) * g
        v *= dtype(self.beta2)
        v += dtype(1 - self.beta2) * g * g
        t = self.steps
        bc1 = 1 - self.beta1**t
        bc2 = 1 - self.beta2**t
        denom = np.sqrt(v) / dtype(math.sqrt(bc2))
        denom += dtype(self.eps)
        p.value -= dtype(self.lr / bc1) * m / denom

    def config(self):
        return {**super().config(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def state_arrays(self):
        out = {}
        for p, m, v in zip(self.params, self._m, self._v, strict=True):
            out[f"{p.key}/exp_avg"] = m.copy()
            out[f"{p.key}/exp_avg_sq"] = v.copy()
        return out


class AdamW(Adam):
    name = "adamw"
    decoupled = True

    def __init__(self, params, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.01) -> None:
        super().__init__(params, lr, beta1, beta2, eps, weight_decay)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, RMSprop, Adam, AdamW)
}


def make(params: Sequence[Parameter], name: str = "sgd", **kwargs: Any) -> Optimizer:
    """Build an optimiser by name (sgd, momentum, rmsprop, adam, adamw)."""
    cls = OPTIMIZERS.get(name)
    if cls is None:
        raise ValueError(f"unknown optimizer '{name}' (known: {', '.join(OPTIMIZERS)})")
    try:
        return cls(params, **kwargs)
    except TypeError as exc:
        raise ValueError(f"optimizer '{name}': {exc}") from None


# ---------------------------------------------------------------------------------------------
# Learning-rate schedules: a factor of the base learning rate for each epoch (0-based).


class Schedule:
    """Constant by default. ``factor(epoch)`` multiplies the base learning rate."""

    name = "constant"

    def factor(self, epoch: int) -> float:
        return 1.0

    def config(self) -> dict[str, Any]:
        return {"name": self.name}


class StepSchedule(Schedule):
    """Multiply by ``gamma`` every ``step_size`` epochs (torch StepLR)."""

    name = "step"

    def __init__(self, step_size: int = 10, gamma: float = 0.5) -> None:
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError("step schedule: step_size must be a whole number ≥ 1")
        self.step_size = step_size
        self.gamma = _check("gamma", gamma, 0.0, open_low=True)

    def factor(self, epoch):
        return self.gamma ** (epoch // self.step_size)

    def config(self):
        return {"name": self.name, "step_size": self.step_size, "gamma": self.gamma}


class ExponentialSchedule(Schedule):
    """Multiply by ``gamma`` every epoch (torch ExponentialLR)."""

    name = "exponential"

    def __init__(self, gamma: float = 0.95) -> None:
        self.gamma = _check("gamma", gamma, 0.0, open_low=True)

    def factor(self, epoch):
        return self.gamma**epoch

    def config(self):
        return {"name": self.name, "gamma": self.gamma}


class CosineSchedule(Schedule):
    """Half a cosine from 1 down to ``min_factor`` over ``epochs`` (torch CosineAnnealingLR)."""

    name = "cosine"

    def __init__(self, epochs: int = 50, min_factor: float = 0.0) -> None:
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError("cosine schedule: epochs must be a whole number ≥ 1")
        self.epochs = epochs
        self.min_factor = _check("min_factor", min_factor, 0.0, 1.0 + 1e-12)

    def factor(self, epoch):
        t = min(epoch, self.epochs) / self.epochs
        return self.min_factor + (1 - self.min_factor) * 0.5 * (1 + math.cos(math.pi * t))

    def config(self):
        return {"name": self.name, "epochs": self.epochs, "min_factor": self.min_factor}


SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls for cls in (Schedule, StepSchedule, ExponentialSchedule, CosineSchedule)
}


def make_schedule(config: str | dict[str, Any] | Schedule | None) -> Schedule:
    if config is None:
        return Schedule()
    if isinstance(config, Schedule):
        return config
    if isinstance(config, str):
        config = {"name": config}
    name = config.get("name", "constant")
    cls = SCHEDULES.get(name)
    if cls is None:
        raise ValueError(f"unknown schedule '{name}' (known: {', '.join(SCHEDULES)})")
    try:
        return cls(**{k: v for k, v in config.items() if k != "name"})
    except TypeError as exc:
        raise ValueError(f"schedule '{name}': {exc}") from None
