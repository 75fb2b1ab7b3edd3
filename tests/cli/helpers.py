"""Helpers for the command-line tests: run the real console script, make small data files.

Every test runs ``nndesigner`` (the installed console script next to the interpreter) in a
subprocess, so argument parsing, exit codes, stdout/stderr and files are what a user gets.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

EXE = shutil.which("nndesigner", path=str(Path(sys.executable).parent))


class Run:
    """A finished ``nndesigner`` run: exit code, stdout, stderr, and the JSON on stdout."""

    def __init__(self, proc: subprocess.CompletedProcess) -> None:
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    @property
    def json(self):
        assert self.out.count("\n") == 1, f"not exactly one line on stdout: {self.out!r}"
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"<Run {self.code}\nstdout: {self.out}\nstderr: {self.err}>"


def nnd(*args, cwd: Path, check: bool = True, env: dict | None = None) -> Run:
    """Run ``nndesigner ARGS`` in ``cwd``; with ``check`` it must exit 0."""
    assert EXE, "the nndesigner console script is not installed next to the interpreter"
    run_env = dict(os.environ)
    run_env.pop("DISPLAY", None)  # sub-commands never need a display
    run_env.pop("WAYLAND_DISPLAY", None)
    run_env.pop("QT_QPA_PLATFORM", None)
    run_env.update(env or {})
    proc = subprocess.run([EXE, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=run_env)
    result = Run(proc)
    if check:
        assert result.code == 0, result
    return result


def write_trips_csv(path: Path, n: int = 60, seed: int = 0) -> Path:
    """A table with a categorical column and a text target that a small net can learn."""
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["age", "region", "budget", "bought"])
        for _ in range(n):
            age = int(rng.integers(18, 70))
            region = str(rng.choice(["asia", "europe", "america"]))
            budget = round(float(rng.normal(1000, 300)), 1)
            w.writerow([age, region, budget, "yes" if (age > 40) != (region == "asia") else "no"])
    return path


def write_image_folder(root: Path, per_class: int = 6, size: int = 12) -> Path:
    """root/circle/*.png and root/cross/*.png: coloured shapes on white, RGB PNGs."""
    rng = np.random.default_rng(1)
    for cls in ("circle", "cross"):
        folder = root / cls
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            a = np.full((size, size, 3), 255, np.uint8)
            if cls == "circle":
                yy, xx = np.mgrid[:size, :size]
                a[(yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size / 3) ** 2] = (200, 30, 30)
            else:
                a[size // 2 - 1 : size // 2 + 1, :] = (30, 30, 200)
                a[:, size // 2 - 1 : size // 2 + 1] = (30, 30, 200)
            noise = rng.integers(-20, 20, a.shape)
            Image.fromarray(np.clip(a.astype(int) + noise, 0, 255).astype(np.uint8)).save(
                folder / f"{i}.png")
    return root


def copy_into(src: Path, dst: Path, *names: str) -> None:
    for name in names:
        if (src / name).is_dir():
            shutil.copytree(src / name, dst / name)
        else:
            shutil.copy2(src / name, dst / name)
