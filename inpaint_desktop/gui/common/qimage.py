"""numpy <-> QImage conversions (copies, so a QImage never outlives the array it views)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def array_to_qimage(array: np.ndarray) -> QImage:
    """HxW (grey), HxWx3 (RGB) or HxWx4 (RGBA) uint8 array -> a QImage that owns its pixels."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    height, width = array.shape[:2]
    if array.ndim == 2:
        fmt, channels = QImage.Format.Format_Grayscale8, 1
    elif array.shape[2] == 3:
        fmt, channels = QImage.Format.Format_RGB888, 3
    else:
        fmt, channels = QImage.Format.Format_RGBA8888, 4
    image = QImage(array.data, width, height, width * channels, fmt)
    return image.copy()


def qimage_to_array(image: QImage) -> np.ndarray:
    """QImage -> HxWx4 RGBA uint8 array (copied)."""
    converted = image.convertToFormat(QImage.Format.Format_RGBA8888)
    width, height = converted.width(), converted.height()
    buffer = np.frombuffer(converted.constBits(), np.uint8, count=converted.bytesPerLine() * height)
    return buffer.reshape(height, converted.bytesPerLine())[:, : width * 4].reshape(height, width, 4).copy()
