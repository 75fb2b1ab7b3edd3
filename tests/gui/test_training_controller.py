"""The training controller and worker: a real engine run in a real QThread."""

import time

import numpy as np
import pytest

from engine import Model, NetworkSpec, TrainingConfig
from nndesigner import commands as cmd
from nndesigner.document import Document
from nndesigner.training_controller import IDLE, PAUSED, RUNNING, TrainingController


def spiral_data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.5, 3.5, n)
    y = rng.integers(0, 2, n)
    angle = t * 2 + np.pi * y
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], 1) + rng.normal(0, 0.1, (n, 2))
    return x.astype(np.float32), y


@pytest.fixture
def setup(qtbot):
    doc = Document()
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]},
         {"type": "Dense", "units": 16, "activation": "tanh", "name": "hidden"},
         {"type": "Dense", "units": 2, "activation": "softmax", "name": "output"}])
    doc.load(spec, training=TrainingConfig(epochs=2000, batch_size=4, lr=0.05,
                                           validation_split=0.2))
    controller = TrainingController(doc)
    x, y = spiral_data()
    controller.set_data(x, y)
    yield doc, controller
    controller.shutdown()


def wait_state(qtbot, controller, state, timeout=5000):
    qtbot.waitUntil(lambda: controller.state == state, timeout=timeout)


def test_start_pause_step_resume_stop(qtbot, setup):
    doc, controller = setup
    records = []
    controller.progress.connect(records.append)
    assert controller.start()
    assert controller.state == RUNNING
    qtbot.waitUntil(lambda: len(records) >= 3, timeout=5000)
    start = time.monotonic()
    controller.pause()
    assert controller.state == PAUSED
    # The worker flushes when it sees the pause; then nothing more arrives.
    qtbot.wait(300)
    assert time.monotonic() - start < 1.0
    count, last = len(records), records[-1]
    qtbot.wait(300)
    assert len(records) == count, "training went on while paused"
    controller.step_batch()
    qtbot.waitUntil(lambda: len(records) > count and records[-1].step == last.step + 1,
                    timeout=3000)
    assert controller.state == PAUSED
    controller.resume()
    assert controller.state == RUNNING
    qtbot.waitUntil(lambda: records[-1].step > last.step + 5, timeout=3000)
    with qtbot.waitSignal(controller.run_finished, timeout=2000) as finished:
        stopped_at = time.monotonic()
        controller.stop()
    assert time.monotonic() - stopped_at < 0.2 + 0.5  # within a batch plus signal delivery
    assert finished.args[0].event == "stopped"
    wait_state(qtbot, controller, IDLE)
    assert doc.weights is not None and doc.modified
    assert len(doc.history) >= 1


def test_progress_signals_are_throttled(qtbot, setup):
    doc, controller = setup
    doc.training = TrainingConfig(epochs=40, batch_size=1, lr=0.01)
    records = []
    controller.progress.connect(records.append)
    started = time.monotonic()
    with qtbot.waitSignal(controller.run_finished, timeout=60000):
        controller.start()
    elapsed = time.monotonic() - started
    batches = 40 * 600
    # ≤ 20 flushes a second; a flush forwards at most two records (the latest, and before it
    # the latest with gradient norms when that is another one).
    assert len(records) <= 2 * (20 * elapsed + 5), (len(records), elapsed)
    assert len(records) < batches / 10


def test_learning_rate_changes_mid_run(qtbot, setup):
    doc, controller = setup
    records = []
    controller.progress.connect(records.append)
    controller.start()
    qtbot.waitUntil(lambda: len(records) >= 2, timeout=5000)
    assert records[-1].lr == pytest.approx(0.05)
    controller.set_learning_rate(0.001)
    qtbot.waitUntil(lambda: records[-1].lr == pytest.approx(0.001), timeout=3000)
    assert doc.training.lr == 0.001
    controller.stop()
    wait_state(qtbot, controller, IDLE)


def test_huge_learning_rate_reports_nan_and_stops(qtbot, setup):
    doc, controller = setup
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]}, {"type": "Dense", "units": 16, "activation": "relu"},
         {"type": "Dense", "units": 1, "activation": "linear"}], loss="mse")
    doc.load(spec, training=TrainingConfig(epochs=50, batch_size=16, lr=1e6))
    x, _ = spiral_data()
    controller.set_data(x * 10, x @ np.array([1.0, -2.0], dtype=np.float32))
    messages = []
    controller.failed.connect(messages.append)
    controller.start()
    qtbot.waitUntil(lambda: any("epoch" in m for m in messages), timeout=10000)
    wait_state(qtbot, controller, IDLE)
    message = next(m for m in messages if "epoch" in m)
    assert "batch" in message and "learning rate" in message
    assert all(np.all(np.isfinite(w)) for w in doc.weights.values())


def test_editing_while_paused_keeps_untouched_weights(qtbot, setup):
    doc, controller = setup
    controller.start()
    qtbot.waitUntil(lambda: doc.weights is not None, timeout=5000)
    controller.pause()
    qtbot.wait(200)
    doc.undo_stack.push(cmd.SetParamsCommand(doc, "output", {"activation": "softmax",
                                                            "use_bias": False}))
    qtbot.waitUntil(lambda: controller.trainer is not None, timeout=3000)
    trained_hidden = controller.trainer.model.get_weights()["hidden/W"].copy()
    with qtbot.waitSignal(controller.run_started, timeout=5000):
        controller.resume()
    # A new run continues from the learned hidden weights; the output layer lost its bias.
    wait_state(qtbot, controller, RUNNING)
    qtbot.waitUntil(lambda: controller.trainer is not None, timeout=3000)
    assert "output/b" not in controller.trainer.model.get_weights()
    controller.pause()
    qtbot.wait(100)
    # The hidden layer went on from its trained weights (after a few more updates, close).
    fresh = Model(doc.spec, seed=doc.training.seed).get_weights()["hidden/W"]
    assert not np.allclose(controller.trainer.model.get_weights()["hidden/W"], fresh)
    assert np.abs(controller.trainer.model.get_weights()["hidden/W"] - trained_hidden).max() < 1
    controller.stop()
    wait_state(qtbot, controller, IDLE)


def test_start_refuses_without_data_or_with_an_invalid_network(qtbot, setup):
    doc, controller = setup
    messages = []
    controller.failed.connect(messages.append)
    controller.set_data(None, None)
    assert not controller.start()
    assert "data set" in messages[-1]
    x, y = spiral_data()
    controller.set_data(x, y)
    doc.undo_stack.push(cmd.SetParamsCommand(doc, "output", {"activation": "relu"}))
    assert not controller.start()
    assert "softmax" in messages[-1]
    assert controller.state == IDLE


def test_shutdown_while_training_stops_the_thread(qtbot, setup):
    _, controller = setup
    controller.start()
    qtbot.wait(100)
    thread = controller.thread
    assert controller.shutdown(3000)
    assert thread.isFinished()


def test_worker_forwards_the_latest_measured_gradient_norms(qtbot):
    """Most plain-SGD batch records carry no gradient norms: a flush must not lose the last
    ones that were measured, and records in between stay throttled away."""
    from engine import Progress, TrainingControl
    from nndesigner.workers.training_worker import TrainingWorker

    def record(batch, norms=None, event="batch"):
        return Progress(event, 1, 1, batch, 9, batch, 0.5,
                        grad_norms={"dense": float(batch)} if norms else None)

    class ScriptedTrainer:
        model = Model(NetworkSpec.sequential([{"type": "Input", "shape": [2]},
                                              {"type": "Dense", "units": 2}], loss="mse"))

        def request_snapshot(self):
            pass

        def run(self):
            yield record(1, norms=True)  # the first record flushes at once
            yield record(2, norms=True)
            yield record(3)
            time.sleep(0.35)  # past the progress interval: record 4 flushes
            yield record(4)
            yield record(5, event="finished")

    worker = TrainingWorker(ScriptedTrainer, TrainingControl(), progress_interval=0.3,
                            snapshot_interval=60)
    seen = []
    worker.progress.connect(seen.append)
    worker.run()
    assert [(r.batch, r.grad_norms is not None) for r in seen] == [(1, True), (2, True),
                                                                   (4, False)]


def test_the_last_progress_record_is_where_the_run_ended(qtbot, setup):
    """A run shorter than the throttle interval still reports its last batch, so the
    progress bar does not stop half-way ("epoch 11/20") on a finished run."""
    doc, controller = setup
    doc.training = TrainingConfig(epochs=20, batch_size=64, lr=0.01)
    records = []
    controller.progress.connect(records.append)
    with qtbot.waitSignal(controller.run_finished, timeout=60000):
        controller.start()
    last = records[-1]
    assert (last.epoch, last.batch) == (20, last.batches)
