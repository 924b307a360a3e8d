"""Work done inside the job worker: encoding uploads, decoding results, protected composites.

Everything here runs on the worker thread. It produces bytes and QImage (safe off the GUI thread),
never QPixmap.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageFilter
from PySide6.QtGui import QImage

from inpaint_desktop.api.types import EditRequest, GenerateRequest, ImageFile

# Width of the soft edge between original and result in the protected composite.
FEATHER_RADIUS_PX = 3.0


@dataclass(frozen=True)
class EditParams:
    """Output options the user picked; ``None`` means "let the server decide" (not sent)."""

    model: str = "gpt-image-2"
    n: int = 1
    size: str | None = None
    quality: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    background: str | None = None
    moderation: str | None = None
    input_fidelity: str | None = None
    partial_images: int = 0

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class JobSpec:
    """Everything one job needs, frozen on the GUI thread at Send time.

    ``image`` is an RGB/RGBA uint8 array and ``mask`` an 8-bit array (255 = edit); both are
    private copies, so painting after Send cannot change what is sent.
    """

    job_id: str
    kind: str  # "edit" or "generate"
    prompt: str
    params: EditParams
    image: np.ndarray | None = field(default=None, repr=False)
    mask: np.ndarray | None = field(default=None, repr=False)
    references: tuple[ImageFile, ...] = field(default=(), repr=False)

    @property
    def original_size(self) -> tuple[int, int] | None:
        if self.image is None:
            return None
        return int(self.image.shape[1]), int(self.image.shape[0])


def encode_png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def encode_api_mask(mask: np.ndarray) -> bytes:
    """Internal mask (255 = edit) to the API's RGBA PNG (alpha 0 = edit)."""
    h, w = mask.shape[:2]
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[..., 3] = 255 - mask
    return encode_png(rgba)


def build_request(spec: JobSpec) -> tuple[EditRequest | GenerateRequest, bytes | None]:
    """The wire request for ``spec`` and the mask PNG that was sent (kept for the results library)."""
    p = spec.params
    common = {
        "prompt": spec.prompt, "model": p.model, "n": p.n, "size": p.size, "quality": p.quality,
        "output_format": p.output_format, "output_compression": p.output_compression,
        "background": p.background, "moderation": p.moderation,
        "stream": p.partial_images > 0, "partial_images": p.partial_images or None,
    }
    if spec.kind == "generate":
        return GenerateRequest(**common), None  # type: ignore[arg-type]
    assert spec.image is not None
    canvas = ImageFile.from_bytes(encode_png(spec.image), "image.png")
    mask_png = encode_api_mask(spec.mask) if spec.mask is not None else None
    request = EditRequest(
        images=(canvas, *spec.references),
        mask=ImageFile.from_bytes(mask_png, "mask.png") if mask_png is not None else None,
        input_fidelity=p.input_fidelity,
        **common,  # type: ignore[arg-type]
    )
    return request, mask_png


def to_qimage(image: Image.Image) -> QImage:
    rgba = image.convert("RGBA")
    data = rgba.tobytes()
    qimg = QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888)
    return qimg.copy()  # detach from the Python buffer


def decode_bytes(data: bytes) -> QImage:
    return to_qimage(Image.open(io.BytesIO(data)))


@dataclass(frozen=True)
class Variant:
    """One returned image, decoded, plus its full-size and protected versions."""

    index: int
    raw_bytes: bytes = field(repr=False)
    raw: QImage = field(repr=False)
    fullsize: QImage = field(repr=False)
    protected: QImage | None = field(default=None, repr=False)
    resized: bool = False
    saved_dir: str | None = None


def make_variant(index: int, data: bytes, spec: JobSpec) -> tuple[Variant, bytes | None, bytes | None]:
    """Decode one result, map it back to the original size and build the protected composite.

    Returns the variant plus the PNG bytes of the full-size mapping (when resized) and of the
    protected composite (edits only), for the results library.
    """
    result = Image.open(io.BytesIO(data))
    result.load()
    raw_q = to_qimage(result)
    size = spec.original_size
    mapped_png = None
    full = result.convert("RGBA")
    resized = size is not None and full.size != size
    if resized and size is not None:
        full = full.resize(size, Image.Resampling.LANCZOS)
        mapped_png = encode_png(np.asarray(full))
    protected_q = None
    protected_png = None
    if spec.kind == "edit" and spec.image is not None and spec.mask is not None:
        original = Image.fromarray(spec.image).convert("RGBA")
        alpha = Image.fromarray(spec.mask.astype(np.uint8), "L")
        if FEATHER_RADIUS_PX > 0:
            # Feather inward only: every pixel outside the mask stays exactly the original.
            blurred = np.asarray(alpha.filter(ImageFilter.GaussianBlur(FEATHER_RADIUS_PX)))
            alpha = Image.fromarray(np.minimum(blurred, spec.mask.astype(np.uint8)), "L")
        composite = Image.composite(full, original, alpha)
        protected_png = encode_png(np.asarray(composite))
        protected_q = to_qimage(composite)
    variant = Variant(index, data, raw_q, to_qimage(full) if resized else raw_q, protected_q, resized)
    return variant, mapped_png, protected_png
