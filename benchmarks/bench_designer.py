"""GUI-thread cost of editing a 200-layer design: add, move and delete a layer.

Each figure is the median wall time of pushing the command (which re-validates the network
and updates the canvas items) plus processing the events it posts, including the repaint of
the view. The baseline is the engine's own re-validation (NetworkSpec.check) of the same
design, measured in the same process. Target: ≤ 16 ms per edit.

    python benchmarks/bench_designer.py [--quick]
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

import engine
from nndesigner import commands as cmd
from nndesigner.canvas.layout import layered_layout
from nndesigner.canvas.scene import NetworkScene
from nndesigner.canvas.view import NetworkView
from nndesigner.document import Document

TARGET_MS = 16.0


def design(n_layers: int) -> engine.NetworkSpec:
    """A long chain with a few residual merges and convolution stages, as real designs are."""
    spec = engine.NetworkSpec(loss="cross_entropy")
    prev = spec.add_layer("Input", name="input", shape=[64])
    for i in range(n_layers - 2):
        if i % 10 == 9:
            prev = spec.add_layer("Add", inputs=[prev, spec.layers[prev].inputs[0]])
        else:
            prev = spec.add_layer("Dense", inputs=[prev], units=64, activation="relu")
    spec.add_layer("Dense", inputs=[prev], units=10, activation="softmax")
    return spec


def timed(app: QApplication, action) -> float:
    start = time.perf_counter()
    action()
    app.processEvents()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    quick = "--quick" in sys.argv
    repeats = 5 if quick else 30
    app = QApplication.instance() or QApplication([])
    doc = Document()
    spec = design(200)
    doc.load(spec, layered_layout(spec))
    scene = NetworkScene(doc)
    view = NetworkView(scene)
    view.resize(1280, 720)
    view.show()
    view.fit_all()
    app.processEvents()
    assert len(doc.spec.layers) == 200 and doc.analysis.ok

    check = [timed(app, doc.spec.check) for _ in range(repeats)]
    add, move, delete = [], [], []
    for i in range(repeats):
        name = f"probe_{i}"

        def do_add(name=name, i=i):
            doc.undo_stack.push(cmd.AddLayerCommand(doc, "Dense", (100.0, 400.0 + i),
                                                    {"units": 8}, ["dense_50"], name=name))

        add.append(timed(app, do_add))
        old = doc.position(name)
        move.append(timed(app, lambda name=name, old=old: doc.undo_stack.push(
            cmd.MoveLayersCommand(doc, {name: (old, (old[0] + 30.0, old[1] + 10.0))}))))
        delete.append(timed(app, lambda name=name: doc.undo_stack.push(
            cmd.RemoveLayersCommand(doc, [name]))))

    base = statistics.median(check)
    print(f"200-layer design, median of {repeats} edits (GUI thread, incl. repaint):")
    worst = 0.0
    for label, values in (("add", add), ("move", move), ("delete", delete)):
        med = statistics.median(values)
        worst = max(worst, med)
        print(f"  {label:<7} {med:6.2f} ms   (max {max(values):6.2f} ms)   "
              f"{med / base:5.1f}× re-validation alone ({base:.2f} ms)")
    verdict = "PASS" if worst <= TARGET_MS else "FAIL"
    print(f"worst median {worst:.2f} ms, target ≤ {TARGET_MS:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
