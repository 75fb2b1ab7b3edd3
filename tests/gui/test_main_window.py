from nndesigner.main_window import MainWindow


def test_main_window_opens(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "nndesigner"
    assert "Dense" in window.centralWidget().text()
