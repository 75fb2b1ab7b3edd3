"""Does a data set fit the network? Lines saying what matches and what to change."""

from __future__ import annotations

from engine.catalog import fmt_shape
from engine.data import Dataset

from ..document import Document


def _inputs(shape: tuple[int, ...]) -> str:
    return (f"{shape[0]} feature{'s' * (shape[0] != 1)}" if len(shape) == 1
            else f"{fmt_shape(shape)} images")


def compatibility(ds: Dataset, doc: Document) -> list[tuple[bool, str]]:
    """Lines comparing the data with the network: (fits, text saying what to change)."""
    a, have, out = doc.analysis, ds.input_shape, []
    want = a.shapes.get(a.input) if a.input else None
    if want is None:
        out.append((False, f"The network has no Input layer — add one with shape "
                           f"{fmt_shape(have)}"))
    elif tuple(want) == have:
        out.append((True, f"The network's input expects {_inputs(want)}; this data has "
                          f"{fmt_shape(have)} ✓"))
    else:
        flat = len(want) == 1 and len(have) == 3
        out.append((False, f"The network's input expects {_inputs(want)}; this data has "
                           f"{_inputs(have)} — set the Input layer's shape to {fmt_shape(have)}"
                           + (" (and Flatten before Dense layers)" if flat else "")))
    shape = a.shapes.get(a.output) if a.output else None
    need = ds.n_outputs
    what = (f"{need} classes" if ds.is_classification
            else f"{need} target{'s' * (need != 1)}")
    if shape is None or len(shape) != 1:
        got = "no output size yet" if shape is None else f"output {fmt_shape(shape)}"
        out.append((False, f"The network has {got}; this data needs {need} output neurons "
                           f"({what}) — end it with a Dense layer of {need} units"))
    else:
        units = shape[0]
        unit_text = f"{units} unit{'s' * (units != 1)}"
        binary = doc.spec.loss == "binary_cross_entropy" and need == 2 and units == 1
        if units == need or (ds.is_classification and binary):
            out.append((True, f"Output layer has {unit_text}; this data has {what} ✓"))
        else:
            how = "with softmax" if ds.is_classification else "and no activation (linear)"
            out.append((False, f"Output layer has {unit_text}; this data has {what} — set the "
                               f"output layer to {need} neurons {how}"))
    loss = doc.spec.loss
    if ds.is_classification and loss in ("mse", "mae"):
        out.append((False, f"The loss is {loss}: for classes choose cross-entropy"))
    elif not ds.is_classification and "cross_entropy" in loss:
        out.append((False, "The loss is cross-entropy: for numbers to predict choose mse"))
    return out
