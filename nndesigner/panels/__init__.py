"""Dockable panels of the main window; each works standalone over a Document."""
