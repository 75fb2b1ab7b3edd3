"""nndesigner: the desktop app and command line, thin layers over :mod:`engine`."""

__version__ = "0.1.0"
