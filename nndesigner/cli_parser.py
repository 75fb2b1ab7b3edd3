"""The argument parser of the ``nndesigner`` sub-commands, with their help texts.

Option values are checked here (whole numbers, fractions, choices), so a bad value is a
usage error: exit status 2 with argparse's message.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable

from . import __version__

LOSS_CHOICES = ("mse", "mae", "cross-entropy", "binary-cross-entropy")
OPTIMIZER_CHOICES = ("sgd", "momentum", "rmsprop", "adam")

DATA_HELP = """\
DATA is a bundled data set's name (see `nndesigner datasets`; used when no file of that
name exists), a .csv file with a header row (target: --target NAME, else the column named
label, target or class, else the last; numeric columns are standardised and text columns
one-hot encoded, and the project remembers how), a folder with one sub-folder of images per
class, or an .npz with x (N×F, N×H×W or N×C×H×W) and y (integer labels 0..K-1, or floats
for regression)."""

EPILOG = f"""\
{DATA_HELP}

Output: --json prints exactly one JSON object on stdout; progress and warnings go to stderr.
Exit status: 0 success, 1 failure, 2 usage error. --debug (anywhere) shows tracebacks."""


def _number_type(kind: type, ok, rule: str):
    """An argparse ``type``: parse ``kind`` ("a whole number" or "a number"), then check
    ``ok(value)``, else say the ``rule`` it breaks."""
    noun = "a whole number" if kind is int else "a number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"must be {rule}, got {text}")
        return value

    return parse


_positive_int = _number_type(int, lambda v: v >= 1, "at least 1")
_seed = _number_type(int, lambda v: v >= 0, "0 or more")
_positive_float = _number_type(float, lambda v: 0 < v < float("inf"), "a positive number")
_fraction = _number_type(float, lambda v: 0.0 <= v < 1.0, "at least 0 and below 1")


def _name(text: str) -> str:
    return text.strip().lower().replace("_", "-")


class _Formatter(argparse.HelpFormatter):
    """Fills each paragraph of a description on its own (argparse would merge them) and
    gives option names a wider column."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.nargs == argparse.PARSER:  # argparse under-counts indented command names
            longest = max(len(name) for name in action.choices)
            self._action_max_length = max(self._action_max_length,
                                          longest + self._current_indent + 4)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
        return "\n\n".join(textwrap.fill(p, width, initial_indent=indent,
                                          subsequent_indent=indent) for p in paragraphs)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command (the names :data:`nndesigner.cli.HANDLERS` runs)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show a traceback on errors")
    parser = argparse.ArgumentParser(
        prog="nndesigner", parents=[common],
        usage="nndesigner [PROJECT] | nndesigner COMMAND [options]",
        description="Design, train and use neural networks. Without a command, open PROJECT "
                    "in the GUI (else the last project, else the bundled example).",
        epilog=EPILOG, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"nndesigner {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, help: str, description: str = "") -> argparse.ArgumentParser:
        return sub.add_parser(name, prog=f"nndesigner {name}", help=help,
                              description=description or help,
                              parents=[common], formatter_class=_Formatter)

    def json_flag(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    json_flag(command("templates", "list the bundled example projects"))
    json_flag(command("datasets", "list the bundled data sets"))
    _add_new(command)
    p = command("info", "layers, output shapes, parameters, loss, optimizer, trained or not")
    p.add_argument("project", metavar="PROJECT")
    json_flag(p)
    _add_train(command, json_flag)
    _add_use(command, json_flag)
    _add_exchange(command)
    return parser


def _add_new(command: Callable[..., argparse.ArgumentParser]) -> None:
    p = command("new", "a new project from a template",
                "A new project from a bundled template (see `nndesigner templates`). With "
                "--data the Input layer takes the data's features or image shape and the "
                "output layer gets one neuron per class (per target for regression); the "
                "loss and output activation change when the data's kind needs it.\n\n"
                + DATA_HELP)
    p.add_argument("template", metavar="TEMPLATE")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="project file to write")
    p.add_argument("--data", metavar="DATA", help="size the network to these data")


def _add_train(command: Callable[..., argparse.ArgumentParser],
               json_flag: Callable[[argparse.ArgumentParser], None]) -> None:
    p = command("train", "train a project on data and save it",
                "Train PROJECT on DATA and save it (to PROJECT unless -o), atomically. "
                "Settings not given come from the project; given ones are saved with it. "
                "Training continues from the project's weights when it has them; otherwise "
                "initial weights are drawn from the seed. In --json output, each epoch's "
                "'seconds' is that epoch's wall time.\n\n" + DATA_HELP)
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--data", required=True, metavar="DATA")
    p.add_argument("-o", "--output", metavar="OUT", help="write the trained project here")
    p.add_argument("--epochs", type=_positive_int, metavar="N")
    p.add_argument("--batch-size", type=_positive_int, metavar="B")
    p.add_argument("--lr", type=_positive_float, metavar="X", help="learning rate")
    p.add_argument("--optimizer", type=_name, choices=OPTIMIZER_CHOICES,
                   help="as torch.optim with its defaults (momentum 0.9)")
    p.add_argument("--loss", type=_name, choices=LOSS_CHOICES)
    p.add_argument("--validation-split", type=_fraction, metavar="F",
                   help="hold out the last F of the (shuffled) samples; 0: train on all")
    p.add_argument("--no-shuffle", action="store_true", help="batches in file order")
    p.add_argument("--seed", type=_seed, metavar="S",
                   help="shuffle, split, dropout and (for a new network) initial weights")
    p.add_argument("--target", metavar="NAME", help="the CSV column to predict")
    json_flag(p)


def _add_use(command: Callable[..., argparse.ArgumentParser],
             json_flag: Callable[[argparse.ArgumentParser], None]) -> None:
    p = command("evaluate", "loss, accuracy and confusion matrix on data",
                "Loss, accuracy and confusion matrix (rows: true class, columns: predicted "
                "class) of PROJECT on DATA, prepared as the training data were.\n\n"
                + DATA_HELP)
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--data", required=True, metavar="DATA")
    p.add_argument("--target", metavar="NAME", help="the CSV column holding the answers")
    json_flag(p)
    p = command("predict", "the network's outputs for images, CSV rows or arrays",
                "Outputs (probabilities after softmax) and labels for each INPUT: image files "
                "or folders (converted to the Input's channels and size, scaled to [0, 1]), "
                "CSV files (one prediction per row, a target column is ignored), .npz files "
                "(their x) or a bundled data set's name. Rows are named FILE#ROW (0-based).")
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    json_flag(p)


def _add_exchange(command: Callable[..., argparse.ArgumentParser]) -> None:
    p = command("export", "write the network as ONNX, .npz or a standalone predict.py",
                "onnx: one .onnx file (opset 17, input 'input', output 'output').\n\n"
                "npz: one .npz with the weights, architecture, preprocessing and class "
                "names.\n\n"
                "python: predict.py (NumPy only; `python predict.py inputs.npz|.npy|.csv "
                "[--outputs]`) plus the .npz it reads: OUT is a folder (predict.py and "
                "model.npz inside) or NAME.py (NAME.npz beside it).")
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--format", required=True, choices=("onnx", "npz", "python"))
    p.add_argument("-o", "--output", required=True, metavar="OUT")
    p = command("import", "make a trained project from an ONNX model")
    p.add_argument("model", metavar="MODEL.onnx")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="project file to write")
