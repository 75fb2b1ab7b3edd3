"""Memory across training: resident memory (RSS) must not grow over 20 epochs.

Trains the benchmark MLP (784-256-128-10, batch 128) and the benchmark CNN (batch 64) through
``Trainer.run()`` with a validation split, reads RSS from /proc/self/statm after every epoch,
and compares the last epochs with the first ones after a two-epoch warm-up (buffers and the
allocator's pools settle). Growth beyond a small allowance for allocator noise is a FAIL.

    python benchmarks/bench_memory.py [--quick] [--epochs N]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_cnn
import bench_mlp

import engine

ALLOWANCE_MB = 2.0
MB = 1024 * 1024


def rss_mb() -> float:
    """Current resident set size (peak RSS where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / MB
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train(name: str, model: engine.Model, x: np.ndarray, y: np.ndarray, batch: int,
          epochs: int) -> bool:
    config = engine.TrainingConfig(epochs=epochs, batch_size=batch, optimizer="sgd",
                                   lr=0.01, validation_split=0.1)
    gc.collect()
    before = rss_mb()
    rss: list[float] = []
    for record in engine.Trainer(model, x, y, config).run():
        if record.event == "epoch":
            rss.append(rss_mb())
    # Medians of the first and last few epochs after a warm-up (buffers and the allocator's
    # pools settle over the first two): a leak grows steadily, allocator noise does not.
    settled = rss[2:] if len(rss) >= 5 else rss
    w = max(1, min(5, len(settled) // 4))
    growth = float(np.median(settled[-w:]) - np.median(settled[:w]))
    ok = growth <= ALLOWANCE_MB
    print(f"{name}: RSS before {before:.1f} MB, per epoch: "
          + " ".join(f"{r:.1f}" for r in rss))
    print(f"{name}: RSS epoch 1 {rss[0]:.1f} MB   epoch {len(rss)} {rss[-1]:.1f} MB   "
          f"growth {growth:+.1f} MB (median of the last {w} − the first {w} after warm-up; "
          f"target ≤ "
          f"{ALLOWANCE_MB:.0f} MB)  {'PASS' if ok else 'FAIL'}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small data, 5 epochs (smoke run)")
    ap.add_argument("--epochs", type=int, default=None, help="epochs (default 20)")
    args = ap.parse_args()
    epochs = args.epochs or (5 if args.quick else 20)
    scale = 10 if args.quick else 1

    x, y = bench_mlp.make_data(60_000 // scale)
    train("MLP", bench_mlp.make_model(), x, y, bench_mlp.BATCH, epochs)
    del x, y
    x, y = bench_cnn.make_data(10_000 // scale)
    train("CNN", bench_cnn.make_cnn(), x, y, bench_cnn.BATCH, epochs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
