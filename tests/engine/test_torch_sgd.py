"""Plain SGD through the one-pass BLAS step agrees with PyTorch (runs where torch is
installed: ``pip install torch==2.13.0``; it is never a dependency)."""

import numpy as np
import pytest

import engine

torch = pytest.importorskip("torch")


def test_wide_mlp_trains_like_pytorch():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(256, 200)).astype(np.float32)
    y = rng.integers(0, 3, size=256)
    spec = engine.NetworkSpec.sequential(
        [{"type": "Input", "shape": [200]},
         {"type": "Dense", "units": 100, "activation": "relu"},  # 20,000 weights: BLAS step
         {"type": "Dense", "units": 3, "activation": "softmax"}], loss="cross_entropy")
    model = engine.Model(spec, seed=2)
    start = model.get_weights()
    config = engine.TrainingConfig(epochs=3, batch_size=32, lr=0.05, shuffle=False)
    epochs = [r.loss for r in engine.Trainer(model, x, y, config).run() if r.event == "epoch"]

    net = torch.nn.Sequential(torch.nn.Linear(200, 100), torch.nn.ReLU(), torch.nn.Linear(100, 3))
    with torch.no_grad():
        for layer, name in ((net[0], "dense_1"), (net[2], "dense_2")):
            layer.weight.copy_(torch.from_numpy(start[f"{name}/W"]))
            layer.bias.copy_(torch.from_numpy(start[f"{name}/b"]))
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    expected = []
    for _ in range(3):
        total = 0.0
        for i in range(0, 256, 32):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(xt[i : i + 32]), yt[i : i + 32])
            loss.backward()
            opt.step()
            total += loss.item() * 32
        expected.append(total / 256)
    np.testing.assert_allclose(epochs, expected, rtol=1e-5)
    trained = model.get_weights()
    for layer, name in ((net[0], "dense_1"), (net[2], "dense_2")):
        np.testing.assert_allclose(trained[f"{name}/W"], layer.weight.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(trained[f"{name}/b"], layer.bias.detach().numpy(), atol=1e-5)
