"""Optimiser updates against values computed by hand from torch.optim's documented rules."""

import math

import numpy as np
import pytest

from engine import optimizers
from engine.layers import Parameter


def param(w, g):
    p = Parameter("layer", "W", np.array(w, dtype=np.float64))
    p.grad[...] = g
    return p


def test_sgd_step():
    p = param([1.0, -2.0], [0.5, 0.25])
    optimizers.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.value, [0.95, -2.025])


def test_sgd_weight_decay_is_l2_in_the_gradient():
    p = param([1.0], [0.5])
    optimizers.SGD([p], lr=0.1, weight_decay=0.01).step()
    np.testing.assert_allclose(p.value, [1.0 - 0.1 * (0.5 + 0.01 * 1.0)])
    assert p.grad[0] == 0.5  # the gradient itself is untouched


def test_momentum_two_steps():
    p = param([1.0], [1.0])
    opt = optimizers.SGD([p], lr=0.1, momentum=0.9)
    opt.step()  # v = g = 1 → w = 0.9
    p.grad[...] = 0.5
    opt.step()  # v = 0.9·1 + 0.5 = 1.4 → w = 0.9 − 0.14
    np.testing.assert_allclose(p.value, [0.76])


def test_nesterov_two_steps():
    p = param([1.0], [1.0])
    opt = optimizers.SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    opt.step()  # v = 1; step = g + 0.9 v = 1.9 → w = 0.81
    np.testing.assert_allclose(p.value, [0.81])
    p.grad[...] = 0.5
    opt.step()  # v = 1.4; step = 0.5 + 1.26 = 1.76 → w = 0.81 − 0.176
    np.testing.assert_allclose(p.value, [0.634])


def test_nesterov_with_weight_decay():
    p = param([2.0], [1.0])
    opt = optimizers.SGD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.1)
    opt.step()  # g = 1 + 0.2 = 1.2; v = 1.2; step = 1.2 + 0.6 = 1.8 → w = 1.82
    np.testing.assert_allclose(p.value, [1.82])


def test_rmsprop_two_steps():
    p = param([1.0], [2.0])
    opt = optimizers.RMSprop([p], lr=0.01, alpha=0.99, eps=1e-8)
    opt.step()
    s = 0.01 * 4.0
    w1 = 1.0 - 0.01 * 2.0 / (math.sqrt(s) + 1e-8)
    np.testing.assert_allclose(p.value, [w1])
    p.grad[...] = -1.0
    opt.step()
    s = 0.99 * s + 0.01 * 1.0
    np.testing.assert_allclose(p.value, [w1 + 0.01 / (math.sqrt(s) + 1e-8)])


def adam_reference(w, grads, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, decoupled=False):
    m = v = 0.0
    for t, g in enumerate(grads, start=1):
        if decoupled:
            w *= 1 - lr * wd
        else:
            g = g + wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w -= (lr / (1 - b1**t)) * m / (math.sqrt(v) / math.sqrt(1 - b2**t) + eps)
    return w


@pytest.mark.parametrize(("cls", "wd", "decoupled"), [
    (optimizers.Adam, 0.0, False),
    (optimizers.Adam, 0.1, False),
    (optimizers.AdamW, 0.1, True),
])
def test_adam_and_adamw_three_steps(cls, wd, decoupled):
    grads = [0.3, -0.2, 0.05]
    p = param([0.5], [grads[0]])
    opt = cls([p], lr=0.01, weight_decay=wd)
    for g in grads:
        p.grad[...] = g
        opt.step()
    expected = adam_reference(0.5, grads, 0.01, wd=wd, decoupled=decoupled)
    np.testing.assert_allclose(p.value, [expected], rtol=1e-12)


def test_first_adam_step_moves_each_weight_by_about_lr():
    p = param([0.3, 0.3], [1e-3, 50.0])
    optimizers.Adam([p], lr=0.001).step()
    np.testing.assert_allclose(p.value, [0.299, 0.299], rtol=1e-4)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lr": 0}, "learning rate"),
    ({"lr": -1}, "learning rate"),
    ({"lr": float("nan")}, "learning rate"),
    ({"lr": 0.1, "momentum": 1.5}, "momentum"),
    ({"lr": 0.1, "weight_decay": -1}, "weight_decay"),
])
def test_bad_hyper_parameters_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        optimizers.SGD([param([1.0], [1.0])], **kwargs)


def test_learning_rate_can_change_between_steps():
    p = param([1.0], [1.0])
    opt = optimizers.SGD([p], lr=0.1)
    opt.step()
    opt.lr = 0.5
    opt.step()
    np.testing.assert_allclose(p.value, [0.4])


def test_schedules():
    assert optimizers.make_schedule(None).factor(7) == 1.0
    step = optimizers.make_schedule({"name": "step", "step_size": 2, "gamma": 0.5})
    assert [step.factor(e) for e in range(5)] == [1, 1, 0.5, 0.5, 0.25]
    exp = optimizers.make_schedule({"name": "exponential", "gamma": 0.9})
    assert exp.factor(2) == pytest.approx(0.81)
    cos = optimizers.make_schedule({"name": "cosine", "epochs": 10})
    assert cos.factor(0) == 1.0 and cos.factor(5) == pytest.approx(0.5)
    assert cos.factor(10) == pytest.approx(0.0) and cos.factor(20) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="unknown schedule"):
        optimizers.make_schedule("warmup")


def test_make_by_name_and_unknown_name():
    p = param([1.0], [1.0])
    assert optimizers.make([p], "momentum", lr=0.1).momentum == 0.9
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        optimizers.make([p], "lbfgs")
