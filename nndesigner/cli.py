"""The ``nndesigner`` command: without a sub-command it opens the GUI."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="nndesigner", description="Design, train and use neural networks."
    )
    parser.add_argument("--version", action="version", version="nndesigner 0.1.0")
    parser.add_argument("project", nargs="?", help="project to open in the GUI")
    args = parser.parse_args(argv)
    from nndesigner.app import run_gui

    return run_gui(args.project)
