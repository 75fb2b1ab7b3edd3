"""Small builders shared by the GUI tests."""

from engine import NetworkSpec
from nndesigner.document import Document


def make_doc(layers):
    """A document holding the sequential network of ``layers``."""
    doc = Document()
    doc.load(NetworkSpec.sequential(layers))
    return doc
