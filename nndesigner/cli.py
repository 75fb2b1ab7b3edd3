"""The ``nndesigner`` command: the GUI, or a sub-command over the engine.

    nndesigner [PROJECT]                  open the GUI
    nndesigner COMMAND [options]          templates, datasets, new, info, train, evaluate,
                                          predict, export, import (see --help)

A first argument that names a sub-command is that sub-command; anything else is a project
to open. This module only dispatches (the parser is :mod:`nndesigner.cli_parser`): each
command lives in a ``cli_*`` module, imported when it runs. Qt is imported on the GUI path
only, so sub-commands and ``--help`` work without a display.

Exit status: 0 success, 1 failure (``nndesigner: error: …`` on stderr, a traceback only
with ``--debug``, accepted anywhere), 2 usage error.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
import traceback
import warnings
from collections.abc import Callable

from .cli_parser import build_parser

# Sub-command → "module:function" (imported only when that command runs).
HANDLERS = {
    "templates": "cli_catalog:templates",
    "datasets": "cli_catalog:datasets",
    "new": "cli_new:new",
    "info": "cli_info:info",
    "train": "cli_train:train",
    "evaluate": "cli_use:evaluate",
    "predict": "cli_use:predict",
    "export": "cli_exchange:export",
    "import": "cli_exchange:import_model",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # never fail printing a name on an odd terminal
            stream.reconfigure(errors="replace")
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    if not argv or (argv[0] not in HANDLERS and not argv[0].startswith("-")):
        return _gui(argv)
    args = build_parser().parse_args(argv)
    if args.command is None:
        return _gui([])
    module, _, function = HANDLERS[args.command].partition(":")
    handler = getattr(importlib.import_module(f".{module}", __package__), function)
    return run(handler, args, debug)


def _gui(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="nndesigner", usage="nndesigner [PROJECT] | nndesigner COMMAND ...",
        description="Open PROJECT in the GUI (else the last project, else the example).")
    parser.add_argument("project", nargs="?", help="project file (.nnd) to open")
    first = argv[0] if argv else ""
    if first and not os.path.exists(first) and "." not in first:
        # `nndesigner trian` is a typo, not a project: say so rather than open a window
        close = difflib.get_close_matches(first, HANDLERS, n=1)
        if close:
            parser.error(f"unknown command '{first}' (did you mean '{close[0]}'?)")
    args = parser.parse_args(argv)
    from nndesigner.app import run_gui  # Qt: only here

    return run_gui(args.project)


def run(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace,
        debug: bool) -> int:
    """Run a command; turn every failure into a one-line message and exit status 1."""
    if not debug:  # NumPy's overflow warnings would only repeat what the error says
        warnings.simplefilter("ignore", RuntimeWarning)
    try:
        return handler(args)
    except KeyboardInterrupt:
        sys.stderr.write("\nnndesigner: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, and keep Python's final
        # flush from complaining again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"nndesigner: error: {error_message(exc)}\n")
        return 1


def error_message(exc: BaseException) -> str:
    """What went wrong and where, in one or a few lines."""
    from engine import EngineError  # the engine is loaded by now: commands use it

    if isinstance(exc, OSError) and not isinstance(exc, EngineError):
        reason = exc.strerror or str(exc)
        return f"{exc.filename}: {reason}" if exc.filename else reason
    text = str(exc)
    path = getattr(exc, "path", None)  # ProjectError: the file at fault
    if path is not None and not text.startswith(str(path)):
        text = f"{path}: {text}"
    known = isinstance(exc, EngineError | ValueError) or type(exc).__name__ == "CliError"
    if not known:
        text = f"internal error ({type(exc).__name__}: {text}); --debug shows the traceback"
    return text
