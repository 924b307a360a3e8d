"""Inpaint Desktop: a mask-painting editor for inpainting."""

__version__ = "0.1.0"
