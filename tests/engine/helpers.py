"""Small builders shared by the engine tests."""

import numpy as np

import engine


def chain(layers, loss="mse", seed=0, dtype=np.float64):
    spec = engine.NetworkSpec.sequential(layers, loss=loss)
    return engine.Model(spec, seed=seed, dtype=dtype)


def targets_for(model, n, rng):
    """Random targets that fit the model's loss and output shape."""
    shape = model.output_shape
    if model.spec.loss == "cross_entropy":
        return rng.integers(0, shape[0], size=n)
    if model.spec.loss == "binary_cross_entropy":
        return rng.integers(0, 2, size=(n, *shape)).astype(float)
    return rng.normal(size=(n, *shape))


def assert_gradients_match(model, x, y, **kwargs):
    results = engine.gradcheck(model, x, y, **kwargs)
    assert results, "the model has no parameters to check"
    bad = [r for r in results if not r.ok]
    assert not bad, "\n".join(
        f"{r.key}: max rel error {r.max_rel_error:.2e} (abs {r.max_abs_error:.2e})" for r in bad
    )
    return results
