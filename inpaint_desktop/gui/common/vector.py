"""Showing what generations may return beyond raster images: SVG rendered with QtSvg, GIF frames.

QtSvg ships in PySide6-Essentials (``PySide6.QtSvg``, and the ``svg`` image format plugin). Rendering
into a QImage is safe on a worker thread (no QPixmap), so results are rasterised where they are
decoded, never on the GUI thread.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from inpaint_desktop.core.rules import sniff_output_mime
from inpaint_desktop.gui.common.qimage import qimage_to_array

# An SVG has no pixel size of its own: it is drawn so its long side has this many pixels.
SVG_RENDER_EDGE = 1024


class SvgError(ValueError):
    """The bytes are not an SVG that QtSvg can draw."""


def is_svg(data: bytes) -> bool:
    return sniff_output_mime(data) == "image/svg+xml"


def is_gif(data: bytes) -> bool:
    return sniff_output_mime(data) == "image/gif"


def render_svg(data: bytes, long_edge: int = SVG_RENDER_EDGE) -> QImage:
    """The SVG drawn on a transparent image whose long side is ``long_edge`` pixels (aspect kept)."""
    renderer = QSvgRenderer(QByteArray(data))
    if not renderer.isValid():
        raise SvgError("the SVG cannot be drawn (QtSvg refused it)")
    view = renderer.viewBoxF()
    width, height = (view.width(), view.height()) if not view.isEmpty() else (1.0, 1.0)
    scale = long_edge / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = QImage(*size, QImage.Format.Format_RGBA8888)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        renderer.render(painter, QRectF(0, 0, *size))
    finally:
        painter.end()
    return image


def decode_generated(data: bytes) -> np.ndarray:
    """Pixels of a returned image for the pipeline: SVG rendered with QtSvg, the rest with Pillow.

    A GIF gives its first frame here; the animation is shown from the bytes as returned.
    """
    from inpaint_desktop.pipeline.variants import UndecodableResultError, decode_result

    if not is_svg(data):
        return decode_result(data)
    try:
        return qimage_to_array(render_svg(data))
    except SvgError as exc:
        raise UndecodableResultError(str(exc)) from None
