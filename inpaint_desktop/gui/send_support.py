"""Small helpers of the Send workflow: backends, capability table, cost text, image conversions."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from PySide6.QtGui import QImage

from inpaint_desktop.api.backend import Backend
from inpaint_desktop.gui.job_payload import EditParams
from inpaint_desktop.gui.params import DEFAULT_MODEL, Caps, load_model_caps


def api_key_configured() -> bool:
    """True when a key is in the environment or the OS keyring (never in settings files)."""
    if os.environ.get("OPENAI_API_KEY"):
        return True
    try:
        from inpaint_desktop.api.config import load_api_key
    except ImportError:
        return False
    try:
        return bool(load_api_key())
    except Exception:  # a broken keyring backend means "no key", not a crash
        return False


def make_backend(choice: str, base_url: str | None) -> Backend:
    """Build a backend on the calling (worker) thread: one instance per worker thread."""
    if choice == "local":
        from inpaint_desktop.engine.backend import LocalBackend

        return LocalBackend()
    from inpaint_desktop.api.config import resolve_config
    from inpaint_desktop.api.factory import create_backend

    config = resolve_config(base_url=base_url) if base_url else resolve_config()
    return create_backend("openai", config)


def load_models() -> dict[str, Caps]:
    try:
        models = load_model_caps()
    except (ImportError, OSError, ValueError, KeyError):
        models = {}
    return models or {DEFAULT_MODEL: Caps(id=DEFAULT_MODEL, custom_sizes=True,
                                          params=frozenset({"output_compression", "background",
                                                            "partial_images", "stream"}))}


def estimate_text(params: EditParams, document: Any) -> str:
    """"Estimated $x" from core.cost, or a plain note when no estimate is available."""
    try:
        from inpaint_desktop.core import cost
    except ImportError:
        return "Cost: no estimate"
    size = params.size
    if size is None and document is not None and not document.is_empty():
        w, h = document.size()
        size = f"{w}x{h}"
    for name in ("estimate_edit_cost", "estimate_cost", "estimate"):
        fn = getattr(cost, name, None)
        if fn is None:
            continue
        try:
            value = fn(model=params.model, size=size, quality=params.quality or "auto", n=params.n,
                       partial_images=params.partial_images)
        except TypeError:
            try:
                value = fn(params.model, size, params.quality or "auto", params.n)
            except (TypeError, ValueError, KeyError):
                continue
        except (ValueError, KeyError):
            continue
        total = getattr(value, "total_usd", value)
        if isinstance(total, int | float):
            return f"Estimated ${total:.3f}"
    return "Cost: no estimate"


def image_array(loaded: Any) -> np.ndarray:
    for attr in ("array", "pixels", "rgba", "rgb", "data"):
        value = getattr(loaded, attr, None)
        if isinstance(value, np.ndarray):
            return value
    return np.asarray(loaded)


def qimage_from_array(array: np.ndarray) -> QImage:
    arr = np.ascontiguousarray(array)
    h, w = arr.shape[:2]
    if arr.ndim == 2:
        arr = np.ascontiguousarray(np.stack([arr] * 3, axis=-1))
    channels = arr.shape[2]
    fmt = QImage.Format.Format_RGBA8888 if channels == 4 else QImage.Format.Format_RGB888
    return QImage(arr.data, w, h, w * channels, fmt).copy()


def qimage_to_png(image: QImage) -> bytes:
    from PySide6.QtCore import QBuffer, QIODevice

    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(buf.data().data())


def loaded_from_bytes(data: bytes) -> Any:
    from inpaint_desktop.core.imaging import load_image

    return load_image(data)


def loaded_from_qimage(image: QImage) -> Any:
    return loaded_from_bytes(qimage_to_png(image))
