"""The main window: composes the canvas, the docks, menus, toolbar and status bar, and wires
file handling (open, save, recent files, autosave). The editing logic lives in Document,
commands and the canvas; this module only connects them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, QSize, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStyle,
    QUndoView,
)

from engine import EngineError

from . import __version__
from .canvas.palette import LayerPalette
from .canvas.scene import NetworkScene
from .canvas.view import NetworkView
from .dialogs import TemplateDialog
from .document import Document
from .panels.data_panel import DataPanel
from .panels.live_views import LiveViews
from .panels.problems import ProblemsPanel
from .panels.properties import PropertiesPanel
from .panels.training_panel import TrainingPanel
from .project_io import load_into, load_template, save_document
from .recovery import RecoveryStore
from .resources import DEFAULT_TEMPLATE, template
from .scrolling import scrollable
from .training_controller import IDLE, PAUSED, RUNNING, TrainingController

PROJECT_FILTER = "nndesigner projects (*.nnd);;All files (*)"
MAX_RECENT = 8
#: Bump when the docks change, so that an old saved layout is not applied to new docks.
WINDOW_STATE_VERSION = 5
AUTOSAVE_MS = 60_000


def recovery_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".nndesigner") / "recovery"


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None,
                 recovery: RecoveryStore | None = None) -> None:
        super().__init__()
        # Every paint() and slot of the window needs the GIL, which a training thread busy in
        # Python (tiny batches: NumPy keeps the GIL on small arrays) hands over only every
        # switch interval: 1 ms instead of CPython's 5 ms keeps the window responsive.
        sys.setswitchinterval(0.001)
        self.settings = settings or QSettings()
        self.recovery = recovery or RecoveryStore(recovery_folder())
        self.doc = Document(self)
        self.scene = NetworkScene(self.doc, self)
        self.view = NetworkView(self.scene, self)
        self.setCentralWidget(self.view)
        self.palette_panel = LayerPalette()
        self.properties = PropertiesPanel(self.doc)
        self.controller = TrainingController(self.doc, self)
        self.training_panel = TrainingPanel(self.doc, self.controller)
        self.data_panel = DataPanel(self.doc)
        self.live_views = LiveViews(self.doc, self.controller)
        from .teach import GuidePanel, NeuronInspector

        self.inspector = NeuronInspector(self.doc)
        from .panels.classify import ClassifyPanel
        from .panels.evaluate import EvaluatePanel

        self.classify = ClassifyPanel(self.doc)
        self.evaluate_panel = EvaluatePanel(self.doc)
        self.guide = GuidePanel(self.doc)
        self._lesson_samples = None
        self.run_status = QLabel("not trained")
        self.problems = ProblemsPanel(self.doc)
        self.undo_view = QUndoView(self.doc.undo_stack)
        self.undo_view.setEmptyLabel("<opened>")
        self.status = QLabel()
        self._had_errors = False
        self._just_loaded = True
        self.statusBar().addPermanentWidget(self.status)
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._connect()
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self._fit_to_screen()
        self._restore_state()
        self._update_title()
        self._update_status()

    # -- construction -----------------------------------------------------------------------

    def _dock(self, title: str, widget, area, name: str, scroll: bool = False) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(scrollable(widget) if scroll else widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.palette_dock = self._dock("Layers", self.palette_panel, left, "layers")
        self.data_dock = self._dock("Data", self.data_panel, left, "data")
        self.splitDockWidget(self.palette_dock, self.data_dock, Qt.Orientation.Vertical)
        self.properties_dock = self._dock("Properties", self.properties, right, "properties")
        self.views_dock = self._dock("Training views", self.live_views, bottom, "views")
        self.problems_dock = self._dock("Problems", self.problems, bottom, "problems")
        self.evaluate_dock = self._dock("Evaluate", self.evaluate_panel, bottom, "evaluate",
                                        scroll=True)
        self.tabifyDockWidget(self.views_dock, self.problems_dock)
        self.tabifyDockWidget(self.views_dock, self.evaluate_dock)
        self.views_dock.raise_()
        self.training_dock = self._dock("Training", self.training_panel, right, "training",
                                        scroll=True)
        self.inspector_dock = self._dock("Inspector", self.inspector, right, "inspector",
                                         scroll=True)
        self.tabifyDockWidget(self.properties_dock, self.training_dock)
        self.tabifyDockWidget(self.properties_dock, self.inspector_dock)
        self.try_dock = self._dock("Try it", self.classify, right, "try_it", scroll=True)
        self.tabifyDockWidget(self.properties_dock, self.try_dock)
        self.properties_dock.raise_()
        self.guide_dock = self._dock("Lesson", self.guide, left, "guide", scroll=True)
        self.tabifyDockWidget(self.data_dock, self.guide_dock)
        self.data_dock.raise_()
        self.guide_dock.hide()
        self.history_dock = self._dock("History", self.undo_view, right, "history")
        self.history_dock.hide()
        self.resizeDocks([self.palette_dock], [250], Qt.Orientation.Horizontal)
        self.resizeDocks([self.palette_dock, self.data_dock], [260, 440],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.properties_dock], [320], Qt.Orientation.Horizontal)
        self.resizeDocks([self.views_dock], [250], Qt.Orientation.Vertical)

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.new_action = self._action("&New…", self.new_from_template, K.New,
                                       "Start a new network from a bundled example")
        self.open_action = self._action("&Open…", self.open_dialog, K.Open, "Open a project")
        self.save_action = self._action("&Save", self.save, K.Save, "Save the project")
        self.save_as_action = self._action("Save &As…", self.save_as, K.SaveAs,
                                           "Save the project under a new name")
        self.quit_action = self._action("&Quit", self.close, K.Quit)
        self.export_actions = [
            self._action(label, lambda _=False, f=fmt: self.export(f), None, tip)
            for fmt, label, tip in (
                ("onnx", "ONNX model…", "The trained network as an .onnx file (opset 17)"),
                ("npz", "NumPy weights (.npz)…", "Weights by layer plus the architecture"),
                ("python", "Standalone predict.py…", "A Python script that needs only NumPy"),
            )
        ]
        self.import_action = self._action("&Import ONNX…", self.import_onnx, None,
                                          "Open an ONNX model as a new network")
        self.batch_action = self._action("Classify a &Folder…", self.classify_folder, None,
                                         "Classify every image of a folder; export a CSV")
        stack = self.doc.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts(K.Undo)
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.copy_action = self._action("&Copy", self.copy, K.Copy, "Copy the selected layers")
        self.paste_action = self._action("&Paste", self.paste, K.Paste, "Paste layers")
        self.cut_action = self._action("Cu&t", self.cut, K.Cut, "Cut the selected layers")
        self.delete_action = self._action("&Delete", self.scene.delete_selection,
                                          [QKeySequence(Qt.Key.Key_Delete),
                                           QKeySequence(Qt.Key.Key_Backspace)],
                                          "Delete the selected layers and connections")
        self.select_all_action = self._action("Select &All", self.select_all, K.SelectAll)
        self.fit_action = self._action("&Fit to View", self.view.fit_all,
                                       QKeySequence("Ctrl+0"), "Show the whole network")
        self.zoom_in_action = self._action("Zoom &In", lambda: self.view.zoom_by(1.25),
                                           K.ZoomIn)
        self.zoom_out_action = self._action("Zoom &Out", lambda: self.view.zoom_by(0.8),
                                            K.ZoomOut)
        self.layout_action = self._action("&Auto-Layout", self.scene.auto_layout,
                                          QKeySequence("Ctrl+L"),
                                          "Arrange the layers from input to output")
        self.neurons_action = self._action("Show &Neurons", self.set_neuron_mode,
                                           QKeySequence("Ctrl+Shift+N"),
                                           "Draw small layers as neurons with every weight")
        self.neurons_action.setCheckable(True)
        for action in (self.delete_action, self.copy_action, self.cut_action):
            # Shortcuts act on the canvas, not inside text fields of the panels.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.view.addAction(action)
        self.train_action = self._action("Train", self.train_or_resume, QKeySequence("F5"),
                                         "Start training, or resume a paused run")
        self.pause_action = self._action("Pause", self.controller.pause,
                                         QKeySequence("F6"), "Pause after the current batch")
        self.step_action = self._action("Step", self.controller.step_batch,
                                        QKeySequence("F7"),
                                        "Run one mini-batch (forward, backward, update), then "
                                        "pause")
        self.stop_action = self._action("Stop", self.controller.stop,
                                        QKeySequence("Shift+F5"),
                                        "End the run; the weights learned so far are kept")
        self.reset_action = self._action("Reset", self.controller.reset_weights, None,
                                         "Forget the learned weights")
        self.learn_action = self._action("&Learn…", self.open_learn_page, QKeySequence("F1"),
                                         "Lessons: the step neuron, pixels as inputs, the "
                                         "learning rate, activations and losses, a digit")
        self.concepts_action = self._action("&Concepts…", self.open_concepts, None,
                                            "Neuron, weight, bias, activation, loss, "
                                            "backpropagation, gradient descent, learning rate…")
        self.about_action = self._action("&About nndesigner", self.about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addAction(self.new_action)
        file.addAction(self.open_action)
        self.recent_menu = file.addMenu("Open &Recent")
        file.addSeparator()
        file.addAction(self.save_action)
        file.addAction(self.save_as_action)
        file.addSeparator()
        export_menu = file.addMenu("&Export")
        for action in self.export_actions:
            export_menu.addAction(action)
        file.addAction(self.import_action)
        file.addAction(self.batch_action)
        file.addSeparator()
        file.addAction(self.quit_action)
        edit = bar.addMenu("&Edit")
        for a in (self.undo_action, self.redo_action, None, self.cut_action, self.copy_action,
                  self.paste_action, self.delete_action, None, self.select_all_action):
            edit.addSeparator() if a is None else edit.addAction(a)
        edit.addAction(self.history_dock.toggleViewAction())
        view = bar.addMenu("&View")
        for a in (self.fit_action, self.zoom_in_action, self.zoom_out_action, None,
                  self.neurons_action, self.layout_action, None):
            view.addSeparator() if a is None else view.addAction(a)
        for dock in (self.palette_dock, self.data_dock, self.properties_dock,
                     self.inspector_dock, self.try_dock, self.views_dock, self.evaluate_dock,
                     self.problems_dock, self.guide_dock):
            view.addAction(dock.toggleViewAction())
        train = bar.addMenu("&Train")
        for a in (self.train_action, self.pause_action, self.step_action, self.stop_action,
                  None, self.reset_action):
            train.addSeparator() if a is None else train.addAction(a)
        train.addAction(self.training_dock.toggleViewAction())
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.learn_action)
        help_menu.addAction(self.concepts_action)
        help_menu.addAction(self.about_action)
        self._refresh_recent_menu()

    def _build_toolbar(self) -> None:
        tb = self.addToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.setIconSize(QSize(18, 18))
        icons = {
            self.new_action: QStyle.StandardPixmap.SP_FileIcon,
            self.open_action: QStyle.StandardPixmap.SP_DialogOpenButton,
            self.save_action: QStyle.StandardPixmap.SP_DialogSaveButton,
            self.undo_action: QStyle.StandardPixmap.SP_ArrowBack,
            self.redo_action: QStyle.StandardPixmap.SP_ArrowForward,
            self.train_action: QStyle.StandardPixmap.SP_MediaPlay,
            self.pause_action: QStyle.StandardPixmap.SP_MediaPause,
            self.step_action: QStyle.StandardPixmap.SP_MediaSkipForward,
            self.stop_action: QStyle.StandardPixmap.SP_MediaStop,
            self.reset_action: QStyle.StandardPixmap.SP_BrowserReload,
        }
        for action, pixmap in icons.items():
            action.setIcon(self.style().standardIcon(pixmap))
        for a in (self.new_action, self.open_action, self.save_action, None,
                  self.undo_action, self.redo_action, None, self.fit_action, self.layout_action,
                  self.neurons_action, None, self.train_action, self.pause_action,
                  self.step_action, self.stop_action, self.reset_action):
            tb.addSeparator() if a is None else tb.addAction(a)
        # File and edit buttons show only their icons (their names are in the tooltips), so
        # that the training controls and the run status fit a 1366-pixel screen.
        for action in (self.new_action, self.open_action, self.save_action, self.undo_action,
                       self.redo_action):
            button = tb.widgetForAction(action)
            if button is not None:
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        tb.addSeparator()
        self.run_status.setContentsMargins(8, 0, 8, 0)
        tb.addWidget(self.run_status)

    def _connect(self) -> None:
        self.palette_panel.add_requested.connect(self.scene.add_after_selection)
        self.scene.layer_selected.connect(lambda n: self.properties.show_layer(n or None))
        self.scene.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.problems.layer_clicked.connect(self.scene.select_layer)
        self.doc.analysis_changed.connect(self._update_status)
        self.doc.undo_stack.cleanChanged.connect(self._update_title)
        self.doc.path_changed.connect(self._update_title)
        self.doc.reset.connect(lambda: QTimer.singleShot(0, self.view.fit_all))
        self.doc.reset.connect(self._on_loaded)
        self.doc.reset.connect(self.data_panel.restore_from_document)
        self.data_panel.dataset_changed.connect(self._on_data_changed)
        self.data_panel.data_stored.connect(self.doc.undo_stack.resetClean)
        self.scene.neuron_clicked.connect(self.inspect_neuron)
        self.scene.link_gradients = self._link_gradients
        self.try_dock.visibilityChanged.connect(
            lambda shown: shown and self.classify.catch_up())
        self.scene.layer_selected.connect(self._inspect_selected_layer)
        self.live_views.step_through.layer_highlighted.connect(
            lambda name: name and self.scene.select_layer(name))
        self.guide.setup_loaded.connect(self._on_lesson_setup)
        self.guide.action_requested.connect(self._on_lesson_action)
        self.controller.run_finished.connect(self.guide.observe)
        # Fresh weights: an evaluation on screen is redone (in its own thread when large).
        self.controller.run_finished.connect(
            lambda _r: self.evaluate_panel.result is not None and self.evaluate_panel.evaluate())
        self.controller.failed.connect(self.guide.observe_failed)
        self.controller.state_changed.connect(self._on_training_state)
        self.controller.progress.connect(self._on_training_progress)
        self.controller.failed.connect(self._on_training_failed)
        self.controller.run_finished.connect(self._on_run_finished)
        self._on_training_state(self.controller.state)

    # -- status ------------------------------------------------------------------------------

    def _update_title(self, *_args) -> None:
        self.setWindowModified(self.doc.modified)
        self.setWindowTitle(f"{self.doc.title}[*] — nndesigner")

    def _on_loaded(self) -> None:
        self._just_loaded = True  # the analysis that follows a load is not an edit

    def _update_status(self) -> None:
        a = self.doc.analysis
        errors, warnings = len(a.errors), len(a.warnings)
        if errors:
            text = f"✖ {errors} problem{'s' * (errors != 1)} — see the Problems list"
        else:
            text = "✔ shapes OK"
            if warnings:
                text += f" · {warnings} warning{'s' * (warnings != 1)}"
        text += f" · {a.total_params:,} parameters · {len(self.doc.spec.layers)} layers"
        self.status.setText(text)
        self.problems_dock.setWindowTitle(self.problems.count_text())
        # Problems that an edit just caused: show the list (and its fixes). Opening a file or
        # a template is not an edit: its state shows in the status bar and the tab title.
        if errors and not self._had_errors and not self._just_loaded:
            self.problems_dock.raise_()
        self._had_errors = bool(errors)
        self._just_loaded = False

    # -- training ----------------------------------------------------------------------------

    def train_or_resume(self) -> None:
        if self.controller.state == PAUSED:
            self.controller.resume()
        else:
            self.training_panel.apply_settings()
            self.controller.start()

    def _on_data_changed(self, loaded) -> None:
        """Train on the split's training part, validate on its validation part; the test
        part stays unseen for evaluation."""
        self.live_views.set_data(loaded)
        self.classify.set_data(loaded)
        self.evaluate_panel.set_data(loaded)
        if loaded is None:
            self.controller.set_data(None, None)
            return
        train, validation, _test = loaded.split
        self.controller.set_data(train.x, train.y, (validation.x, validation.y))
        if len(train.x):
            self.inspector.set_sample(train.x[0], train.y[0])

    # -- use: export, import, classify a folder ------------------------------------------------

    def export(self, fmt: str):
        from .export_dialogs import export_model

        return export_model(self, self.doc, fmt, data=self.data_panel.current)

    def import_onnx(self):
        if self.controller.state != IDLE or not self.confirm_discard():
            return None
        from .export_dialogs import import_onnx_into

        return import_onnx_into(self, self.doc)

    def classify_folder(self) -> None:
        from .panels.batch_classify import BatchClassifyDialog

        current = self.data_panel.current
        BatchClassifyDialog(self.doc, self, dataset=current.dataset if current else None).exec()

    # -- teaching ------------------------------------------------------------------------------

    def _link_gradients(self, layer: str):
        """∂L/∂W of one layer for the inspector's current sample (hover on a connection)."""
        x, y = self.inspector.x, self.inspector.y
        if x is None or y is None or not self.doc.analysis.ok:
            return None
        try:
            from engine import trace

            model = self.doc.build_model().copy(np.float64)
            if x.ndim == len(model.input_shape):
                x, y = x[None], np.asarray(y)[None]
            return trace(model, x, y).layer(layer).grads.get("W")
        except Exception:  # a hover must never raise: no gradient is shown instead
            return None

    def inspect_neuron(self, layer: str, index: int) -> None:
        self.inspector.show_neuron(layer, index)
        self.inspector_dock.raise_()

    def _inspect_selected_layer(self, layer: str) -> None:
        if layer and self.inspector_dock.isVisible() and not self.inspector_dock.visibleRegion()\
                .isEmpty():
            self.inspector.show_neuron(layer, 0)

    def open_concepts(self) -> None:
        from .teach.concepts_dialog import ConceptsDialog

        ConceptsDialog(self.doc, self).exec()

    def open_learn_page(self) -> None:
        from PySide6.QtWidgets import QDialog, QVBoxLayout

        from .teach import LearnPage

        dialog = QDialog(self)
        dialog.setWindowTitle("Learn")
        dialog.resize(640, 460)
        page = LearnPage(dialog)
        QVBoxLayout(dialog).addWidget(page)
        page.lesson_opened.connect(lambda lesson: (dialog.accept(), self.open_lesson(lesson)))
        dialog.exec()

    def open_lesson(self, lesson) -> None:
        if self.controller.state != IDLE or not self.confirm_discard():
            return
        self.guide_dock.show()
        self.guide_dock.raise_()
        self.guide.set_lesson(lesson)

    def _on_lesson_setup(self, setup) -> None:
        self.controller.set_data(setup.x, setup.y)
        self.live_views.set_teaching_data(setup.x, setup.y, setup.class_names)
        self._lesson_samples = (setup.x, setup.y)
        if len(setup.x):
            self.inspector.set_sample(setup.x[0], setup.y[0])

    def _on_lesson_action(self, action: dict) -> None:
        kind = action.get("do")
        if kind == "train":
            self.train_or_resume()
        elif kind == "inspect":
            sample = action.get("sample", 0)
            if isinstance(sample, list):  # the input values themselves
                self.inspector.set_sample(np.asarray(sample, dtype=np.float32))
            elif self._lesson_samples is not None and int(sample) < len(self._lesson_samples[0]):
                x, y = self._lesson_samples
                self.inspector.set_sample(x[int(sample)], y[int(sample)])
            self.inspect_neuron(action.get("layer", ""), int(action.get("index", 0)))
        elif kind == "step_through":
            self.views_dock.raise_()
            self.live_views.setCurrentWidget(self.live_views.step_through)
            sample = action.get("sample", 0)
            if isinstance(sample, int):
                self.live_views.step_through.set_sample_index(sample)

    def _on_training_state(self, state: str) -> None:
        self.train_action.setText("Resume" if state == PAUSED else "Train")
        self.train_action.setEnabled(state != RUNNING)
        self.pause_action.setEnabled(state == RUNNING)
        self.stop_action.setEnabled(state in (RUNNING, PAUSED))
        self.reset_action.setEnabled(state == IDLE)
        self.step_action.setEnabled(True)
        for action in (self.open_action, self.new_action):
            action.setEnabled(state == IDLE)

    def _on_training_progress(self, record) -> None:
        text = f"epoch {record.epoch}/{record.epochs} · loss {record.loss:.4g}"
        if record.accuracy is not None:
            text += f" · acc {record.accuracy:.1%}"
        self.run_status.setText(text)

    def _on_training_failed(self, message: str) -> None:
        self.training_panel.show_message(message)
        self.statusBar().showMessage(message.splitlines()[0], 15000)
        if not message.startswith("Warning"):
            self.training_dock.raise_()

    def _on_run_finished(self, record) -> None:
        status = f"epoch {record.epoch}/{record.epochs} · loss {record.loss:.4g}"
        if record.accuracy is not None:
            status += f" · acc {record.accuracy:.1%}"
        self.run_status.setText(f"{status} · {record.event.replace('_', ' ')}")
        text = record.message or record.event
        self.training_panel.show_message(text, error=False)
        self.statusBar().showMessage(text, 10000)

    # -- file handling -----------------------------------------------------------------------

    def confirm_discard(self) -> bool:
        """Ask to save unsaved changes; False when the user cancels."""
        if not self.doc.modified:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes",
            f"Save the changes to “{self.doc.title}” before closing it?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_from_template(self) -> None:
        dialog = TemplateDialog(self)
        if dialog.exec() and dialog.selected() and self.confirm_discard():
            self.recovery.discard()
            load_template(self.doc, dialog.selected())

    def open_template(self, name: str = DEFAULT_TEMPLATE) -> None:
        load_template(self.doc, template(name))

    def open_dialog(self) -> None:
        start = str(self.doc.path.parent) if self.doc.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open project", start, PROJECT_FILTER)
        if path and self.confirm_discard():
            self.open_path(Path(path))

    def open_path(self, path: Path) -> bool:
        try:
            load_into(self.doc, path)
        except (EngineError, OSError) as exc:
            QMessageBox.critical(self, "Cannot open project",
                                 f"nndesigner cannot open\n{path}\n\n{exc}")
            return False
        self.recovery.discard()
        self._add_recent(path)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self.save_to(self.doc.path)

    def save_as(self) -> bool:
        start = str(self.doc.path) if self.doc.path else f"{self.doc.title}.nnd"
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, PROJECT_FILTER)
        if not path:
            return False
        if not path.endswith(".nnd"):
            path += ".nnd"
        return self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        try:
            save_document(self.doc, path)
        except (EngineError, OSError) as exc:
            QMessageBox.critical(self, "Cannot save project",
                                 f"The project was not saved to\n{path}\n\n{exc}\n\n"
                                 "The previous file, if any, is unchanged.")
            return False
        self.doc.set_path(path)
        self.doc.undo_stack.setClean()
        self.recovery.discard()
        self._add_recent(path)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def autosave(self) -> bool:
        """Write the recovery file when there are unsaved changes (a timer calls this)."""
        if not self.doc.modified:
            return False
        try:
            self.recovery.write(self.doc)
        except (EngineError, OSError) as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 8000)
            return False
        return True

    def restore_recovery(self, item) -> bool:
        """Load an orphaned recovery file; the document stays 'modified' until saved."""
        if not self.open_path(item.file):
            return False
        self.doc.set_path(item.original)
        self.doc.undo_stack.resetClean()
        self._update_title()
        RecoveryStore.remove(item)
        self.statusBar().showMessage("Restored unsaved work from the last session", 8000)
        return True

    def _recent(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if isinstance(v, str)]

    def _add_recent(self, path: Path) -> None:
        if path.parent == self.recovery.folder:
            return
        entries = [str(path)] + [p for p in self._recent() if p != str(path)]
        self.settings.setValue("recent_files", entries[:MAX_RECENT])
        self.settings.setValue("last_project", str(path))
        self._refresh_recent_menu()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self._recent()
        for p in recent:
            action = self.recent_menu.addAction(Path(p).name)
            action.setToolTip(p)
            action.triggered.connect(
                lambda _=False, p=p: self.confirm_discard() and self.open_path(Path(p)))
        self.recent_menu.setEnabled(bool(recent))

    # -- edit --------------------------------------------------------------------------------

    def copy(self) -> None:
        n = self.scene.copy_selection()
        if n:
            self.statusBar().showMessage(f"Copied {n} layer(s)", 3000)

    def cut(self) -> None:
        if self.scene.copy_selection():
            self.scene.delete_selection()

    def paste(self) -> None:
        self.scene.paste()

    def select_all(self) -> None:
        for item in self.scene.layer_items.values():
            item.setSelected(True)

    def set_neuron_mode(self, on: bool) -> None:
        self.scene.set_neuron_mode(bool(on))
        self.settings.setValue("neuron_mode", bool(on))

    def about(self) -> None:
        QMessageBox.about(self, "About nndesigner",
                          f"<h3>nndesigner {__version__}</h3><p>Design, train and use neural "
                          "networks visually. Everything runs on this computer.</p>")

    # -- window state ------------------------------------------------------------------------

    def _fit_to_screen(self) -> None:
        """Default size: 1280×760, but never larger than the screen (a 1366×768 laptop)."""
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = 1280, 760
        if screen is not None:
            width = min(width, screen.width() - 20)
            height = min(height, screen.height() - 40)
            self.move(screen.x() + (screen.width() - width) // 2, screen.y() + 10)
        self.resize(width, height)

    def _restore_state(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.settings.value("window_state")
        if isinstance(state, QByteArray):
            self.restoreState(state, WINDOW_STATE_VERSION)
        neuron_mode = self.settings.value("neuron_mode", True)
        on = neuron_mode in (True, "true", "1", 1)
        self.neurons_action.setChecked(on)
        self.scene.set_neuron_mode(on)

    def shutdown_workers(self) -> None:
        """Stop training, data loading and gradient checks, and wait for their threads."""
        from .teach import GradientCheckPanel

        self.controller.shutdown()
        self.data_panel.shutdown()
        self.evaluate_panel.shutdown()
        GradientCheckPanel.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        was_running = self.controller.state == RUNNING
        if was_running:
            self.controller.pause()
        if not self.confirm_discard():
            if was_running:
                self.controller.resume()
            event.ignore()
            return
        self.shutdown_workers()
        self.recovery.discard()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState(WINDOW_STATE_VERSION))
        event.accept()
