"""Dockable panels around the canvas: properties, data, training controls, inspector.

Each panel takes the :class:`~nndesigner.document.Document` it shows and works standalone.
"""
