"""One returned image as the results panel holds it: decoded, full-size and protected versions.

Decoding and scaling here are QImage work, safe on a worker thread (never QPixmap).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from inpaint_desktop.gui.results.variant_store import VariantFiles, VariantPixels
from inpaint_desktop.pipeline.run import VariantOutput


def to_qimage(image: Image.Image | np.ndarray) -> QImage:
    rgba = (image if isinstance(image, Image.Image) else Image.fromarray(np.ascontiguousarray(image)))
    rgba = rgba.convert("RGBA")
    data = rgba.tobytes()
    qimg = QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888)
    return qimg.copy()  # detach from the Python buffer


THUMB_PX = 128


def thumbnail(image: QImage) -> QImage:
    """A preview at most ``THUMB_PX`` on its long side (QImage work is safe off the GUI thread)."""
    return image.scaled(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


def decode_bytes(data: bytes) -> QImage:
    return to_qimage(Image.open(io.BytesIO(data)))


@dataclass(frozen=True, init=False, eq=False)
class Variant:
    """One returned image, decoded, plus its full-size and protected versions.

    ``fullsize`` is the raw result at the original's exact size (mapped back, and pasted into the
    photo when a crop was sent); ``protected`` keeps every pixel outside the mask.

    The images live in ``pixels``, shared by every reference to this variant, so the results panel
    can release them once they are saved (``files``) and read them back when they are shown again.
    Reading ``raw``/``fullsize``/``protected``/``raw_bytes`` of a released image decodes its file on
    the calling thread; GUI code asks ``VariantStore`` instead, which loads in the background.
    """

    index: int
    pixels: VariantPixels = field(repr=False)
    resized: bool = False
    saved_dir: str | None = None
    label: str = ""
    drift: str = ""
    # Small preview made on the worker, so the GUI thread never scales full-size results.
    thumb: QImage | None = field(default=None, repr=False)

    def __init__(
        self, index: int, raw_bytes: bytes = b"", raw: QImage | None = None, fullsize: QImage | None = None,
        protected: QImage | None = None, resized: bool = False, saved_dir: str | None = None, label: str = "",
        drift: str = "", thumb: QImage | None = None, *, files: VariantFiles | None = None,
        pixels: VariantPixels | None = None,
    ) -> None:
        # ``pixels`` shares another variant's images (``dataclasses.replace`` passes it that way).
        if pixels is None:
            if raw is None or fullsize is None:
                raise TypeError("Variant needs its raw and full-size images (or the pixels of another)")
            pixels = VariantPixels(raw_bytes=raw_bytes, raw=raw, fullsize=fullsize, protected=protected,
                                   files=files)
        for name, value in (("index", index), ("pixels", pixels), ("resized", resized),
                            ("saved_dir", saved_dir), ("label", label), ("drift", drift), ("thumb", thumb)):
            object.__setattr__(self, name, value)

    @property
    def raw_bytes(self) -> bytes:
        return self.pixels.raw_bytes()

    @property
    def raw(self) -> QImage:
        image = self.pixels.image("raw")
        assert image is not None
        return image

    @property
    def fullsize(self) -> QImage:
        image = self.pixels.image("fullsize")
        assert image is not None
        return image

    @property
    def protected(self) -> QImage | None:
        return self.pixels.image("protected")

    @property
    def files(self) -> VariantFiles | None:
        return self.pixels.files

    def with_saved(self, saved_dir: str, files: VariantFiles) -> Variant:
        """This variant once the results library has written it (its images still in memory)."""
        return Variant(self.index, self.raw_bytes, self.raw, self.fullsize, self.protected, self.resized,
                       saved_dir, self.label, self.drift, self.thumb, files=files)


AFTER_CANCEL_LABEL = "Arrived after Cancel (kept as returned)"


def variant_from_output(output: VariantOutput) -> Variant:
    """The results panel's form of a variant the pipeline produced (QImage work: any thread)."""
    images = output.images
    raw_q = to_qimage(images.raw)
    full_q = to_qimage(images.fullsize) if images.resized else raw_q
    protected_q = to_qimage(images.protected) if images.protected is not None else None
    label = output.label
    if output.after_cancel:
        label = f"{AFTER_CANCEL_LABEL}; {label}" if label else AFTER_CANCEL_LABEL
    files = None
    if output.saved is not None:
        # The panel may release the images once they are on disk and read them back from these files
        # (the library names the full-size file; it exists only when written).
        files = VariantFiles(output.saved.raw, output.saved.fullsize, output.saved.protected)
    return Variant(
        images.index, images.raw_bytes, raw_q, full_q, protected_q, images.resized,
        saved_dir=str(output.saved.directory) if output.saved is not None else None, label=label,
        drift=images.drift, thumb=thumbnail(protected_q or full_q), files=files,
    )
