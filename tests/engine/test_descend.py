"""Plain SGD inside the backward pass (``descend``) and the trainer's checks around it."""

import numpy as np
import pytest

import engine
from engine import blas
from engine.training import CHECK_EVERY
from tests.engine.helpers import chain, targets_for

RNG = np.random.default_rng(11)


def _wide_mlp(dtype=np.float64):
    """The first weight matrix (200×100) is big enough for the one-pass BLAS update."""
    return chain([{"type": "Input", "shape": [200]},
                  {"type": "Dense", "units": 100, "activation": "relu"},
                  {"type": "Dense", "units": 3, "activation": "softmax"}],
                 loss="cross_entropy", seed=3, dtype=dtype)


def _conv_net():
    """Layers that take the generic step (Conv2D, BatchNorm) next to Dense."""
    return chain([{"type": "Input", "shape": [1, 6, 6]},
                  {"type": "Conv2D", "filters": 3, "kernel_size": 3, "activation": "relu"},
                  {"type": "BatchNorm"},
                  {"type": "Flatten"},
                  {"type": "Dense", "units": 4, "activation": "tanh"},
                  {"type": "Dense", "units": 2, "activation": "linear"}],
                 loss="mse", seed=5)


def _wide_mlp_without_bias():
    return chain([{"type": "Input", "shape": [200]},
                  {"type": "Dense", "units": 100, "activation": "relu", "use_bias": False},
                  {"type": "Dense", "units": 3, "activation": "softmax"}],
                 loss="cross_entropy", seed=4)


@pytest.mark.parametrize("build, n", [(_wide_mlp, 200), (_wide_mlp_without_bias, 200),
                                      (_conv_net, 9)])
def test_descend_equals_gradients_then_an_sgd_step(backend, build, n):
    model = build()
    assert blas.worthwhile(20000) == (backend == "blas")
    x = RNG.normal(size=(n, *model.input_shape))
    y = targets_for(model, n, RNG)
    lr = 0.05
    stepped, descended = model.copy(), model.copy()
    xs, ys = stepped.prepare_inputs(x), stepped.prepare_targets(y, n)
    loss_s, out_s = stepped.loss_and_gradients(xs, ys)
    for p in stepped.parameters():
        p.value -= lr * p.grad
    loss_d, out_d = descended.loss_and_gradients(xs, ys, grad_scale=lr, descend=True)
    assert loss_d == pytest.approx(loss_s, rel=1e-12)
    np.testing.assert_allclose(out_d, out_s, rtol=1e-12)
    for a, b in zip(stepped.parameters(), descended.parameters(), strict=True):
        np.testing.assert_allclose(b.value, a.value, rtol=1e-12, atol=1e-15, err_msg=a.key)
        assert not np.array_equal(b.value, model.node(a.layer).layer.params[a.name].value)
    for key, value in stepped.get_weights().items():  # running statistics moved alike
        np.testing.assert_allclose(descended.get_weights()[key], value, rtol=1e-12)


def test_forward_with_the_bias_inside_the_product_equals_the_plain_forward(backend):
    model = _wide_mlp()
    x = model.prepare_inputs(RNG.normal(size=(300, 200)))
    z = model.node("dense_1").layer.forward([x], training=True)
    W, b = (model.node("dense_1").layer.params[k].value for k in ("W", "b"))
    np.testing.assert_allclose(z, x @ W.T + b, rtol=1e-12)


def test_descend_skips_the_step_when_the_loss_is_not_finite():
    model = _wide_mlp()
    before = model.get_weights()
    x = model.prepare_inputs(RNG.normal(size=(4, 200)))
    x[0, 0] = np.inf  # prepared data never holds this; the pass must still keep the weights
    with np.errstate(all="ignore"):
        loss, _ = model.loss_and_gradients(x, np.zeros(4, int), grad_scale=0.1, descend=True)
    assert not np.isfinite(loss)
    for key, value in model.get_weights().items():
        np.testing.assert_array_equal(value, before[key])


def test_trainer_with_plain_sgd_equals_a_hand_written_loop():
    """Checked and unchecked batches alike take exactly one SGD step each."""
    model = _wide_mlp()
    n, batch, lr = 10 * CHECK_EVERY + 3, 2, 0.02
    x, y = RNG.normal(size=(n, 200)), RNG.integers(0, 3, size=n)
    manual = model.copy()
    config = engine.TrainingConfig(epochs=2, batch_size=batch, lr=lr, shuffle=False)
    records = [r for r in engine.Trainer(model, x, y, config).run() if r.event == "batch"]
    xs = manual.prepare_inputs(x)
    for _ in range(2):
        for i in range(0, n, batch):
            manual.loss_and_gradients(xs[i : i + batch], y[i : i + batch])
            for p in manual.parameters():
                p.value -= lr * p.grad
    for key, value in manual.get_weights().items():
        np.testing.assert_allclose(model.get_weights()[key], value, rtol=1e-9, atol=1e-12)
    batches = -(-n // batch)
    measured = [r.batch for r in records if r.grad_norms is not None and r.epoch == 1]
    assert measured == [b for b in range(1, batches + 1) if b % CHECK_EVERY == 1 or b == batches]


def test_other_optimisers_measure_every_batch():
    model = _wide_mlp()
    x, y = RNG.normal(size=(40, 200)), RNG.integers(0, 3, size=40)
    config = engine.TrainingConfig(epochs=1, batch_size=4, optimizer="momentum", lr=0.01)
    records = [r for r in engine.Trainer(model, x, y, config).run() if r.event == "batch"]
    assert len(records) == 10 and all(r.grad_norms for r in records)


def test_paused_steps_are_measured():
    """The teaching step (one batch at a time while paused) always shows gradient norms."""
    model = _wide_mlp()
    x, y = RNG.normal(size=(40, 200)), RNG.integers(0, 3, size=40)
    control = engine.TrainingControl()
    trainer = engine.Trainer(model, x, y, engine.TrainingConfig(epochs=1, batch_size=4),
                             control=control)
    run = trainer.run()
    first = next(run)
    control.pause()
    control.step()
    second = next(run)
    assert (first.batch, second.batch) == (1, 2)
    assert second.grad_norms is not None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_weights_spoilt_by_an_unchecked_step_are_restored():
    model = chain([{"type": "Input", "shape": [3]},
                   {"type": "Dense", "units": 4, "activation": "relu"},
                   {"type": "Dense", "units": 1, "activation": "linear"}],
                  loss="mse", seed=1, dtype=np.float32)
    x = RNG.normal(size=(64, 3)) + 1.0
    y = RNG.normal(size=64)
    initial = model.get_weights()
    trainer = engine.Trainer(model, x, y,
                             engine.TrainingConfig(epochs=1, batch_size=4, lr=0.01,
                                                   shuffle=False))
    run = trainer.run()
    assert next(run).batch == 1  # checked; the backup is taken before its step
    trainer.set_learning_rate(3e38)  # batch 2's unchecked step overflows the weights
    with pytest.raises(engine.TrainingDiverged) as info:
        for _ in run:
            pass
    message = str(info.value)
    assert "had become NaN or infinite" in message
    assert "before batch 1 of epoch 1 are restored" in message
    assert info.value.batch == 3
    for key, value in model.get_weights().items():
        np.testing.assert_array_equal(value, initial[key])


def test_switching_to_plain_sgd_mid_epoch_checks_that_batch_first():
    """Unchecked steps rely on a backup taken at a checked batch: after a switch from Adam the
    first plain-SGD batch is checked, whatever its number."""
    model = _wide_mlp()
    x, y = RNG.normal(size=(400, 200)), RNG.integers(0, 3, size=400)
    trainer = engine.Trainer(model, x, y,
                             engine.TrainingConfig(epochs=1, batch_size=4, optimizer="adam"))
    measured = []
    for record in trainer.run():
        if record.event != "batch":
            continue
        measured.append((record.batch, record.grad_norms is not None))
        if record.batch == 5:
            trainer.set_optimizer("sgd", lr=0.01)
    assert measured[:5] == [(b, True) for b in range(1, 6)]  # Adam: every batch
    assert measured[5] == (6, True)  # the first plain-SGD batch, and its backup
    assert measured[6] == (7, False)
    assert trainer._backup_at == (1, 97)  # the last backup before the epoch's end
