"""Training controls: the settings of a run (epochs, batch size, optimiser, learning rate on a
logarithmic slider, schedule, regularisation, validation, early stopping, seed) and the
buttons that drive the TrainingController, with a progress line (epoch, batch, samples per
second, time left). Learning rate and optimiser also apply to a running or paused run, at its
next batch."""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine import TrainingConfig

from ..canvas.style import ERROR, WARNING
from ..document import Document
from ..training_controller import IDLE, PAUSED, RUNNING, TrainingController

LR_MIN, LR_MAX = 1e-5, 10.0
SLIDER_STEPS = 600
OPTIMIZERS = [("sgd", "SGD"), ("momentum", "SGD + momentum 0.9"), ("rmsprop", "RMSprop"),
              ("adam", "Adam"), ("adamw", "AdamW")]
SCHEDULES = [("constant", "constant"), ("step", "halve every 10 epochs"),
             ("exponential", "× 0.95 per epoch"), ("cosine", "cosine to 0")]


def lr_to_slider(lr: float) -> int:
    t = (math.log10(lr) - math.log10(LR_MIN)) / (math.log10(LR_MAX) - math.log10(LR_MIN))
    return round(max(0.0, min(1.0, t)) * SLIDER_STEPS)


def slider_to_lr(value: int) -> float:
    exponent = math.log10(LR_MIN) + value / SLIDER_STEPS * (math.log10(LR_MAX) - math.log10(LR_MIN))
    return float(f"{10 ** exponent:.3g}")  # 3 significant digits: 0.00316, not 0.0031622…


def fmt_seconds(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


class TrainingPanel(QWidget):
    settings_changed = Signal()

    def __init__(self, doc: Document, controller: TrainingController, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.controller = controller
        self._updating = False
        self._build()
        self.load_settings()
        doc.reset.connect(self.load_settings)
        doc.training_changed.connect(self.load_settings)
        controller.state_changed.connect(self._on_state)
        controller.progress.connect(self.show_progress)
        controller.run_started.connect(self._on_run_started)
        self._on_state(controller.state)

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        buttons = QGridLayout()
        self.start_button = QPushButton("▶ Train")
        self.pause_button = QPushButton("❚❚ Pause")
        self.step_batch_button = QPushButton("Step batch")
        self.step_epoch_button = QPushButton("Step epoch")
        self.stop_button = QPushButton("■ Stop")
        self.reset_button = QPushButton("⟲ Reset weights")
        tips = {
            self.start_button: "Start training, or resume a paused run",
            self.pause_button: "Pause after the current batch",
            self.step_batch_button: "Run one mini-batch (forward, backward, update), then pause",
            self.step_epoch_button: "Run one pass over the training data, then pause",
            self.stop_button: "End the run; the weights learned so far are kept",
            self.reset_button: "Forget what was learned: the next run starts from new random "
                               "weights",
        }
        for button, tip in tips.items():
            button.setToolTip(tip)
        self.start_button.clicked.connect(self._on_start)
        self.pause_button.clicked.connect(self.controller.pause)
        self.step_batch_button.clicked.connect(self.controller.step_batch)
        self.step_epoch_button.clicked.connect(self.controller.step_epoch)
        self.stop_button.clicked.connect(self.controller.stop)
        self.reset_button.clicked.connect(self.controller.reset_weights)
        for i, b in enumerate((self.start_button, self.pause_button, self.stop_button)):
            buttons.addWidget(b, 0, i)
        for i, b in enumerate((self.step_batch_button, self.step_epoch_button,
                               self.reset_button)):
            buttons.addWidget(b, 1, i)
        layout.addLayout(buttons)

        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("not started")
        self.progress_label = QLabel(" ")
        self.progress_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.message_label)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.epochs = QSpinBox(minimum=1, maximum=100_000)
        self.epochs.setToolTip("Passes over the training data")
        self.batch_size = QSpinBox(minimum=0, maximum=1_000_000)
        self.batch_size.setSpecialValueText("all (full batch)")
        self.batch_size.setToolTip("Samples per weight update; 0 uses the whole training set")
        self.optimizer = QComboBox()
        for key, label in OPTIMIZERS:
            self.optimizer.addItem(label, key)
        self.optimizer.setToolTip("How each weight moves against its gradient")
        lr_row = QHBoxLayout()
        self.lr_slider = QSlider(Qt.Orientation.Horizontal)
        self.lr_slider.setRange(0, SLIDER_STEPS)
        self.lr_slider.setToolTip("Learning rate on a logarithmic scale: too large overshoots, "
                                  "too small crawls")
        self.lr_box = QDoubleSpinBox(decimals=6, minimum=LR_MIN, maximum=LR_MAX)
        self.lr_box.setSingleStep(0.001)
        self.lr_box.setToolTip("The step size of gradient descent (w ← w − lr·∂L/∂w)")
        lr_row.addWidget(self.lr_slider, 1)
        lr_row.addWidget(self.lr_box)
        self.schedule = QComboBox()
        for key, label in SCHEDULES:
            self.schedule.addItem(label, key)
        self.weight_decay = QDoubleSpinBox(decimals=5, minimum=0.0, maximum=1.0,
                                           singleStep=0.0001)
        self.weight_decay.setToolTip("L2 regularisation: pulls every weight a little towards 0")
        self.patience = QSpinBox(minimum=0, maximum=10_000)
        self.patience.setSpecialValueText("off")
        self.patience.setToolTip("Early stopping: stop when the validation loss has not "
                                 "improved for this many epochs, and keep the best weights")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.seed.setToolTip("Same seed, same initial weights, shuffling and result")
        self.shuffle = QCheckBox("shuffle every epoch")
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", lr_row)
        form.addRow("Schedule", self.schedule)
        form.addRow("Weight decay", self.weight_decay)
        form.addRow("Early stop", self.patience)
        form.addRow("Seed", self.seed)
        form.addRow("", self.shuffle)
        layout.addLayout(form)
        layout.addStretch(1)

        for w in (self.epochs, self.batch_size, self.weight_decay, self.patience, self.seed):
            w.editingFinished.connect(self.apply_settings)
        self.shuffle.toggled.connect(self.apply_settings)
        self.schedule.activated.connect(self.apply_settings)
        self.optimizer.activated.connect(self._on_optimizer)
        self.lr_slider.valueChanged.connect(self._on_lr_slider)
        self.lr_box.editingFinished.connect(self._on_lr_box)

    # -- settings <-> document ----------------------------------------------------------------

    def load_settings(self) -> None:
        t = self.doc.training
        self._updating = True
        try:
            self.epochs.setValue(t.epochs)
            self.batch_size.setValue(t.batch_size or 0)
            self.optimizer.setCurrentIndex(max(0, self.optimizer.findData(t.optimizer)))
            self.lr_box.setValue(t.lr)
            self.lr_slider.setValue(lr_to_slider(t.lr))
            schedule = t.schedule if isinstance(t.schedule, dict) else {}
            name = schedule.get("name", "constant")
            self.schedule.setCurrentIndex(max(0, self.schedule.findData(name)))
            self.weight_decay.setValue(t.weight_decay)
            self.patience.setValue(t.early_stopping_patience)
            self.seed.setValue(t.seed)
            self.shuffle.setChecked(t.shuffle)
        finally:
            self._updating = False

    def _schedule_config(self) -> dict:
        key = self.schedule.currentData()
        return {
            "constant": {"name": "constant"},
            "step": {"name": "step", "step_size": 10, "gamma": 0.5},
            "exponential": {"name": "exponential", "gamma": 0.95},
            "cosine": {"name": "cosine", "epochs": self.epochs.value()},
        }[key]

    def apply_settings(self) -> None:
        if self._updating:
            return
        try:
            config = replace(
                self.doc.training,
                epochs=self.epochs.value(),
                batch_size=self.batch_size.value() or None,
                weight_decay=self.weight_decay.value(),
                early_stopping_patience=self.patience.value(),
                seed=self.seed.value(),
                shuffle=self.shuffle.isChecked(),
                schedule=self._schedule_config(),
            )
            TrainingConfig.from_dict(config.to_dict())
        except ValueError as exc:
            self.progress_label.setText(f"Not applied: {exc}")
            self.load_settings()
            return
        if config != self.doc.training:
            self.doc.set_training(config)
            self.settings_changed.emit()

    def _on_optimizer(self) -> None:
        if not self._updating:
            self.controller.set_optimizer(self.optimizer.currentData())
            self.settings_changed.emit()

    def _on_lr_slider(self, value: int) -> None:
        if self._updating:
            return
        lr = slider_to_lr(value)
        self._updating = True
        self.lr_box.setValue(lr)
        self._updating = False
        self.set_learning_rate(lr)

    def _on_lr_box(self) -> None:
        if self._updating:
            return
        lr = self.lr_box.value()
        self._updating = True
        self.lr_slider.setValue(lr_to_slider(lr))
        self._updating = False
        self.set_learning_rate(lr)

    def set_learning_rate(self, lr: float) -> None:
        if lr != self.doc.training.lr:
            self.controller.set_learning_rate(lr)
            self.settings_changed.emit()

    # -- run state ----------------------------------------------------------------------------

    def show_message(self, text: str, error: bool = True) -> None:
        """A message about the run: errors in red with a label, never by colour alone."""
        if error and not text.startswith("Warning"):
            colour = ERROR.name()
            label = "Problem: "
        elif error:
            colour, label = WARNING.darker(130).name(), ""
        else:
            colour, label = self.palette().text().color().name(), ""
        self.message_label.setText(f"<span style='color:{colour}'>{label}{text}</span>")
        self.message_label.show()

    def _on_start(self) -> None:
        if self.controller.state == PAUSED:
            self.controller.resume()
        else:
            self.apply_settings()
            self.controller.start()

    def _on_run_started(self) -> None:
        self.message_label.hide()
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("starting…")

    def _on_state(self, state: str) -> None:
        running, paused = state == RUNNING, state == PAUSED
        self.start_button.setText("▶ Resume" if paused else "▶ Train")
        self.start_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running or paused)
        self.reset_button.setEnabled(state == IDLE)
        for w in (self.epochs, self.batch_size, self.seed, self.shuffle, self.patience,
                  self.schedule):
            w.setEnabled(state == IDLE)  # these shape a run; lr and optimizer stay live
        if state == IDLE and self.progress_bar.format() == "starting…":
            self.progress_bar.setFormat("not started")

    def show_progress(self, record) -> None:
        total_batches = max(record.epochs * record.batches, 1)
        done = (record.epoch - 1) * record.batches + record.batch
        self.progress_bar.setRange(0, total_batches)
        self.progress_bar.setValue(min(done, total_batches))
        self.progress_bar.setFormat(f"epoch {record.epoch}/{record.epochs} · "
                                    f"batch {record.batch}/{record.batches}")
        rate = record.samples_per_second
        left = ""
        if done and record.seconds > 0:
            left = f" · {fmt_seconds(record.seconds * (total_batches - done) / done)} left"
        parts = [f"loss {record.loss:.4g}"]
        if record.accuracy is not None:
            parts.append(f"accuracy {record.accuracy:.1%}")
        parts.append(f"{rate:,.0f} samples/s{left}")
        self.progress_label.setText(" · ".join(parts))
