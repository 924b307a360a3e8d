"""Small helpers of the Send workflow: backends, cost text, image conversions."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage

from inpaint_desktop.api.backend import Backend
from inpaint_desktop.api.config import load_api_key, resolve_config
from inpaint_desktop.backends import create_backend
from inpaint_desktop.core.imaging import LoadedImage, load_image
from inpaint_desktop.gui.common.qimage import array_to_qimage, qimage_to_array


def api_key_configured() -> bool:
    """True when a key is in the environment or the OS keyring (never in settings files)."""
    try:
        return bool(load_api_key())
    except Exception:  # a broken keyring backend means "no key", not a crash
        return False


def make_backend(choice: str, base_url: str | None, *, allow_insecure_http: bool = False) -> Backend:
    """Build a backend on the calling (worker) thread: one instance per worker thread."""
    if choice == "local":
        return create_backend("local")
    config = resolve_config(base_url=base_url or None, allow_insecure_http=allow_insecure_http or None)
    return create_backend("openai", config)


def qimage_from_array(array: np.ndarray) -> QImage:
    return array_to_qimage(array)


def qimage_to_png(image: QImage) -> bytes:
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(buf.data().data())


def loaded_from_bytes(data: bytes) -> LoadedImage:
    return load_image(data)


def loaded_from_qimage(image: QImage) -> LoadedImage:
    """A result shown in the GUI as a new photo to paint on (a pixel copy: no encoding round trip)."""
    rgba = qimage_to_array(image)
    array = rgba if (rgba[..., 3] < 255).any() else np.ascontiguousarray(rgba[..., :3])
    return LoadedImage(array=array, source_bytes=None, format="PNG")
