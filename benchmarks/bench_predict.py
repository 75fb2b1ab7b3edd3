"""Prediction latency: one 28×28 image to class probabilities with ``Model.predict``, for a
small digits MLP (784-128-10) and a small digits CNN (conv8-pool-conv16-pool-dense10).

The figure is the median over many calls after a warm-up; target ≤ 50 µs. For reference it
also prints the bare NumPy floor: the same layers' matrix products alone (no checks, no
bookkeeping).

    python benchmarks/bench_predict.py [--quick] [--calls N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import make_cnn

import engine

TARGET_US = 50.0


def mlp() -> engine.Model:
    spec = engine.NetworkSpec.sequential(
        [
            {"type": "Input", "shape": [784]},
            {"type": "Dense", "units": 128, "activation": "relu"},
            {"type": "Dense", "units": 10, "activation": "softmax"},
        ],
        loss="cross_entropy",
    )
    return engine.Model(spec, seed=0)


def median_us(fn, calls: int) -> float:
    for _ in range(min(calls, 200)):  # warm up: buffers, caches
        fn()
    times = np.empty(calls)
    clock = time.perf_counter
    for i in range(calls):
        t0 = clock()
        fn()
        times[i] = clock() - t0
    return float(np.median(times)) * 1e6


def gemm_floor(model: engine.Model, image: np.ndarray):
    """The model's matrix products for one image, operands prepared in advance."""
    products = []
    for node in model.nodes:
        W = node.layer.params.get("W")
        if W is None:
            continue
        if W.value.ndim == 2:  # Dense: (1, in) · (in, units)
            a = np.ones((1, W.value.shape[1]), dtype=np.float32)
            products.append((a, W.value.T))
        else:  # Conv2D: (positions, kh·kw·c) · (kh·kw·c, filters)
            _, oh, ow = node.shape
            kmat = W.value.reshape(W.value.shape[0], -1)
            a = np.ones((oh * ow, kmat.shape[1]), dtype=np.float32)
            products.append((a, kmat.T))

    def run():
        for a, b in products:
            a @ b

    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer calls (smoke run)")
    ap.add_argument("--calls", type=int, default=None, help="timed calls (default 20000)")
    args = ap.parse_args()
    calls = args.calls or (2_000 if args.quick else 20_000)
    rng = np.random.default_rng(0)
    image = rng.random((28, 28), dtype=np.float32)

    for name, model, x in (
        ("MLP 784-128-10", mlp(), image.reshape(1, 784)),
        ("CNN conv8-pool-conv16-pool-dense10", make_cnn(), image.reshape(1, 28, 28)),
    ):
        probs = model.predict(x)
        assert probs.shape == (1, 10) and abs(float(probs.sum()) - 1.0) < 1e-5
        t = median_us(lambda m=model, x=x: m.predict(x), calls)
        f = median_us(gemm_floor(model, image), calls)
        verdict = "PASS" if t <= TARGET_US else "FAIL"
        print(f"predict one image, {name}: median {t:.1f} µs   NumPy GEMM floor: {f:.1f} µs   "
              f"(target ≤ {TARGET_US:.0f} µs)  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
