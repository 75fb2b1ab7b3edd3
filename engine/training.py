"""Training as a generator of progress records, with cooperative stop, pause and step.

    trainer = Trainer(model, x, y, TrainingConfig(epochs=20, lr=0.1))
    for record in trainer.run():        # or: for record in fit(model, x, y, epochs=20): ...
        if record.event == "epoch":
            print(record.epoch, record.loss, record.val_loss)

``run()`` yields one :class:`Progress` per batch (``event="batch"``) and one per epoch
(``"epoch"``), then a final record (``"finished"``, ``"stopped"``, ``"early_stopped"``,
``"converged"`` or ``"not_separable"``). Another thread may call :class:`TrainingControl`'s
``stop``/``pause``/``resume``/``step`` and the trainer's ``set_learning_rate``/``set_optimizer``;
they take effect between batches.

Every batch's gradient norms are measured (they are the NaN check) and the update follows, so
NaN or infinity raises :class:`TrainingDiverged` *before* the update that would spoil the
weights — except with plain SGD (no momentum, no weight decay), which is faster:

* the model computes gradients already multiplied by the learning rate, so the update is a
  single subtraction, and between checks it takes the step inside the backward pass's own
  matrix products (:meth:`Model.backward` with ``descend``) without filling ``.grad``;
* the gradients are measured and checked on the first batch of every ``CHECK_EVERY``, on each
  epoch's last batch, on every batch run while paused (the teaching step) and on the first
  batch after switching to plain SGD; other batch records have ``grad_norms=None``;
* every loss is checked. Weights spoilt by an unchecked step make the next loss NaN; training
  then stops and the weights from before the last checked batch are restored.

``.grad`` holds ``lr × gradient`` after a plain-SGD step, or older values. Reported gradient
norms are always unscaled.

A network that is a single step layer (Input → Dense with step) is trained with the perceptron
rule instead of gradients (step units have no gradient).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from . import optimizers
from .errors import DataError, TrainingDiverged, TrainingError
from .metrics import accuracy
from .model import Model

#: With plain SGD, the gradients are measured and checked on one batch in this many.
CHECK_EVERY = 32


@dataclass(frozen=True)
class Progress:
    """One immutable report from training. ``epoch`` and ``batch`` count from 1."""

    event: str
    epoch: int
    epochs: int
    batch: int
    batches: int
    step: int
    loss: float
    accuracy: float | None = None
    val_loss: float | None = None
    val_accuracy: float | None = None
    lr: float = 0.0
    samples_per_second: float = 0.0
    seconds: float = 0.0
    grad_norms: dict[str, float] | None = None
    weights: dict[str, np.ndarray] | None = None
    message: str = ""

    def summary(self) -> dict[str, Any]:
        """The JSON-able part (no arrays)."""
        return {k: v for k, v in asdict(self).items() if k != "weights"}


@dataclass
class TrainingConfig:
    """Settings of a run; a plain dict with :meth:`to_dict` for project files."""

    epochs: int = 10
    batch_size: int | None = 32  # None: the whole training set in one batch
    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.9  # used by the "momentum" optimiser
    nesterov: bool = False
    weight_decay: float = 0.0
    schedule: dict[str, Any] = field(default_factory=lambda: {"name": "constant"})
    validation_split: float = 0.0
    shuffle: bool = True
    seed: int = 0
    early_stopping_patience: int = 0  # 0: off
    restore_best_weights: bool = True

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        def whole(name: str, value: Any, low: int) -> None:
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be a whole number ≥ {low}, got {value!r}")

        whole("epochs", self.epochs, 1)
        if self.batch_size is not None:
            whole("batch size", self.batch_size, 1)
        whole("seed", self.seed, 0)
        whole("early-stopping patience", self.early_stopping_patience, 0)
        if self.optimizer not in optimizers.OPTIMIZERS:
            raise ValueError(
                f"unknown optimizer '{self.optimizer}' (known: {', '.join(optimizers.OPTIMIZERS)})"
            )
        if not isinstance(self.lr, int | float) or not self.lr > 0 or not np.isfinite(self.lr):
            raise ValueError(f"learning rate must be a positive number, got {self.lr!r}")
        split = self.validation_split
        if not isinstance(split, int | float) or not 0.0 <= split < 1.0:
            raise ValueError(f"validation split must be in [0, 1), got {split!r}")
        optimizers.make_schedule(self.schedule)
        self.make_optimizer([])  # checks the optimiser's own hyper-parameters

    def make_optimizer(self, params) -> optimizers.Optimizer:
        kwargs: dict[str, Any] = {"lr": self.lr, "weight_decay": self.weight_decay}
        if self.optimizer in ("sgd", "momentum"):
            kwargs["nesterov"] = self.nesterov
            if self.optimizer == "momentum":
                kwargs["momentum"] = self.momentum
        return optimizers.make(params, self.optimizer, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingConfig:
        if not isinstance(data, dict):
            raise ValueError("training settings: expected an object")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"training settings: unknown field(s) {', '.join(sorted(unknown))}")
        return cls(**data)


class TrainingControl:
    """Thread-safe stop / pause / resume / step for a running trainer."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._stopped = False
        self._paused = False
        self._allowance = 0  # batches allowed while paused (step)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._allowance = 0

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def step(self, batches: int = 1) -> None:
        """While paused, let ``batches`` more batches run, then pause again."""
        with self._cond:
            self._paused = True
            self._allowance += batches
            self._cond.notify_all()

    @property
    def stopped(self) -> bool:
        return self._stopped

    @property
    def paused(self) -> bool:
        return self._paused

    def wait_for_turn(self) -> bool:
        """Block while paused; return False when stopped."""
        if not (self._paused or self._stopped):  # the common case, every batch: no lock
            return True
        with self._cond:
            while self._paused and self._allowance == 0 and not self._stopped:
                self._cond.wait(timeout=0.1)
            if self._stopped:
                return False
            if self._paused:
                self._allowance -= 1
            return True


def split_validation(
    n: int, fraction: float, shuffle: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation): the validation part is the last ``fraction`` after a
    seeded shuffle (file order without shuffle)."""
    order = rng.permutation(n) if shuffle else np.arange(n)
    n_val = round(fraction * n)
    if fraction > 0 and n_val == 0 and n > 1:
        n_val = 1
    if n_val >= n:
        raise DataError(f"a validation split of {fraction:g} leaves no training samples")
    return order[: n - n_val], order[n - n_val :]


class Trainer:
    """Trains a model on data; see the module docstring."""

    def __init__(
        self,
        model: Model,
        x: Any,
        y: Any,
        config: TrainingConfig | None = None,
        validation_data: tuple[Any, Any] | None = None,
        control: TrainingControl | None = None,
    ) -> None:
        self.model = model
        self.config = config or TrainingConfig()
        self.control = control or TrainingControl()
        x = model.prepare_inputs(x)
        y = model.prepare_targets(y, len(x))
        if len(x) == 0:
            raise DataError("there are no training samples")
        self.rng = np.random.default_rng(self.config.seed)
        model.set_rng(np.random.default_rng([self.config.seed, 1]))
        if validation_data is not None:
            xv = model.prepare_inputs(validation_data[0])
            yv = model.prepare_targets(validation_data[1], len(xv))
            self.x, self.y, self.x_val, self.y_val = x, y, xv, yv
        elif self.config.validation_split > 0:
            tr, va = split_validation(
                len(x), self.config.validation_split, self.config.shuffle, self.rng
            )
            self.x, self.y, self.x_val, self.y_val = x[tr], y[tr], x[va], y[va]
        else:
            self.x, self.y, self.x_val, self.y_val = x, y, None, None
        self.optimizer = self.config.make_optimizer(model.parameters())
        self.schedule = optimizers.make_schedule(self.config.schedule)
        self.base_lr = self.config.lr
        self.history: list[Progress] = []
        self._pending: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._snapshot_requested = threading.Event()
        self.step_count = 0
        self._grad_scale = 1.0  # what the parameters' .grad hold: gradient × this
        # Plain SGD: the weights (and running statistics) from before the last checked
        # batch, restored if an unchecked step spoils them; see _save_backup.
        self._backup: list[np.ndarray] | None = None
        self._backup_at = (0, 0)

    # -- changes from other threads, applied before the next batch ----------------------------

    def set_learning_rate(self, lr: float) -> None:
        optimizers._check("learning rate", lr, 0.0, open_low=True)
        with self._lock:
            self._pending["lr"] = float(lr)

    def set_optimizer(self, name: str, **kwargs: Any) -> None:
        """Switch optimiser (its state starts fresh; the weights are kept)."""
        config = replace(self.config, optimizer=name, **kwargs)  # validates
        with self._lock:
            self._pending["optimizer"] = config

    def request_snapshot(self) -> None:
        """Ask for a copy of the weights in the next batch record."""
        self._snapshot_requested.set()

    def _apply_pending(self, epoch: int) -> None:
        # An unlocked peek first: this runs every batch, and there is rarely anything pending.
        if self._pending:
            with self._lock:
                pending, self._pending = self._pending, {}
        else:
            pending = {}
        if "optimizer" in pending:
            self.config = pending["optimizer"]
            self.base_lr = self.config.lr
            self.optimizer = self.config.make_optimizer(self.model.parameters())
        if "lr" in pending:
            self.base_lr = pending["lr"]
        lr = self.base_lr * self.schedule.factor(epoch)
        if lr != self.optimizer.lr:  # the setter validates; skip it when nothing changes
            self.optimizer.lr = lr

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> Iterator[Progress]:
        if self.model.spec.is_perceptron():
            yield from self._run_perceptron()
        else:
            yield from self._run_gradient_descent()

    def run_to_end(self) -> list[Progress]:
        """Run without looking at batches; return the epoch records."""
        for _ in self.run():
            pass
        return self.history

    def _batches(self, n: int) -> list[np.ndarray | slice]:
        size = self.config.batch_size or n
        if self.config.shuffle:
            order = self.rng.permutation(n)
            return [order[i : i + size] for i in range(0, n, size)]
        return [slice(i, min(i + size, n)) for i in range(0, n, size)]

    def _validate(self) -> tuple[float | None, float | None]:
        if self.x_val is None or len(self.x_val) == 0:
            return None, None
        result = self.model.evaluate(self.x_val, self.y_val)
        return result["loss"], result["accuracy"]

    def _run_gradient_descent(self) -> Iterator[Progress]:
        cfg, model = self.config, self.model
        n = len(self.x)
        start = time.perf_counter()
        best_loss, best_weights, bad_epochs = np.inf, None, 0
        classifier = model.is_classifier
        loss_name = model.spec.loss
        control = self.control
        was_plain_sgd = False
        for epoch in range(1, cfg.epochs + 1):
            batches = self._batches(n)
            last = len(batches)
            epoch_start = time.perf_counter()
            loss_sum, correct_sum, seen = 0.0, 0.0, 0
            for b, idx in enumerate(batches, start=1):
                if not control.wait_for_turn():
                    yield self._final("stopped", epoch, b - 1, len(batches), start,
                                      "training stopped")
                    return
                self._apply_pending(epoch - 1)
                xb, yb = self.x[idx], self.y[idx]
                # Plain SGD gets gradients already multiplied by lr (one pass less per step)
                # and, between checks, steps inside the backward pass (see the docstring).
                plain_sgd = self.optimizer.takes_scaled_gradients
                scale = self.optimizer.lr if plain_sgd else 1.0
                # The first plain-SGD batch after a switch of optimiser is checked too: it
                # takes the backup that unchecked steps rely on.
                checked = (not plain_sgd or not was_plain_sgd or b % CHECK_EVERY == 1
                           or b == last or control.paused)
                was_plain_sgd = plain_sgd
                with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked below
                    loss, out = model.loss_and_gradients(xb, yb, grad_scale=scale,
                                                         in_place=True, descend=not checked)
                if checked:
                    self._grad_scale = scale
                    norms = self._check_finite(loss, epoch, b)
                    if plain_sgd and b + 1 < last and (b + 1) % CHECK_EVERY != 1:
                        self._save_backup(epoch, b)  # the next batch steps unchecked
                    self.optimizer.step(grad_scale=scale)
                else:
                    norms = None
                    if not math.isfinite(loss):
                        self._diverged(f"The loss became {_non_finite(loss)}", epoch, b)
                self.step_count += 1
                nb = len(xb)
                loss_sum += loss * nb
                seen += nb
                acc = _batch_accuracy(out, yb, loss_name) if classifier else None
                if acc is not None:
                    correct_sum += acc * nb
                elapsed = time.perf_counter() - epoch_start
                weights = None
                if self._snapshot_requested.is_set():
                    self._snapshot_requested.clear()
                    weights = model.get_weights()
                yield Progress(
                    "batch", epoch, cfg.epochs, b, len(batches), self.step_count, loss, acc,
                    lr=self.optimizer.lr, samples_per_second=seen / max(elapsed, 1e-9),
                    seconds=time.perf_counter() - start, grad_norms=norms, weights=weights,
                )
            val_loss, val_acc = self._validate()
            elapsed = time.perf_counter() - epoch_start
            record = Progress(
                "epoch", epoch, cfg.epochs, len(batches), len(batches), self.step_count,
                loss_sum / seen, correct_sum / seen if classifier else None, val_loss, val_acc,
                lr=self.optimizer.lr, samples_per_second=seen / max(elapsed, 1e-9),
                seconds=time.perf_counter() - start, grad_norms=norms,
                weights=model.get_weights() if self._snapshot_requested.is_set() else None,
            )
            self._snapshot_requested.clear()
            self.history.append(record)
            yield record
            if cfg.early_stopping_patience:
                watched = val_loss if val_loss is not None else record.loss
                if watched < best_loss:
                    best_loss, bad_epochs = watched, 0
                    best_weights = model.get_weights() if cfg.restore_best_weights else None
                else:
                    bad_epochs += 1
                    if bad_epochs >= cfg.early_stopping_patience:
                        if best_weights is not None:
                            model.set_weights(best_weights)
                        which = "validation" if val_loss is not None else "training"
                        yield self._final(
                            "early_stopped", epoch, len(batches), len(batches), start,
                            f"stopped early: the {which} loss has not improved for "
                            f"{bad_epochs} epochs; the best weights (loss {best_loss:.4g}) "
                            "are restored",
                        )
                        return
        yield self._final("finished", cfg.epochs, 0, 0, start, "training finished")

    def _final(self, event: str, epoch: int, batch: int, batches: int, start: float,
               message: str) -> Progress:
        last = self.history[-1] if self.history else None
        return Progress(
            event, epoch, self.config.epochs, batch, batches, self.step_count,
            last.loss if last else float("nan"),
            last.accuracy if last else None,
            last.val_loss if last else None,
            last.val_accuracy if last else None,
            lr=self.optimizer.lr, seconds=time.perf_counter() - start, message=message,
        )

    def _check_finite(self, loss: float, epoch: int, batch: int) -> dict[str, float]:
        """Gradient norms per layer; raise before the update if anything is not finite."""
        if not math.isfinite(loss):
            self._diverged(f"The loss became {_non_finite(loss)}", epoch, batch)
        # A NaN or infinity anywhere in a gradient makes its layer's norm NaN or infinite, so
        # the norms (wanted anyway for the gradient-health views) are the whole check.
        norms = self._gradient_norms()
        for layer, norm in norms.items():
            if not math.isfinite(norm):
                self._diverged(f"The gradients of layer {layer} became NaN or infinite",
                               epoch, batch, layer)
        return norms

    def _diverged(self, what: str, epoch: int, batch: int, layer: str | None = None):
        """Raise TrainingDiverged; first restore the backup if unchecked steps spoilt the
        weights (the current batch has not changed them: its check comes first)."""
        spoilt = self._spoilt_layer()
        if spoilt is None:
            kept = "The weights from before this batch are kept."
        elif self._restore_backup():
            e, b = self._backup_at
            kept = (f"The weights of layer {spoilt} had become NaN or infinite; those from "
                    f"before batch {b} of epoch {e} are restored.")
        else:
            kept = f"The weights of layer {spoilt} are NaN or infinite: reinitialise them."
        raise TrainingDiverged(f"{what} at epoch {epoch}, batch {batch}. {self._advice()} {kept}",
                               epoch, batch, layer or spoilt)

    def _state_arrays(self) -> list[np.ndarray]:
        """What a training step changes: parameters and running statistics."""
        return [a for node in self.model.nodes
                for a in (*(p.value for p in node.layer.params.values()),
                          *node.layer.state.values())]

    def _save_backup(self, epoch: int, batch: int) -> None:
        arrays = self._state_arrays()
        backup = self._backup
        if backup is None or len(backup) != len(arrays):
            backup = self._backup = [a.copy() for a in arrays]
        else:
            for saved, a in zip(backup, arrays, strict=True):
                np.copyto(saved, a)
        self._backup_at = (epoch, batch)

    def _restore_backup(self) -> bool:
        backup = self._backup
        if backup is None or not all(np.isfinite(a).all() for a in backup):
            return False
        for saved, a in zip(backup, self._state_arrays(), strict=True):
            np.copyto(a, saved)
        return True

    def _spoilt_layer(self) -> str | None:
        """The first layer whose parameters or statistics hold NaN or infinity."""
        for node in self.model.nodes:
            arrays = (*(p.value for p in node.layer.params.values()), *node.layer.state.values())
            if not all(np.isfinite(a).all() for a in arrays):
                return node.name
        return None

    def _gradient_norms(self) -> dict[str, float]:
        """The last batch's gradient norms per layer (unscaled, see ``grad_scale``)."""
        norms = self.model.gradient_norms()
        scale = self._grad_scale
        if scale != 1.0:
            norms = {layer: norm / scale for layer, norm in norms.items()}
        return norms

    def _advice(self) -> str:
        lr = self.optimizer.lr
        return f"The learning rate ({lr:g}) is probably too large: try {lr / 10:g}."

    # -- the perceptron rule ------------------------------------------------------------------

    def _run_perceptron(self) -> Iterator[Progress]:
        """Rosenblatt's rule, one sample at a time in data order: w ← w + lr·(y − ŷ)·x.

        It converges whenever the classes are linearly separable. With a fixed order, the
        weights after each epoch are a deterministic function of those before, so seeing the
        same weights twice proves a cycle: the data are not linearly separable."""
        cfg, model = self.config, self.model
        node = model.node(model.output_name)
        W, b = node.layer.params["W"], node.layer.params.get("b")
        threshold = node.activation.threshold if node.activation else 0.0
        x = self.x.reshape(len(self.x), -1)
        y = self.y.reshape(len(self.x), -1)
        if np.any((y != 0) & (y != 1)):
            raise DataError("the perceptron rule needs targets of 0 or 1")
        start = time.perf_counter()
        seen_states: set[bytes] = set()
        lr = W.value.dtype.type(self.base_lr)
        for epoch in range(1, cfg.epochs + 1):
            if not self.control.wait_for_turn():
                yield self._final("stopped", epoch, 0, 1, start, "training stopped")
                return
            self._apply_pending(epoch - 1)
            lr = W.value.dtype.type(self.optimizer.lr)
            errors = 0
            for xi, yi in zip(x, y, strict=True):
                z = W.value @ xi + (b.value if b is not None else 0)
                err = yi - (z >= threshold)
                if np.any(err):
                    errors += 1
                    W.value += lr * np.outer(err, xi)
                    if b is not None:
                        b.value += lr * err
            self.step_count += 1
            val_loss, val_acc = self._validate()
            record = Progress(
                "epoch", epoch, cfg.epochs, 1, 1, self.step_count, errors / len(x),
                1.0 - errors / len(x), val_loss, val_acc, lr=float(lr),
                seconds=time.perf_counter() - start,
                message=f"{errors} of {len(x)} samples misclassified",
            )
            self.history.append(record)
            yield record
            if errors == 0:
                yield self._final("converged", epoch, 1, 1, start,
                                  f"the perceptron classifies every sample correctly after "
                                  f"{epoch} epoch(s)")
                return
            state = W.value.tobytes() + (b.value.tobytes() if b is not None else b"")
            if state in seen_states:
                yield self._final(
                    "not_separable", epoch, 1, 1, start,
                    "the perceptron's weights repeat a previous cycle, so it will never "
                    "classify every sample: the classes are not linearly separable (like XOR). "
                    "Add a hidden layer with sigmoid units and train it with gradient descent.",
                )
                return
            seen_states.add(state)
        yield self._final(
            "finished", cfg.epochs, 1, 1, start,
            f"no error-free epoch after {cfg.epochs} epochs: the classes are probably not "
            "linearly separable",
        )


def _non_finite(value: float) -> str:
    return "NaN" if math.isnan(value) else "infinite"


def _batch_accuracy(out: np.ndarray, y: np.ndarray, loss: str) -> float | None:
    """:func:`engine.metrics.accuracy`, with a lean path for class scores (every batch)."""
    if loss == "cross_entropy" and out.ndim == 2 and out.shape[1] > 1 and len(out):
        # The same count over the same length, so exactly the same float.
        return np.count_nonzero(out.argmax(axis=1) == y) / len(out)
    return accuracy(out, y, loss)


def fit(
    model: Model,
    x: Any,
    y: Any,
    validation_data: tuple[Any, Any] | None = None,
    control: TrainingControl | None = None,
    **settings: Any,
) -> Iterator[Progress]:
    """Train ``model`` in place; a generator of :class:`Progress` records. ``settings`` are
    :class:`TrainingConfig` fields (epochs, batch_size, optimizer, lr, …)."""
    try:
        config = TrainingConfig(**settings)
    except TypeError as exc:
        raise TrainingError(str(exc)) from None
    return Trainer(model, x, y, config, validation_data, control).run()
