"""TrainingController: one training run at a time for a Document — start, pause, step,
resume, stop, reset — with the engine doing the work in a TrainingWorker thread.

The model trains on its own copy of the network; the document receives weight snapshots
(≤ 10 per second, for the canvas and heatmaps) and, when the run ends, the final weights and
the epoch history. Editing the network while paused is allowed: on resume the run restarts
from the current weights, keeping those of every layer whose shapes still fit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from engine import EngineError, Trainer, TrainingControl
from engine.io.project import history_entry

from .document import Document
from .workers.training_worker import TrainingWorker, start_in_thread

IDLE, RUNNING, PAUSED = "idle", "running", "paused"


class TrainingController(QObject):
    state_changed = Signal(str)
    #: The latest Progress record (throttled by the worker).
    progress = Signal(object)
    #: New epoch records.
    epochs_added = Signal(list)
    #: A weight snapshot {"layer/param": array} (throttled by the worker).
    weights_updated = Signal(object)
    #: A new run begins (views start new curves).
    run_started = Signal()
    #: The run ended: the final Progress record.
    run_finished = Signal(object)
    #: Something went wrong: a message that says what and what to try.
    failed = Signal(str)

    def __init__(self, doc: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.x: np.ndarray | None = None
        self.y: np.ndarray | None = None
        self.validation: tuple[np.ndarray, np.ndarray] | None = None
        self.state = IDLE
        self.trainer: Trainer | None = None
        self.control: TrainingControl | None = None
        self.worker: TrainingWorker | None = None
        self.thread: QThread | None = None
        self._spec_at_start: dict | None = None
        self._restart_after_stop = False

    # -- data ---------------------------------------------------------------------------------

    def set_data(self, x: np.ndarray | None, y: np.ndarray | None,
                 validation: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """The samples to train on, and optionally a validation set (else the training
        settings' validation split holds out the last share after the seeded shuffle, as
        ``nndesigner train --validation-split`` does)."""
        self.x, self.y = x, y
        if validation is not None and len(validation[0]) == 0:
            validation = None
        self.validation = validation

    @property
    def has_data(self) -> bool:
        return self.x is not None and self.y is not None and len(self.x) > 0

    # -- commands -----------------------------------------------------------------------------

    def start(self, paused: bool = False) -> bool:
        """Start a run from the document's current weights (fresh ones if it has none)."""
        if self.state != IDLE:
            return False
        if not self.has_data:
            self.failed.emit("Choose or import a data set first (Data panel).")
            return False
        if not self.doc.analysis.ok:
            first = self.doc.analysis.errors[0]
            self.failed.emit(f"The network cannot be trained yet: {first}")
            return False
        try:
            model = self.doc.build_model()
        except (EngineError, ValueError) as exc:
            self.failed.emit(f"Training cannot start: {exc}")
            return False
        for warning in model.analysis.warnings:
            self.failed.emit(f"Warning: {warning}")
        config, x, y, validation = self.doc.training, self.x, self.y, self.validation
        control = TrainingControl()

        def make_trainer() -> Trainer:  # runs in the worker thread
            return Trainer(model, x, y, config, validation_data=validation, control=control)

        self._launch(make_trainer, control, paused)
        self.run_started.emit()
        return True

    def _launch(self, make_trainer, control: TrainingControl, paused: bool) -> None:
        self.control = control
        self.trainer = None
        if paused:
            control.pause()
        self._spec_at_start = self.doc.spec.to_dict()
        self._config_at_start = self.doc.training
        self.worker = TrainingWorker(make_trainer, control)
        self.worker.ready.connect(self._on_ready)
        self.worker.progress.connect(self.progress)
        self.worker.epochs.connect(self._on_epochs)
        self.worker.snapshot.connect(self._on_snapshot)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.thread = start_in_thread(self.worker, self)
        self.thread.finished.connect(self._on_done)
        self._set_state(PAUSED if paused else RUNNING)

    def _on_ready(self, trainer: Trainer) -> None:
        self.trainer = trainer
        # Settings changed while the trainer was being built apply now.
        if self.doc.training.optimizer != self._config_at_start.optimizer:
            trainer.set_optimizer(self.doc.training.optimizer, lr=self.doc.training.lr)
        elif self.doc.training.lr != self._config_at_start.lr:
            trainer.set_learning_rate(self.doc.training.lr)

    def pause(self) -> None:
        if self.state == RUNNING and self.control is not None:
            self.control.pause()
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self.state == IDLE:
            self.start()
            return
        if self.state != PAUSED or self.control is None:
            return
        if self._network_edited():
            # The network changed while paused: finish this run and continue in a new one
            # from the weights learned so far.
            self._restart_after_stop = True
            self.control.stop()
            return
        self.control.resume()
        self._set_state(RUNNING)

    def step_batch(self) -> None:
        self._step(1)

    def step_epoch(self) -> None:
        if not self.has_data:
            self._step(1)  # reports the missing data
            return
        n = len(self.x) if self.trainer is None else len(self.trainer.x)
        size = self.doc.training.batch_size or n
        self._step(-(-n // size))

    def _step(self, batches: int) -> None:
        if self.state == IDLE and not self.start(paused=True):
            return
        if self.state == RUNNING:
            self.pause()
        if self._network_edited():
            self.failed.emit("The network changed: press Resume to continue with it.")
            return
        self.control.step(batches)

    def stop(self) -> None:
        if self.control is not None and self.state != IDLE:
            self._restart_after_stop = False
            self.control.stop()

    def reset_weights(self) -> bool:
        """Forget the learned weights (the next run starts from fresh ones)."""
        if self.state != IDLE:
            return False
        self.doc.set_weights(None)
        self.doc.history = []
        return True

    def set_learning_rate(self, lr: float) -> None:
        """Takes effect at the next batch of a running or paused run, and for later runs."""
        self.doc.set_training(replace(self.doc.training, lr=float(lr)))
        if self.trainer is not None and self.state != IDLE:
            self.trainer.set_learning_rate(lr)

    def set_optimizer(self, name: str) -> None:
        self.doc.set_training(replace(self.doc.training, optimizer=name))
        if self.trainer is not None and self.state != IDLE:
            self.trainer.set_optimizer(name, lr=self.doc.training.lr)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop any run and wait for its thread (closing the window)."""
        self._restart_after_stop = False
        if self.control is not None:
            self.control.stop()
        if self.thread is not None:
            return self.thread.wait(timeout_ms)
        return True

    # -- worker reports -----------------------------------------------------------------------

    def _network_edited(self) -> bool:
        return self._spec_at_start is not None and self.doc.spec.to_dict() != self._spec_at_start

    def _on_epochs(self, records: list) -> None:
        self.doc.history.extend(history_entry(r) for r in records)
        self.epochs_added.emit(records)

    def _on_snapshot(self, weights: dict) -> None:
        if not self._network_edited():
            self.doc.set_weights(weights)
        self.weights_updated.emit(weights)

    def _on_finished(self, record) -> None:
        self._store_final_weights()
        self.run_finished.emit(record)

    def _on_failed(self, message: str) -> None:
        self._store_final_weights()
        self.failed.emit(message)

    def _store_final_weights(self) -> None:
        if self.trainer is None:
            return
        # The training thread has left the loop: reading the model here is safe.
        weights = self.trainer.model.get_weights()
        if self._network_edited():
            # Keep what still fits the edited network (untouched layers).
            merged = dict(self.doc.weights or {})
            merged.update(weights)
            weights = merged
        self.doc.set_weights(weights)
        self.doc.undo_stack.resetClean()  # trained weights are unsaved work

    def _on_done(self) -> None:
        """The training thread has ended (every report before this was delivered)."""
        self.thread, self.worker, self.control = None, None, None
        restart = self._restart_after_stop
        remaining = self.trainer.config.epochs - self._epochs_in_run() if self.trainer else 0
        self.trainer = None
        self._spec_at_start = None
        self._restart_after_stop = False
        self._set_state(IDLE)
        if restart and remaining > 0:
            saved = self.doc.training
            self.doc.training = replace(saved, epochs=remaining)
            try:
                self.start()
            finally:
                self.doc.training = saved

    def _epochs_in_run(self) -> int:
        return len(self.trainer.history) if self.trainer is not None else 0

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
