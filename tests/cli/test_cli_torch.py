"""``train`` agrees with PyTorch: the same initial weights, batches in file order, and each
optimizer and loss with torch's defaults give the same epoch losses and final weights.

The initial weights come from exporting the untrained project (``export --format npz``),
which draws them from the project's seed exactly as ``train`` does.
"""

import numpy as np
import pytest

from engine.io import Project, read_npz_export

torch = pytest.importorskip("torch")

CASES = {
    # name: (template, y kind, optimizer, --loss, torch loss on the last layer's z)
    "sgd-cross-entropy": ("spirals", "classes", "sgd", "cross-entropy", "ce"),
    "momentum-mse": ("regression", "values", "momentum", "mse", "mse"),
    "rmsprop-cross-entropy": ("spirals", "classes", "rmsprop", "cross-entropy", "ce"),
    "adam-binary-cross-entropy": ("xor", "binary", "adam", "binary-cross-entropy", "bce"),
}
ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid,
               "linear": lambda z: z}


def make_data(kind, rng):
    x = rng.normal(size=(10, 3)).astype(np.float32)
    if kind == "classes":
        return x, np.array([0, 1, 2, 0, 1, 2, 2, 1, 0, 0])
    if kind == "binary":
        return x, np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 0])
    return x, rng.normal(size=(10, 2)).astype(np.float32)


def torch_training(export, x, y, optimizer, loss, lr, epochs, batch):
    order = export.meta["order"]  # every layer after its inputs
    layers = {layer.name: layer for layer in export.spec.layers.values()}
    dense = [n for n in order if layers[n].type == "Dense"]
    params = {}
    for n in dense:
        params[f"{n}/W"] = torch.tensor(export.weights[f"{n}/W"], requires_grad=True)
        params[f"{n}/b"] = torch.tensor(export.weights[f"{n}/b"], requires_grad=True)
    make = {"sgd": lambda p: torch.optim.SGD(p, lr=lr),
            "momentum": lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9),
            "rmsprop": lambda p: torch.optim.RMSprop(p, lr=lr),
            "adam": lambda p: torch.optim.Adam(p, lr=lr)}[optimizer]
    opt = make(list(params.values()))
    xt, losses = torch.tensor(x), []
    yt = torch.tensor(y) if loss == "ce" else torch.tensor(y, dtype=torch.float32).reshape(
        len(y), -1)
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(x), batch):
            a, target = xt[start : start + batch], yt[start : start + batch]
            for i, n in enumerate(dense):
                z = a @ params[f"{n}/W"].T + params[f"{n}/b"]
                last = i == len(dense) - 1
                a = z if last else ACTIVATIONS[layers[n].activation](z)
            value = {"ce": torch.nn.functional.cross_entropy,
                     "bce": torch.nn.functional.binary_cross_entropy_with_logits,
                     "mse": torch.nn.functional.mse_loss}[loss](a, target)
            opt.zero_grad()
            value.backward()
            opt.step()
            total += float(value.detach()) * len(a)
        losses.append(total / len(x))
    return losses, {k: v.detach().numpy() for k, v in params.items()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_training_matches_pytorch(run, tmp_path, case):
    template, kind, optimizer, loss, torch_loss = CASES[case]
    x, y = make_data(kind, np.random.default_rng(4))
    np.savez(tmp_path / "d.npz", x=x, y=y)
    run("new", template, "-o", "p.nnd", "--data", "d.npz")
    run("export", "p.nnd", "--format", "npz", "-o", "initial.npz")
    lr, epochs, batch = 0.05, 3, 4
    result = run("train", "p.nnd", "--data", "d.npz", "--optimizer", optimizer, "--loss", loss,
                 "--lr", str(lr), "--epochs", str(epochs), "--batch-size", str(batch),
                 "--no-shuffle", "--validation-split", "0", "--json").json
    expected, weights = torch_training(read_npz_export(tmp_path / "initial.npz"), x, y,
                                       optimizer, torch_loss, lr, epochs, batch)
    np.testing.assert_allclose([e["loss"] for e in result["epochs"]], expected, rtol=1e-5)
    trained = Project.load(tmp_path / "p.nnd").weights
    for key, value in weights.items():
        np.testing.assert_allclose(trained[key], value, atol=1e-5, err_msg=key)
