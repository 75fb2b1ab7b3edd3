"""The engine's fast paths agree with plain reference computations.

Each speed-up added for the training and prediction benchmarks (offset-major im2col for
one-channel inputs, per-offset column gradients, two-stage max pooling, reused scratch buffers,
softmax over a transposed copy, the blocked SGD update, the one-batch predict and the trainer's
batch accuracy) is checked here against a slow, obviously correct version.
"""

import numpy as np
import pytest

import engine
from engine import activations, optimizers
from engine.gradcheck import input_gradcheck
from engine.layers import Parameter
from engine.metrics import accuracy
from engine.model import to_internal
from engine.training import _batch_accuracy
from tests.engine.helpers import assert_gradients_match, chain, targets_for

RNG = np.random.default_rng(2024)


def reference_conv(x, W, b, stride, padding):
    """Direct convolution of channels-last x (N, H, W, C) with W (F, C, KH, KW)."""
    f, _, kh, kw = W.shape
    sh, sw = stride
    (pt, pb), (pl, pr) = padding
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    n, hp, wp, _ = xp.shape
    oh, ow = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    z = np.zeros((n, oh, ow, f))
    for y in range(oh):
        for xx in range(ow):
            patch = xp[:, y * sh : y * sh + kh, xx * sw : xx * sw + kw, :]  # (n, kh, kw, c)
            z[:, y, xx, :] = np.einsum("nijc,fcij->nf", patch, W)
    return z + (0 if b is None else b)


def conv_layer(model):
    return next(n.layer for n in model.nodes if n.type == "Conv2D")


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize(
    "params",
    [
        {"kernel_size": 3},
        {"kernel_size": 3, "padding": "same"},
        {"kernel_size": [2, 3], "stride": [2, 1]},
        {"kernel_size": 3, "stride": 2, "padding": "same", "use_bias": False},
    ],
    ids=str,
)
def test_conv_forward_matches_direct_convolution(channels, params):
    model = chain([{"type": "Input", "shape": [channels, 9, 8]},
                   {"type": "Conv2D", "filters": 4, "activation": "linear", **params}])
    layer = conv_layer(model)
    assert layer._offset_major == (channels == 1)
    x = RNG.normal(size=(3, channels, 9, 8))
    out = model.forward(model.prepare_inputs(x))  # public (N, F, OH, OW)
    b = layer.params["b"].value if "b" in layer.params else None
    ref = reference_conv(to_internal(x), layer.params["W"].value, b, (layer.sh, layer.sw),
                         ((layer.pt, layer.pb), (layer.pl, layer.pr)))
    np.testing.assert_allclose(to_internal(out), ref, rtol=1e-10, atol=1e-12)


def test_conv_bias_added_tiled_on_large_outputs_and_plainly_on_small_ones():
    # Large outputs add the bias tiled along rows, small ones (one image) broadcast it.
    for n in (1, 40):
        model = chain([{"type": "Input", "shape": [2, 12, 12]},
                       {"type": "Conv2D", "filters": 16, "kernel_size": 3,
                        "activation": "linear"}])
        layer = conv_layer(model)
        layer.params["b"].value[...] = RNG.normal(size=16)
        x = RNG.normal(size=(n, 2, 12, 12))
        out = model.forward(model.prepare_inputs(x))
        ref = reference_conv(to_internal(x), layer.params["W"].value, layer.params["b"].value,
                             (1, 1), ((0, 0), (0, 0)))
        np.testing.assert_allclose(to_internal(out), ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("params", [{"kernel_size": 3, "padding": "same"},
                                    {"kernel_size": [3, 2], "stride": [1, 2]}], ids=str)
def test_conv_input_gradient_matches_finite_differences(channels, params):
    # The column-gradient layouts differ for one input channel and for several.
    model = chain([{"type": "Input", "shape": [channels, 6, 5]},
                   {"type": "Conv2D", "filters": 3, "activation": "tanh", **params},
                   {"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "softmax"}],
                  loss="cross_entropy")
    x = RNG.normal(size=(2, channels, 6, 5))
    analytic, numeric = input_gradcheck(model, x, targets_for(model, 2, RNG))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


def test_one_channel_conv_after_conv_gradients():
    # A Conv2D with one filter feeds a second Conv2D: the second one's input has one channel,
    # so its input gradient takes the offset-major path inside a real backward pass.
    model = chain([{"type": "Input", "shape": [2, 8, 7]},
                   {"type": "Conv2D", "filters": 1, "kernel_size": 3, "activation": "tanh"},
                   {"type": "Conv2D", "filters": 3, "kernel_size": 2, "padding": "same",
                    "activation": "sigmoid"},
                   {"type": "Flatten"}, {"type": "Dense", "units": 3, "activation": "softmax"}],
                  loss="cross_entropy")
    x = RNG.normal(size=(3, 2, 8, 7))
    assert_gradients_match(model, x, targets_for(model, 3, RNG))


def reference_maxpool(x, k, s):
    n, h, w, c = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.empty((n, oh, ow, c))
    dx_first = np.zeros((n, h, w, c))  # gradient of sum(out): 1 at each window's first max
    for y in range(oh):
        for xx in range(ow):
            win = x[:, y * s : y * s + k, xx * s : xx * s + k, :].reshape(n, k * k, c)
            out[:, y, xx] = win.max(axis=1)
            first = win.argmax(axis=1)  # argmax returns the first maximum, row-major
            for i in range(n):
                for ch in range(c):
                    fy, fx = divmod(first[i, ch], k)
                    dx_first[i, y * s + fy, xx * s + fx, ch] += 1
    return out, dx_first


@pytest.mark.parametrize(("size", "k", "s"), [(8, 2, 2), (9, 2, 2), (7, 3, 3), (10, 2, 3),
                                             (6, 3, 1), (7, 2, 1)])
def test_maxpool_matches_reference_with_ties(size, k, s):
    model = chain([{"type": "Input", "shape": [3, size, size]},
                   {"type": "MaxPool2D", "pool_size": k, "stride": s}])
    layer = model.node("maxpool2d_1").layer
    # Few distinct values: many windows hold their maximum more than once.
    x = to_internal(RNG.integers(0, 3, size=(2, 3, size, size)).astype(float))
    ref_out, ref_dx = reference_maxpool(x, k, s)
    for training in (True, False):
        out = layer.forward([x], training)
        np.testing.assert_array_equal(out, ref_out)
        dx = layer.backward(np.ones_like(out))[0]
        np.testing.assert_array_equal(dx, ref_dx)


def test_reused_backward_buffers_hold_no_stale_values():
    # The pooling and convolution input gradients live in buffers reused from batch to batch;
    # each pass must overwrite every element.
    model = chain([{"type": "Input", "shape": [2, 9, 9]},
                   {"type": "Conv2D", "filters": 3, "kernel_size": 2, "activation": "relu"},
                   {"type": "MaxPool2D", "pool_size": 2},
                   {"type": "Conv2D", "filters": 2, "kernel_size": 3, "padding": "same"},
                   {"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "softmax"}],
                  loss="cross_entropy")
    x, y = RNG.normal(size=(4, 2, 9, 9)), np.array([0, 1, 1, 0])
    fresh = model.copy()
    model.loss_and_gradients(model.prepare_inputs(x * 5), y)  # dirties every buffer
    model.loss_and_gradients(model.prepare_inputs(x), y)
    fresh.loss_and_gradients(fresh.prepare_inputs(x), y)
    for a, b in zip(model.nodes, fresh.nodes, strict=True):
        if a.dz is not None:
            np.testing.assert_array_equal(a.dz, b.dz)
        for key in a.layer.params:
            np.testing.assert_array_equal(a.layer.params[key].grad, b.layer.params[key].grad)


@pytest.mark.parametrize("shape", [(128, 10), (16, 3), (15, 10), (40, 64), (40, 65), (2, 5)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_and_log_softmax_agree_with_float64_reference(shape, dtype):
    z = (RNG.normal(size=shape) * 30).astype(dtype)
    zz = z.astype(np.float64)
    shifted = zz - zz.max(axis=-1, keepdims=True)
    ref_log = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    p, logp = activations.softmax(z), activations.log_softmax(z)
    assert p.dtype == dtype and logp.dtype == dtype
    assert p.flags.c_contiguous and logp.flags.c_contiguous
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(p, np.exp(ref_log), rtol=tol, atol=tol * 1e-2)
    np.testing.assert_allclose(logp, ref_log, rtol=tol, atol=tol)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_softmax_of_infinite_scores_is_nan_on_both_paths():
    for n in (2, 32):
        z = np.zeros((n, 4), dtype=np.float32)
        z[0, 1] = np.inf
        assert np.isnan(activations.softmax(z)[0]).any()
        assert not np.isnan(activations.softmax(z)[1:]).any()


def test_blocked_sgd_update_equals_plain_update():
    big = optimizers._BLOCK * 2 + 123  # several blocks and a short last one
    values = [RNG.normal(size=(3, big // 3 + 1)).astype(np.float32),
              RNG.normal(size=7).astype(np.float32),
              np.asfortranarray(RNG.normal(size=(40, 30)).astype(np.float32))]  # not C-order
    params = [Parameter("layer", f"p{i}", v.copy()) for i, v in enumerate(values)]
    opt = optimizers.SGD(params, lr=0.05)
    expected = [v.copy() for v in values]
    for _ in range(3):
        for p, e in zip(params, expected, strict=True):
            p.grad[...] = RNG.normal(size=p.grad.shape)
            e -= np.float32(0.05) * p.grad
        opt.step()
        for p, e in zip(params, expected, strict=True):
            np.testing.assert_array_equal(p.value, e)
    # Replacing a parameter's arrays rebuilds the block plan.
    params[1].value = np.zeros(7, dtype=np.float32)
    params[1].grad = np.ones(7, dtype=np.float32)
    opt.step()
    np.testing.assert_allclose(params[1].value, -0.05, rtol=1e-6)


def test_sgd_with_momentum_or_decay_still_takes_the_general_path():
    for kwargs in ({"momentum": 0.9}, {"weight_decay": 0.1}):
        p = Parameter("l", "w", np.ones(4, dtype=np.float32))
        p.grad[...] = 1.0
        optimizers.SGD([p], lr=0.1, **kwargs).step()
        expected = 1 - 0.1 * (1.0 + kwargs.get("weight_decay", 0.0))
        np.testing.assert_allclose(p.value, expected, rtol=1e-6)


def test_predict_one_batch_path_matches_batched_path_and_returns_a_copy():
    model = chain([{"type": "Input", "shape": [1, 8, 8]},
                   {"type": "Conv2D", "filters": 2, "kernel_size": 3, "activation": "relu"},
                   {"type": "MaxPool2D", "pool_size": 2},
                   {"type": "Flatten"}, {"type": "Dense", "units": 3, "activation": "linear"}])
    x = RNG.normal(size=(10, 8, 8))
    whole = model.predict(x)  # one batch
    np.testing.assert_allclose(whole, model.predict(x, batch_size=3), rtol=1e-12)
    first = model.predict(x[:1])
    kept = first.copy()
    model.predict(x[5:6])  # must not write into the array returned before
    np.testing.assert_array_equal(first, kept)
    assert model.predict(x[:0]).shape == (0, 3)


@pytest.mark.parametrize("loss", ["cross_entropy", "binary_cross_entropy"])
def test_batch_accuracy_equals_metrics_accuracy(loss):
    out = RNG.random(size=(50, 4))
    out[3, :2] = 0.9  # a tie: both take the first maximum
    if loss == "cross_entropy":
        y = RNG.integers(0, 4, size=50)
    else:
        y = (RNG.random(size=(50, 4)) > 0.5).astype(float)
    assert _batch_accuracy(out, y, loss) == accuracy(out, y, loss)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_training_with_pending_learning_rate_and_divergence_checks():
    model = chain([{"type": "Input", "shape": [3]},
                   {"type": "Dense", "units": 4, "activation": "relu"},
                   {"type": "Dense", "units": 2, "activation": "softmax"}],
                  loss="cross_entropy", dtype=np.float32)
    x, y = RNG.normal(size=(20, 3)), RNG.integers(0, 2, size=20)
    trainer = engine.Trainer(model, x, y, engine.TrainingConfig(epochs=2, batch_size=5, lr=0.1))
    seen, measured = [], []
    for record in trainer.run():
        if record.event == "batch":
            seen.append(record.lr)
            measured.append(record.grad_norms is not None)
            if record.grad_norms is not None:
                assert set(record.grad_norms) == {"dense_1", "dense_2"}
            if record.epoch == 1 and record.batch == 2:
                trainer.set_learning_rate(0.01)
    assert seen[:2] == [pytest.approx(0.1)] * 2 and seen[2:] == [pytest.approx(0.01)] * 6
    # Plain SGD measures the first batch and the last of each epoch (of 4) only.
    assert measured == [True, False, False, True] * 2
    # A non-finite gradient stops training before the update.
    model.node("dense_1").layer.params["W"].value[0, 0] = np.float32(3e38)
    before = model.get_weights()
    trainer = engine.Trainer(model, x * 1e10, y, engine.TrainingConfig(epochs=1, batch_size=20))
    with pytest.raises(engine.TrainingDiverged):
        list(trainer.run())
    for key, value in model.get_weights().items():
        np.testing.assert_array_equal(value, before[key])


def _branchy_model():
    """ReLU branches that share gradients: an Add feeding both (the same array goes to each
    input), a ReLU Activation layer passing its input through, a conv and a Flatten view."""
    spec = engine.NetworkSpec(loss="cross_entropy")
    spec.add_layer("Input", name="in", shape=[1, 6, 6])
    spec.add_layer("Conv2D", name="c", inputs=["in"], filters=2, kernel_size=3,
                   activation="relu")
    spec.add_layer("Flatten", name="flat", inputs=["c"])
    spec.add_layer("Dense", name="a", inputs=["flat"], units=5, activation="relu")
    spec.add_layer("Dense", name="b", inputs=["flat"], units=5, activation="relu")
    spec.add_layer("Add", name="sum", inputs=["a", "b"])
    spec.add_layer("Activation", name="act", inputs=["sum"], activation="relu")
    spec.add_layer("Dense", name="h", inputs=["act"], units=5, activation="relu")
    spec.add_layer("Add", name="res", inputs=["h", "act"])
    spec.add_layer("Dense", name="out", inputs=["res"], units=3, activation="softmax")
    return engine.Model(spec, seed=4, dtype=np.float64)


def test_in_place_training_pass_equals_the_plain_pass():
    model = _branchy_model()
    x, y = RNG.normal(size=(7, 1, 6, 6)), RNG.integers(0, 3, size=7)
    plain, fast = model.copy(), model.copy()
    loss_p, out_p = plain.loss_and_gradients(plain.prepare_inputs(x), y)
    loss_f, out_f = fast.loss_and_gradients(fast.prepare_inputs(x), y, in_place=True)
    assert loss_f == pytest.approx(loss_p, rel=1e-12)
    np.testing.assert_allclose(out_f, out_p, rtol=1e-12)
    for a, b in zip(plain.parameters(), fast.parameters(), strict=True):
        np.testing.assert_allclose(b.grad, a.grad, rtol=1e-10, atol=1e-14, err_msg=a.key)
    # The pass really ran in place where it may: the hidden ReLU outputs overwrote z.
    assert fast.node("h").z is fast.node("h").a
    assert plain.node("h").z is not plain.node("h").a
    # ... and never where the layer passes its input through.
    assert fast.node("act").z is not fast.node("act").a


@pytest.mark.parametrize("loss", ["cross_entropy", "binary_cross_entropy", "mse"])
def test_scaled_gradients_are_the_gradients_times_the_scale(loss):
    out_act = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid", "mse": "tanh"}
    model = chain([{"type": "Input", "shape": [4]},
                   {"type": "Dense", "units": 6, "activation": "relu"},
                   {"type": "Dense", "units": 3, "activation": out_act[loss]}], loss=loss)
    x = RNG.normal(size=(9, 4))
    y = targets_for(model, 9, RNG)
    plain, scaled = model.copy(), model.copy()
    plain.loss_and_gradients(plain.prepare_inputs(x), plain.prepare_targets(y, 9))
    scaled.loss_and_gradients(scaled.prepare_inputs(x), scaled.prepare_targets(y, 9),
                              grad_scale=0.03)
    for a, b in zip(plain.parameters(), scaled.parameters(), strict=True):
        np.testing.assert_allclose(b.grad, 0.03 * a.grad, rtol=1e-12, atol=1e-16)


def test_sgd_step_with_gradients_scaled_by_lr_is_one_subtraction():
    p = Parameter("l", "w", np.array([1.0, 2.0, 3.0], dtype=np.float32))
    p.grad[...] = [0.5, -0.25, 0.0]  # already lr × gradient
    opt = optimizers.SGD([p], lr=0.1)
    assert opt.takes_scaled_gradients
    opt.step(grad_scale=0.1)
    np.testing.assert_array_equal(p.value, np.float32([0.5, 2.25, 3.0]))
    opt.step(grad_scale=0.2)  # the scale differs from lr: the factor is applied
    np.testing.assert_allclose(p.value, [0.25, 2.375, 3.0], rtol=1e-6)
    for other in (optimizers.SGD([p], lr=0.1, momentum=0.9), optimizers.Adam([p], lr=0.1)):
        assert not other.takes_scaled_gradients
        with pytest.raises(ValueError, match="unscaled"):
            other.step(grad_scale=0.1)


def test_trainer_reports_unscaled_gradient_norms():
    model = chain([{"type": "Input", "shape": [3]},
                   {"type": "Dense", "units": 4, "activation": "relu"},
                   {"type": "Dense", "units": 2, "activation": "softmax"}],
                  loss="cross_entropy")
    x, y = RNG.normal(size=(12, 3)), RNG.integers(0, 2, size=12)
    reference = model.copy()
    reference.loss_and_gradients(reference.prepare_inputs(x), y)
    expected = reference.gradient_norms()
    config = engine.TrainingConfig(epochs=1, batch_size=None, lr=0.25, shuffle=False)
    first = next(engine.Trainer(model, x, y, config).run())
    assert first.grad_norms.keys() == expected.keys()
    for layer, norm in expected.items():
        assert first.grad_norms[layer] == pytest.approx(norm, rel=1e-12)


def test_cross_entropy_from_probabilities_matches_log_softmax_and_falls_back_when_tiny():
    from engine.losses import CrossEntropy

    ce = CrossEntropy()
    for dtype, tol in ((np.float32, 1e-6), (np.float64, 1e-13)):
        z = (RNG.normal(size=(64, 10)) * 4).astype(dtype)
        y = RNG.integers(0, 10, size=64)
        a = activations.softmax(z)
        assert ce.fused_value_and_output(z, a, y) == pytest.approx(ce.fused_value(z, y),
                                                                   rel=tol)
    # A true class 200 below the best score: its probability underflows to zero, but the loss
    # is a finite 200, not infinity.
    z = np.zeros((4, 3), dtype=np.float32)
    z[0, 0] = 200.0
    y = np.array([1, 0, 0, 0])
    loss = ce.fused_value_and_output(z, activations.softmax(z), y)
    assert np.isfinite(loss) and loss == pytest.approx(ce.fused_value(z, y), rel=1e-6)
    assert loss > 200 / 4
