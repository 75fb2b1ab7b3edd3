"""Shared by the benchmark scripts: BLAS facts, command-line options, best-of timing, the
benchmark CNN. Run the scripts from the repository root: ``python benchmarks/bench_x.py``."""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Callable

import numpy as np

import engine


def blas_info() -> tuple[int, str]:
    """NumPy's BLAS thread count (PyTorch gets the same) and a description for the report."""
    env = " ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                   if k in os.environ)
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return os.cpu_count() or 1, env or "BLAS unknown (threadpoolctl not installed)"
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not blas:
        return os.cpu_count() or 1, env
    info = blas[0]
    desc = f"{info.get('internal_api')} {info.get('version')} {info.get('architecture') or ''}"
    return max(i["num_threads"] for i in blas), f"{desc.strip()} {env}".strip()


def verdict(ratio: float, target: float) -> str:
    return "PASS" if ratio <= target else "FAIL"


def report_torch(label: str, best: dict[str, float], target: float,
                 args: argparse.Namespace) -> None:
    """The engine-against-PyTorch line (or why it is missing), then the --quick caveat."""
    t = best["engine"]
    if "torch" in best:
        r = t / best["torch"]
        print(f"{label} epoch: {t:.3f} s   PyTorch: {best['torch']:.3f} s   ratio {r:.2f} "
              f"(target ≤ {target})  {verdict(r, target)}")
    else:
        print("PyTorch not importable: comparison skipped")
    if args.quick:
        print("(--quick: a smoke run on little data; the ratios are not the targets' figures)")


def options(description: str) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--quick", action="store_true", help="small data, one repeat (smoke run)")
    ap.add_argument("--repeats", type=int, default=None, help="timed rounds (default 3)")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    return ap.parse_args()


def best_of(contenders: dict[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    """Warm every contender up once, then keep each one's best time over ``repeats`` rounds
    (interleaved, so a busy moment of the machine hits all of them alike)."""
    for run in contenders.values():  # caches, buffers, thread pools
        run()
    best = {name: float("inf") for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            best[name] = min(best[name], run())
    return best


def make_cnn() -> engine.Model:
    spec = engine.NetworkSpec.sequential(
        [
            {"type": "Input", "shape": [1, 28, 28]},
            {"type": "Conv2D", "filters": 8, "kernel_size": 3, "activation": "relu"},
            {"type": "MaxPool2D", "pool_size": 2},
            {"type": "Conv2D", "filters": 16, "kernel_size": 3, "activation": "relu"},
            {"type": "MaxPool2D", "pool_size": 2},
            {"type": "Flatten"},
            {"type": "Dense", "units": 10, "activation": "softmax"},
        ],
        loss="cross_entropy",
    )
    return engine.Model(spec, seed=0)


def engine_epoch(model: engine.Model, x: np.ndarray, y: np.ndarray, batch: int,
                 lr: float) -> float:
    """Seconds for one SGD epoch through the engine's real training loop (with shuffling)."""
    config = engine.TrainingConfig(epochs=1, batch_size=batch, optimizer="sgd", lr=lr)
    trainer = engine.Trainer(model, x, y, config)  # input checks: not part of the epoch
    start = time.perf_counter()
    for _ in trainer.run():
        pass
    return time.perf_counter() - start


def add_torch(contenders: dict[str, Callable[[], float]], args: argparse.Namespace,
              build: Callable, x: np.ndarray, y: np.ndarray, threads: int, batch: int,
              lr: float) -> None:
    """Time PyTorch too (as "torch") unless ``--no-torch`` or torch is not importable."""
    if args.no_torch:
        return
    with contextlib.suppress(ImportError):
        contenders["torch"] = TorchRun(build, x, y, threads, batch, lr).epoch


class TorchRun:
    """The same epoch in PyTorch (plain SGD, shuffled, cross-entropy) for the comparison.
    ``build(nn)`` returns the network from ``torch.nn``; raises ImportError without torch."""

    def __init__(self, build: Callable, x: np.ndarray, y: np.ndarray, threads: int,
                 batch: int, lr: float) -> None:
        import torch

        self.torch = torch
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        self.net = build(torch.nn)
        self.opt = torch.optim.SGD(self.net.parameters(), lr=lr)
        self.x = torch.from_numpy(x)
        self.y = torch.from_numpy(y)
        self.batch = batch

    def epoch(self) -> float:
        torch, net, opt = self.torch, self.net, self.opt
        n = len(self.x)
        start = time.perf_counter()
        order = torch.randperm(n)
        for i in range(0, n, self.batch):
            idx = order[i : i + self.batch]
            xb, yb = self.x[idx], self.y[idx]
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(net(xb), yb)
            loss.backward()
            opt.step()
            loss.item()  # the engine reports every batch's loss too
        return time.perf_counter() - start
