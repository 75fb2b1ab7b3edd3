"""Training the digits CNN from the window: GUI responsiveness and throughput.

A QTimer fires every 10 ms on the GUI thread and records how late each tick is (the
event-loop latency a user feels) while the TrainingController trains the bundled digits CNN in
its worker thread, with the canvas, the training panel and the live views connected. The
baseline is the same training run headless (engine.Trainer, same data, settings and seed) in
the same process. Targets: worst delay ≤ 50 ms; throughput ≥ 80 % of headless.

    python benchmarks/bench_training_gui.py [--quick] [--tab weights|gradients|...]

``--tab`` shows another live view during the run (default: loss and accuracy).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

import engine
from engine import data
from nndesigner.main_window import MainWindow
from nndesigner.recovery import RecoveryStore


def headless(x, y, config, spec) -> float:
    """Samples per second of the same run without a window (best of two, after a warm-up)."""
    engine.Trainer(engine.Model(spec, seed=config.seed), x[:256], y[:256], config).run_to_end()
    best = 0.0
    for _ in range(2):
        model = engine.Model(spec, seed=config.seed)
        start = time.perf_counter()
        engine.Trainer(model, x, y, config).run_to_end()
        best = max(best, len(x) * config.epochs / (time.perf_counter() - start))
    return best


def main() -> int:
    quick = "--quick" in sys.argv
    n, epochs = (1000, 1) if quick else (6000, 3)
    app = QApplication.instance() or QApplication([])
    settings = QSettings("/tmp/nndesigner-bench.ini", QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, recovery=RecoveryStore(
        __import__("pathlib").Path("/tmp/nndesigner-bench-recovery")))
    window.open_template("digits_cnn")
    window.resize(1366, 768)
    window.show()
    digits = data.load_bundled("digits", n_samples=n)
    x, y = digits.x, digits.y
    config = engine.TrainingConfig(epochs=epochs, batch_size=64, optimizer="adam", lr=0.002,
                                   seed=0)
    window.doc.training = config
    window.doc.set_weights(None)
    base_rate = headless(x, y, config, window.doc.spec)

    if "--tab" in sys.argv:
        wanted = sys.argv[sys.argv.index("--tab") + 1].lower()
        views = window.live_views
        index = next(i for i in range(views.count()) if wanted in views.tabText(i).lower())
        views.setCurrentIndex(index)
    window.data_panel.blockSignals(True)  # the benchmark feeds the data itself
    window.controller.set_data(x, y)
    delays: list[float] = []
    interval = 10
    last = [time.perf_counter()]

    when: list[float] = []

    def tick():
        now = time.perf_counter()
        delays.append((now - last[0]) * 1000 - interval)
        when.append(now)
        last[0] = now

    probe = QTimer()
    probe.setInterval(interval)
    probe.timeout.connect(tick)
    done = []
    window.controller.run_finished.connect(done.append)
    window.controller.failed.connect(lambda m: print("failed:", m))
    for _ in range(20):
        app.processEvents()
    loop = QEventLoop()
    window.controller.run_finished.connect(loop.quit)
    window.controller.failed.connect(loop.quit)
    last[0] = time.perf_counter()  # the first tick is measured from here
    probe.start()
    start = time.perf_counter()
    window.controller.start()
    loop.exec()  # the GUI thread idles in its event loop, as in the app
    elapsed = time.perf_counter() - start
    probe.stop()
    window.doc.undo_stack.setClean()
    gui_rate = len(x) * epochs / elapsed
    worst = max(delays) if delays else float("nan")
    if "--verbose" in sys.argv:
        for d, t in sorted(zip(delays, when, strict=True), reverse=True)[:5]:
            print(f"  delay {d:6.1f} ms at {t - start:6.2f} s of {elapsed:.2f} s")
    delays.sort()
    p99 = delays[int(0.99 * (len(delays) - 1))] if delays else float("nan")
    tab = window.live_views.tabText(window.live_views.currentIndex()).replace("&&", "&")
    print(f"digits CNN, {n} samples × {epochs} epoch(s), batch 64, adam; window 1366×768, "
          f"live view '{tab}'")
    print(f"GUI thread latency: worst {worst:.1f} ms, 99th percentile {p99:.1f} ms over "
          f"{len(delays)} ticks (target worst ≤ 50 ms): {'PASS' if worst <= 50 else 'FAIL'}")
    ratio = gui_rate / base_rate
    print(f"throughput from the window {gui_rate:,.0f} samples/s, headless {base_rate:,.0f} "
          f"samples/s: {ratio:.0%} (target ≥ 80 %): {'PASS' if ratio >= 0.8 else 'FAIL'}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
