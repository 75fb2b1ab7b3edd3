"""The data and the engine together: small MLPs match scikit-learn's on real data sets, and a
network trained only on the generated digits reads real handwritten digits.

Real data come from scikit-learn's bundled sets (digits, wine, breast cancer: no download).
Each comparison uses the same stratified split (engine.data.split), inputs standardised with
the training part's statistics, one hidden layer of 64 ReLU units, Adam at 1e-3, batches of
up to 200, an L2 penalty of 1e-4 — scikit-learn's MLPClassifier defaults — over three seeds.
"""

import warnings

import numpy as np
import pytest

import engine
from engine.data import Dataset, center_digit, load_bundled, split

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_breast_cancer, load_digits, load_wine  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

EPOCHS = 300


def _mlp(n_in, hidden, n_out, seed, flatten=False):
    layers = [{"type": "Input", "shape": n_in}]
    layers += [{"type": "Flatten"}] if flatten else []
    layers += [{"type": "Dense", "units": hidden, "activation": "relu"},
               {"type": "Dense", "units": n_out, "activation": "softmax"}]
    return engine.Model(engine.NetworkSpec.sequential(layers, loss="cross_entropy"), seed=seed)


def _both_accuracies(bunch, seed):
    ds = Dataset(bunch.data, bunch.target)
    train, _, test = split(ds, validation=0.0, test=0.25, seed=seed)
    mean, std = train.x.mean(axis=0), train.x.std(axis=0)
    std[std == 0] = 1
    x_train, x_test = (train.x - mean) / std, (test.x - mean) / std
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = MLPClassifier(hidden_layer_sizes=(64,), max_iter=EPOCHS, random_state=seed)
        reference.fit(x_train, train.y)
    model = _mlp([x_train.shape[1]], 64, ds.n_classes, seed)
    for _ in engine.fit(model, x_train, train.y, epochs=EPOCHS, optimizer="adam", lr=1e-3,
                        batch_size=min(200, len(x_train)), weight_decay=1e-4, seed=seed):
        pass
    ours = float(np.mean(model.predict_classes(x_test) == test.y))
    return float(reference.score(x_test, test.y)), ours


@pytest.mark.slow
@pytest.mark.parametrize("loader", [load_digits, load_wine, load_breast_cancer],
                         ids=["digits", "wine", "breast_cancer"])
def test_engine_mlp_is_on_par_with_scikit_learn(loader):
    bunch = loader()
    pairs = [_both_accuracies(bunch, seed) for seed in (0, 1, 2)]
    reference, ours = np.mean(pairs, axis=0)
    print(f"{loader.__name__}: scikit-learn {reference:.4f}, engine {ours:.4f}")
    assert ours >= reference - 0.03, (
        f"engine {ours:.4f} vs scikit-learn {reference:.4f} (per seed: {pairs})"
    )


@pytest.mark.slow
def test_generated_digits_teach_a_network_to_read_real_handwriting():
    digits = load_bundled("digits", n_samples=10000, seed=0)
    train, _, held_out = split(digits, validation=0.0, test=0.1, seed=0)
    model = _mlp([1, 28, 28], 128, 10, seed=0, flatten=True)
    for _ in engine.fit(model, train.x, train.y, epochs=5, optimizer="adam", lr=1e-3,
                        batch_size=64, seed=0):
        pass
    generated = float(np.mean(model.predict_classes(held_out.x) == held_out.y))
    real = load_digits()
    # each real 8×8 scan goes through the normalisation a drawing on the pad gets
    x_real = np.stack([center_digit(img / 16.0) for img in real.images])[:, None]
    accuracy = float(np.mean(model.predict_classes(x_real) == real.target))
    print(f"generated held-out {generated:.4f}; scikit-learn's real digits {accuracy:.4f}")
    assert generated > 0.9
    assert accuracy > 0.65, f"only {accuracy:.4f} of scikit-learn's 1797 real digits"
