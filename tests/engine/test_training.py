"""Training: learning the classics, determinism, batching, control, divergence, early stop."""

import threading

import numpy as np
import pytest

import engine
from engine import DataError, Model, NetworkSpec, Trainer, TrainingConfig, TrainingControl, fit

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0])


def xor_model(hidden_activation, seed=0):
    spec = NetworkSpec.sequential(
        [
            {"type": "Input", "shape": [2]},
            {"type": "Dense", "units": 4, "activation": hidden_activation},
            {"type": "Dense", "units": 1, "activation": "sigmoid"},
        ],
        loss="binary_cross_entropy",
    )
    return Model(spec, seed=seed)


@pytest.mark.parametrize(("activation", "lr"), [("sigmoid", 2.0), ("tanh", 0.5)])
def test_xor_is_learned(activation, lr):
    model = xor_model(activation)
    records = list(fit(model, XOR_X, XOR_Y, epochs=2000, lr=lr, batch_size=4,
                       optimizer="momentum"))
    assert records[-1].event == "finished"
    assert model.predict_classes(XOR_X).tolist() == [0, 1, 1, 0]
    assert records[-2].loss < 0.05 < records[0].loss


def test_same_seed_same_result_and_different_seed_differs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(int)

    def run(seed):
        spec = NetworkSpec.sequential(
            [{"type": "Input", "shape": [5]},
             {"type": "Dense", "units": 8, "activation": "relu"},
             {"type": "Dropout", "rate": 0.2},
             {"type": "Dense", "units": 2, "activation": "softmax"}]
        )
        model = Model(spec, seed=seed)
        history = Trainer(model, x, y, TrainingConfig(epochs=5, batch_size=10, seed=seed,
                                                      validation_split=0.25)).run_to_end()
        return model.get_weights(), [h.loss for h in history]

    w1, l1 = run(3)
    w2, l2 = run(3)
    w3, _ = run(4)
    assert l1 == l2
    assert all(np.array_equal(w1[k], w2[k]) for k in w1)
    assert not np.array_equal(w1["dense_1/W"], w3["dense_1/W"])


def test_last_smaller_batch_is_used_and_full_batch_mode():
    model = xor_model("tanh")
    x = np.tile(XOR_X, (3, 1))[:10]
    y = np.tile(XOR_Y, 3)[:10]
    records = list(fit(model, x, y, epochs=1, batch_size=4, shuffle=False))
    batches = [r for r in records if r.event == "batch"]
    assert [r.batch for r in batches] == [1, 2, 3] and batches[0].batches == 3
    full = list(fit(model, x, y, epochs=2, batch_size=None))
    assert sum(r.event == "batch" for r in full) == 2


def test_validation_split_holds_out_the_last_fraction_in_file_order():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10) % 2
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]}, {"type": "Dense", "units": 2, "activation": "softmax"}]
    )
    trainer = Trainer(Model(spec), x, y, TrainingConfig(validation_split=0.3, shuffle=False))
    np.testing.assert_array_equal(trainer.x_val, x[7:])
    np.testing.assert_array_equal(trainer.x, x[:7])
    shuffled = Trainer(Model(spec), x, y, TrainingConfig(validation_split=0.3, seed=1))
    assert len(shuffled.x_val) == 3 and len(shuffled.x) == 7
    assert not np.array_equal(shuffled.x_val, x[7:])
    record = next(r for r in shuffled.run() if r.event == "epoch")
    assert record.val_loss is not None and record.val_accuracy is not None


def test_huge_learning_rate_stops_with_a_message_and_finite_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32) * 10
    y = x @ np.array([1.0, -2.0, 3.0], dtype=np.float32)
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [3]}, {"type": "Dense", "units": 16, "activation": "relu"},
         {"type": "Dense", "units": 1, "activation": "linear"}], loss="mse")
    model = Model(spec)
    with pytest.raises(engine.TrainingDiverged) as info:
        list(fit(model, x, y, epochs=50, lr=1e6, batch_size=8))
    err = info.value
    assert err.epoch >= 1 and err.batch >= 1
    assert f"epoch {err.epoch}, batch {err.batch}" in str(err)
    assert "learning rate" in str(err)
    assert all(np.all(np.isfinite(w)) for w in model.get_weights().values())


def test_stop_from_the_consumer_ends_with_a_stopped_record():
    control = TrainingControl()
    model = xor_model("tanh")
    records = []
    for r in fit(model, XOR_X, XOR_Y, epochs=100, batch_size=1, control=control):
        records.append(r)
        if r.step == 5:
            control.stop()
    assert records[-1].event == "stopped"
    assert max(r.step for r in records) == 5


def test_pause_then_step_runs_exactly_one_batch():
    control = TrainingControl()
    model = xor_model("tanh")
    gen = fit(model, XOR_X, XOR_Y, epochs=100, batch_size=1, control=control)
    first = next(gen)
    control.pause()
    got = []
    worker = threading.Thread(target=lambda: got.append(next(gen)))
    worker.start()
    worker.join(timeout=0.3)
    assert worker.is_alive() and not got  # paused: no batch runs
    control.step(1)
    worker.join(timeout=5)
    assert got and got[0].step == first.step + 1
    worker = threading.Thread(target=lambda: got.append(next(gen)))
    worker.start()
    worker.join(timeout=0.3)
    assert len(got) == 1  # paused again after the step
    control.resume()
    worker.join(timeout=5)
    assert len(got) == 2
    control.stop()
    assert next(gen).event == "stopped"


def test_learning_rate_change_applies_at_the_next_batch():
    model = xor_model("tanh")
    trainer = Trainer(model, XOR_X, XOR_Y, TrainingConfig(epochs=3, batch_size=1, lr=0.1))
    batches = (r for r in trainer.run() if r.event == "batch")
    assert next(batches).lr == pytest.approx(0.1)
    trainer.set_learning_rate(0.02)
    assert next(batches).lr == pytest.approx(0.02)
    trainer.set_optimizer("adam", lr=0.003)
    r = next(batches)
    assert r.lr == pytest.approx(0.003) and trainer.optimizer.name == "adam"
    with pytest.raises(ValueError):
        trainer.set_learning_rate(-1)


def test_schedule_changes_the_rate_per_epoch():
    model = xor_model("tanh")
    cfg = TrainingConfig(epochs=3, batch_size=4, lr=0.1,
                         schedule={"name": "step", "step_size": 1, "gamma": 0.5})
    lrs = [r.lr for r in Trainer(model, XOR_X, XOR_Y, cfg).run() if r.event == "epoch"]
    assert lrs == pytest.approx([0.1, 0.05, 0.025])


def test_early_stopping_restores_the_best_weights():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = rng.integers(0, 2, size=40)  # noise: validation loss soon rises
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [4]}, {"type": "Dense", "units": 64, "activation": "relu"},
         {"type": "Dense", "units": 2, "activation": "softmax"}])
    model = Model(spec)
    trainer = Trainer(model, x, y, TrainingConfig(
        epochs=300, lr=0.05, optimizer="adam", batch_size=8, validation_split=0.5,
        early_stopping_patience=3))
    records = list(trainer.run())
    assert records[-1].event == "early_stopped"
    epochs = [r for r in records if r.event == "epoch"]
    assert len(epochs) < 300
    best = min(r.val_loss for r in epochs)
    assert model.evaluate(trainer.x_val, trainer.y_val)["loss"] == pytest.approx(best, rel=1e-4)


def test_snapshot_is_a_copy_sent_only_when_asked():
    model = xor_model("tanh")
    trainer = Trainer(model, XOR_X, XOR_Y, TrainingConfig(epochs=5, batch_size=1))
    gen = trainer.run()
    assert next(gen).weights is None
    trainer.request_snapshot()
    snap = next(gen).weights
    assert set(snap) == {"dense_1/W", "dense_1/b", "dense_2/W", "dense_2/b"}
    next(gen)
    assert not np.array_equal(snap["dense_1/W"], model.get_weights()["dense_1/W"])
    assert next(gen).weights is None


def test_regression_reaches_high_r2():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=(256, 3)).astype(np.float32)
    y = (x @ np.array([2.0, -1.0, 0.5]) + 0.3).astype(np.float32)
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [3]}, {"type": "Dense", "units": 1, "activation": "linear"}],
        loss="mse")
    model = Model(spec)
    list(fit(model, x, y, epochs=100, lr=0.05, batch_size=32))
    scores = engine.regression_scores(model.predict(x), y)
    assert scores["r2"] > 0.99 and scores["mse"] < 0.01


@pytest.mark.parametrize(("x", "y", "message"), [
    (np.zeros((4, 3)), XOR_Y, "expects 2"),
    (XOR_X, np.array([0, 1, 2, 0]), "between 0 and 1"),
    (XOR_X, np.array([0, 1]), "4 inputs but 2 targets"),
    (np.array([[0, np.nan], [0, 1], [1, 0], [1, 1]]), XOR_Y, "NaN"),
])
def test_bad_data_is_refused_with_a_reason(x, y, message):
    with pytest.raises(DataError, match=message):
        list(fit(xor_model("tanh"), x, y, epochs=1))


def test_class_labels_out_of_range_suggest_more_output_neurons():
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]}, {"type": "Dense", "units": 3, "activation": "softmax"}])
    with pytest.raises(DataError, match="give the output layer 5 neurons"):
        list(fit(Model(spec), XOR_X, np.array([0, 1, 4, 2]), epochs=1))


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="epochs"):
        TrainingConfig(epochs=0)
    with pytest.raises(ValueError, match="validation split"):
        TrainingConfig(validation_split=1.0)
    with pytest.raises(ValueError, match="unknown optimizer"):
        TrainingConfig(optimizer="magic")
    assert TrainingConfig.from_dict(TrainingConfig(lr=0.3).to_dict()).lr == 0.3
    with pytest.raises(ValueError, match="unknown field"):
        TrainingConfig.from_dict({"epochz": 3})


def test_dropout_is_off_at_prediction_and_batchnorm_uses_running_stats():
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [4]}, {"type": "BatchNorm"}, {"type": "Dropout", "rate": 0.5},
         {"type": "Dense", "units": 2, "activation": "softmax"}])
    model = Model(spec)
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(32, 4)).astype(np.float32)
    p1, p2 = model.predict(x), model.predict(x)
    np.testing.assert_array_equal(p1, p2)
    list(fit(model, x, np.zeros(32, dtype=int), epochs=30, batch_size=32, lr=0.01))
    stats = model.get_weights()
    assert np.allclose(stats["batchnorm_1/running_mean"], x.mean(0), atol=0.3)
    # PyTorch's running variance uses the unbiased batch variance.
    assert np.allclose(stats["batchnorm_1/running_var"], x.var(0, ddof=1), rtol=0.2)
