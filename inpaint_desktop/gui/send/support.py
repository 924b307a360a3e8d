"""Small helpers of the Send workflow: backends, cost text, image conversions."""

from __future__ import annotations

import datetime

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage

from inpaint_desktop.api.backend import Backend
from inpaint_desktop.api.client import OpenAIBackend
from inpaint_desktop.api.config import load_api_key, resolve_config
from inpaint_desktop.backends import create_backend
from inpaint_desktop.core.imaging import LoadedImage, load_image
from inpaint_desktop.core.models import CapabilityTable, looks_like_image_model
from inpaint_desktop.gui.common.qimage import qimage_to_array

# A server's image models: id -> its announced shutdown date (None when none is).
ServerModels = dict[str, datetime.date | None]
# Listing models is a small request: a server that takes longer than this has no list for us.
LIST_TIMEOUT_S = 15.0


def api_key_configured() -> bool:
    """True when a key is in the environment or the OS keyring (never in settings files)."""
    try:
        return bool(load_api_key())
    except Exception:  # a broken keyring backend means "no key", not a crash
        return False


def make_backend(choice: str, base_url: str | None, *, allow_insecure_http: bool = False,
                 capabilities: CapabilityTable | None = None) -> Backend:
    """Build a backend on the calling (worker) thread: one instance per worker thread."""
    if choice == "local":
        return create_backend("local")
    config = resolve_config(base_url=base_url or None, allow_insecure_http=allow_insecure_http or None)
    return create_backend("openai", config, capabilities=capabilities)


def list_image_models(base_url: str | None, *, allow_insecure_http: bool = False) -> ServerModels:
    """The image models a server lists, with their shutdown dates (blocking: run it in the background).

    A short timeout and no retries: the list only refines what is offered, it is never waited for.
    """
    config = resolve_config(base_url=base_url or None, allow_insecure_http=allow_insecure_http or None,
                            connect_timeout=min(5.0, LIST_TIMEOUT_S), read_timeout=LIST_TIMEOUT_S,
                            max_retries=0)
    with OpenAIBackend(config) as backend:
        return {m.id: m.shutdown_date for m in backend.list_models()
                if looks_like_image_model(m.id, m.owned_by)}


def qimage_to_png(image: QImage) -> bytes:
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(buf.data().data())


def loaded_from_bytes(data: bytes) -> LoadedImage:
    """A returned image as a photo to paint on; an SVG is drawn with QtSvg first (any thread)."""
    from inpaint_desktop.gui.common.vector import is_svg, render_svg

    if is_svg(data):
        rgba = qimage_to_array(render_svg(data))
        return LoadedImage(array=rgba, source_bytes=None, format="PNG")
    return load_image(data)


def loaded_from_qimage(image: QImage) -> LoadedImage:
    """A result shown in the GUI as a new photo to paint on (a pixel copy: no encoding round trip)."""
    rgba = qimage_to_array(image)
    array = rgba if (rgba[..., 3] < 255).any() else np.ascontiguousarray(rgba[..., :3])
    return LoadedImage(array=array, source_bytes=None, format="PNG")
