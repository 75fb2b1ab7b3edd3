"""TrainingWorker: runs an engine Trainer in a QThread and reports through throttled signals.

The engine's ``Trainer.run()`` yields a record per batch; forwarding each one would flood the
GUI's event queue. The worker forwards the latest record at most every ``progress_interval``
seconds (default 50 ms: ≤ 20 per second), collects epoch records into lists sent with it, and
asks the trainer for a weight snapshot (a copy) at most every ``snapshot_interval`` seconds
(≤ 10 per second). Stop, pause and step go through the trainer's thread-safe TrainingControl
and take effect between batches. Errors arrive as ``failed`` with the engine's message.

Gradient norms are measured on some batches only (plain SGD: one in 32), so a flush whose
latest record has none first forwards the latest record that has them.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from engine import EngineError, Trainer, TrainingControl, TrainingDiverged

FINAL_EVENTS = frozenset({"finished", "stopped", "early_stopped", "converged", "not_separable"})


class TrainingWorker(QObject):
    #: The latest Progress record (batch or epoch), throttled.
    progress = Signal(object)
    #: Epoch records (Progress, without weights) since the last emission.
    epochs = Signal(list)
    #: A copy of every weight, ``{"layer/param": array}``, throttled.
    snapshot = Signal(object)
    #: The final Progress record (event says why it ended).
    finished = Signal(object)
    #: Training stopped on an error: the message to show.
    failed = Signal(str)
    #: The Trainer was built (in the worker thread) and is about to run.
    ready = Signal(object)
    #: Emitted last in every case, after finished or failed.
    done = Signal()

    def __init__(self, make_trainer: Callable[[], Trainer], control: TrainingControl,
                 progress_interval: float = 0.05, snapshot_interval: float = 0.1) -> None:
        """``make_trainer`` runs in the worker thread: checking and converting a large data
        set there keeps the GUI responsive when a run starts."""
        super().__init__()
        self.make_trainer = make_trainer
        self.control = control
        self.trainer: Trainer | None = None
        self.progress_interval = progress_interval
        self.snapshot_interval = snapshot_interval
        self._pending_epochs: list = []
        self._latest = None
        self._measured = None  # the latest record with gradient norms, not yet forwarded

    def _flush(self) -> None:
        if self._pending_epochs:
            self.epochs.emit(self._pending_epochs)
            self._pending_epochs = []
        if self._latest is not None:
            if self._measured is not None and self._measured is not self._latest:
                self.progress.emit(self._measured)
            self.progress.emit(self._latest)
            self._latest = None
        self._measured = None

    @Slot()
    def run(self) -> None:
        last_emit = last_snapshot = 0.0
        last_record = time.monotonic()
        try:
            self.trainer = self.make_trainer()
            self.ready.emit(self.trainer)
            for record in self.trainer.run():
                now = time.monotonic()
                if now - last_record < 0.002:
                    # A tiny batch is pure Python and holds the GIL throughout (NumPy keeps it
                    # on small arrays): hand it over, or the window's paint() and slots starve.
                    # Larger batches release it inside NumPy and need no help.
                    time.sleep(0)
                last_record = now
                if record.weights is not None:
                    self.snapshot.emit(record.weights)
                if now - last_snapshot >= self.snapshot_interval:
                    self.trainer.request_snapshot()
                    last_snapshot = now
                if record.event == "epoch":
                    self._pending_epochs.append(record)
                if record.event in FINAL_EVENTS:
                    self._flush()  # the last batch's record too: the display ends where it did
                    self.snapshot.emit(self.trainer.model.get_weights())
                    self.finished.emit(record)
                    break
                self._latest = record
                if record.grad_norms is not None:
                    self._measured = record
                # Flush now when a pause or step will block the next batch: the display must
                # show where training stopped.
                if now - last_emit >= self.progress_interval or self.control.paused:
                    self._flush()
                    last_emit = now
        except TrainingDiverged as exc:
            self._flush()
            self.failed.emit(str(exc))
        except (EngineError, ValueError) as exc:
            self._flush()
            verb = "go on" if self.trainer is not None else "start"
            self.failed.emit(f"Training cannot {verb}: {exc}")
        except Exception as exc:  # a bug: report it rather than kill the thread silently
            self._flush()
            self.failed.emit(f"Training failed unexpectedly: {exc}\n\n{traceback.format_exc()}")
        finally:
            self.done.emit()


def start_in_thread(worker: TrainingWorker, parent: QObject | None = None) -> QThread:
    """Move the worker to a new QThread and start it; the thread quits when the worker is
    done. The caller keeps both references until ``thread.finished``."""
    thread = QThread(parent)
    thread.setObjectName("training")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # quit() is thread-safe: call it directly from the worker thread, so that it never waits
    # in the GUI thread's queue (where it would deadlock a GUI thread waiting on the thread).
    worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.start()
    return thread
