"""MLP training speed: one epoch of 784-256-128-10 (ReLU, softmax + cross-entropy, plain SGD,
batch 128, 60,000 float32 samples) through the real training loop, ``Trainer.run()``.

Baselines measured in the same process:

* the "GEMM floor": the epoch's matrix products alone in NumPy, same shapes (forward 3,
  weight gradients 3, input gradients 2) into preallocated outputs; target ratio ≤ 1.35;
* PyTorch, when importable (never a dependency): the same MLP, SGD and batch size on the same
  number of threads; target ratio ≤ 0.85.

Every figure is the minimum over repeats, taken in interleaved rounds so that a busy CPU hurts
the engine and its baselines alike.

    python benchmarks/bench_mlp.py [--quick] [--repeats N]
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import (
    add_torch,
    best_of,
    blas_info,
    engine_epoch,
    options,
    report_torch,
    verdict,
)

import engine

SIZES = (784, 256, 128, 10)
BATCH = 128
LR = 0.01
FLOOR_TARGET = 1.35
TORCH_TARGET = 0.85


def make_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((n, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], n)
    return x, y


def make_model() -> engine.Model:
    layers: list[dict] = [{"type": "Input", "shape": [SIZES[0]]}]
    layers += [{"type": "Dense", "units": u, "activation": "relu"} for u in SIZES[1:-1]]
    layers.append({"type": "Dense", "units": SIZES[-1], "activation": "softmax"})
    return engine.Model(engine.NetworkSpec.sequential(layers, loss="cross_entropy"), seed=0)


class GemmFloor:
    """The epoch's matrix products alone, into buffers allocated once."""

    def __init__(self, x: np.ndarray) -> None:
        rng = np.random.default_rng(1)
        self.x = x
        self.W = [rng.standard_normal((o, i), dtype=np.float32) * 0.05
                  for i, o in itertools.pairwise(SIZES)]
        self.dW = [np.empty_like(w) for w in self.W]
        self.buffers: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {}

    def _outs(self, n: int):
        if n not in self.buffers:
            acts = [np.empty((n, s), dtype=np.float32) for s in SIZES[1:]]
            grads = [np.empty((n, s), dtype=np.float32) for s in SIZES[:-1]]
            self.buffers[n] = (acts, grads)
        return self.buffers[n]

    def epoch(self) -> float:
        x, W, dW = self.x, self.W, self.dW
        start = time.perf_counter()
        for i in range(0, len(x), BATCH):
            xb = x[i : i + BATCH]
            acts, grads = self._outs(len(xb))
            h = xb
            for k, w in enumerate(W):
                np.matmul(h, w.T, out=acts[k])
                h = acts[k]
            dz = acts[-1]  # stands in for dL/dz: same shape, the products cost the same
            ins = [xb, *acts[:-1]]
            for k in range(len(W) - 1, -1, -1):
                np.matmul(dz.T, ins[k], out=dW[k])
                if k > 0:
                    np.matmul(dz, W[k], out=grads[k])
                    dz = grads[k]
        return time.perf_counter() - start


def torch_mlp(nn):
    mods: list = []
    for i, o in itertools.pairwise(SIZES):
        mods += [nn.Linear(i, o), nn.ReLU()]
    return nn.Sequential(*mods[:-1])  # no ReLU after the output layer


def main() -> int:
    args = options(__doc__.split("\n\n")[0])
    n = 6_000 if args.quick else 60_000
    repeats = args.repeats or (1 if args.quick else 3)
    threads, blas = blas_info()
    x, y = make_data(n)

    model = make_model()
    floor = GemmFloor(x)
    contenders = {"engine": lambda: engine_epoch(model, x, y, BATCH, LR), "floor": floor.epoch}
    add_torch(contenders, args, torch_mlp, x, y, threads, BATCH, LR)

    best = best_of(contenders, repeats)

    t, f = best["engine"], best["floor"]
    print(f"MLP 784-256-128-10, batch {BATCH}, {n} samples, {threads} thread(s) "
          f"({blas}), best of {repeats}")
    r = t / f
    print(f"MLP epoch: {t:.3f} s   GEMM floor: {f:.3f} s   ratio {r:.2f} "
          f"(target ≤ {FLOOR_TARGET})  {verdict(r, FLOOR_TARGET)}")
    report_torch("MLP", best, TORCH_TARGET, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
