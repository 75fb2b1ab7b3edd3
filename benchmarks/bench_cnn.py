"""CNN training speed: one epoch of 1×28×28 → Conv2D 8@3×3 ReLU → MaxPool2D 2 → Conv2D 16@3×3
ReLU → MaxPool2D 2 → Flatten → Dense 10 softmax (cross-entropy, plain SGD, batch 64, 10,000
float32 samples) through the real training loop, ``Trainer.run()``.

Baselines measured in the same process:

* PyTorch, when importable (never a dependency): the same network, SGD and batch size on the
  same number of threads; target ratio ≤ 1.6;
* a NumPy floor, for information: the epoch's im2col matrix products alone, same shapes, into
  preallocated outputs. Small convolutions are dominated by memory traffic, not by these
  products, so this ratio is large by nature and has no target.

Every figure is the minimum over repeats, taken in interleaved rounds so that a busy CPU hurts
the engine and its baselines alike.

    python benchmarks/bench_cnn.py [--quick] [--repeats N]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import add_torch, best_of, blas_info, engine_epoch, make_cnn, options, report_torch

BATCH = 64
LR = 0.01
TORCH_TARGET = 1.6


def make_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((n, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


class GemmFloor:
    """The epoch's im2col products alone: (A, B) operand shapes of each product per batch."""

    def __init__(self, n_samples: int) -> None:
        self.n = n_samples
        rng = np.random.default_rng(1)
        self.plans: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        self.rng = rng

    def _plan(self, n: int):
        if n not in self.plans:
            m1, m2 = n * 26 * 26, n * 11 * 11
            shapes = [
                # forward: conv1, conv2, dense
                ((m1, 9), (9, 8)), ((m2, 72), (72, 16)), ((n, 400), (400, 10)),
                # weight gradients
                ((8, m1), (m1, 9)), ((16, m2), (m2, 72)), ((10, n), (n, 400)),
                # input gradients: dense, conv2 (conv1's input needs none)
                ((n, 10), (10, 400)), ((m2, 16), (16, 72)),
            ]
            plan = []
            for a, b in shapes:
                # Transposed operands where the engine has them (dzᵀ·cols), as views.
                A = self.rng.random(a[::-1] if a[0] < a[1] else a, dtype=np.float32)
                A = A.T if a[0] < a[1] else A
                B = self.rng.random(b, dtype=np.float32)
                plan.append((A, B, np.empty((a[0], b[1]), dtype=np.float32)))
            self.plans[n] = plan
        return self.plans[n]

    def epoch(self) -> float:
        start = time.perf_counter()
        for i in range(0, self.n, BATCH):
            for A, B, out in self._plan(min(BATCH, self.n - i)):
                np.matmul(A, B, out=out)
        return time.perf_counter() - start


def torch_cnn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 10),
    )


def main() -> int:
    args = options(__doc__.split("\n\n")[0])
    n = 2_000 if args.quick else 10_000
    repeats = args.repeats or (1 if args.quick else 3)
    threads, blas = blas_info()
    x, y = make_data(n)

    model = make_cnn()
    floor = GemmFloor(n)
    contenders = {"engine": lambda: engine_epoch(model, x, y, BATCH, LR), "floor": floor.epoch}
    add_torch(contenders, args, torch_cnn, x, y, threads, BATCH, LR)

    best = best_of(contenders, repeats)

    t, f = best["engine"], best["floor"]
    print(f"CNN conv8-pool-conv16-pool-dense10, batch {BATCH}, {n} samples, {threads} thread(s) "
          f"({blas}), best of {repeats}")
    print(f"CNN epoch: {t:.3f} s   NumPy GEMM floor: {f:.3f} s   ratio {t / f:.2f} "
          "(information: no target)")
    report_torch("CNN", best, TORCH_TARGET, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
