"""The canvas: a scene that mirrors a Document, its items, the view and the layer palette."""
