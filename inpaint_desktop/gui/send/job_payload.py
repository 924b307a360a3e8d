"""Work done inside the job worker: encoding uploads, decoding results, protected composites.

Everything here runs on the worker thread. It produces bytes and QImage (safe off the GUI thread),
never QPixmap.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from inpaint_desktop.api.types import EditRequest, GenerateRequest, ImageFile
from inpaint_desktop.core.compose import Box, match_channels, measure_drift, paste, protected_composite
from inpaint_desktop.core.geometry import SizePlan, fit_image, map_back
from inpaint_desktop.gui.results.variant import Variant, thumbnail, to_qimage

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
    private copies, so painting after Send cannot change what is sent. ``box`` is the part of the
    photo that is uploaded (the whole photo, or a crop around the mask) and ``plan`` how that part is
    fitted to a size the model accepts; ``None`` sends the photo as it is. ``source_bytes`` are the
    photo's original file bytes, uploaded unchanged when nothing needs resizing or cropping.
    """

    job_id: str
    kind: str  # "edit" or "generate"
    prompt: str
    params: EditParams
    image: np.ndarray | None = field(default=None, repr=False)
    mask: np.ndarray | None = field(default=None, repr=False)
    references: tuple[ImageFile, ...] = field(default=(), repr=False)
    plan: SizePlan | None = None
    box: Box | None = None
    source_bytes: bytes | None = field(default=None, repr=False)

    @property
    def original_size(self) -> tuple[int, int] | None:
        if self.image is None:
            return None
        return int(self.image.shape[1]), int(self.image.shape[0])

    @property
    def upload_box(self) -> Box | None:
        if self.image is None:
            return None
        return self.box or (0, 0, int(self.image.shape[1]), int(self.image.shape[0]))

    @property
    def cropped(self) -> bool:
        size = self.original_size
        return size is not None and self.upload_box != (0, 0, *size)

    @property
    def sends_as_is(self) -> bool:
        """True when the photo goes up exactly as it is (no crop, no resize, no padding)."""
        return not self.cropped and (self.plan is None or self.plan.is_identity)


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


def _region(array: np.ndarray, box: Box) -> np.ndarray:
    left, top, right, bottom = box
    return array[top:bottom, left:right]


def build_request(spec: JobSpec) -> tuple[EditRequest | GenerateRequest, bytes | None]:
    """The wire request for ``spec`` and the mask PNG that was sent (kept for the results library)."""
    p = spec.params
    size = spec.plan.size_param if spec.plan is not None and spec.plan.size_param else p.size
    common = {
        "prompt": spec.prompt, "model": p.model, "n": p.n, "size": size, "quality": p.quality,
        "output_format": p.output_format, "output_compression": p.output_compression,
        "background": p.background, "moderation": p.moderation,
        "stream": p.partial_images > 0, "partial_images": p.partial_images or None,
    }
    if spec.kind == "generate":
        return GenerateRequest(**common), None  # type: ignore[arg-type]
    assert spec.image is not None and spec.upload_box is not None
    box = spec.upload_box
    if spec.sends_as_is and spec.source_bytes is not None:
        canvas = ImageFile.from_bytes(spec.source_bytes, "image")
    else:
        region = _region(spec.image, box)
        canvas = ImageFile.from_bytes(encode_png(fit_image(region, spec.plan) if spec.plan else region),
                                      "image.png")
    mask_png = None
    if spec.mask is not None:
        region = _region(spec.mask, box)
        mask_png = encode_api_mask(fit_image(region, spec.plan) if spec.plan else region)
    request = EditRequest(
        images=(canvas, *spec.references),
        mask=ImageFile.from_bytes(mask_png, "mask.png") if mask_png is not None else None,
        input_fidelity=p.input_fidelity,
        **common,  # type: ignore[arg-type]
    )
    return request, mask_png


def make_variant(index: int, data: bytes, spec: JobSpec, label: str = "") -> tuple[Variant, bytes | None,
                                                                                      bytes | None]:
    """Decode one result, map it back to the original size and build the protected composite.

    Returns the variant plus the PNG bytes of the full-size mapping (when resized or cropped) and of
    the protected composite (edits only), for the results library.
    """
    result = Image.open(io.BytesIO(data))
    result.load()
    raw_q = to_qimage(result)
    if spec.kind != "edit" or spec.image is None or spec.upload_box is None:
        return Variant(index, data, raw_q, raw_q, label=label, thumb=thumbnail(raw_q)), None, None
    original = spec.image
    channels = original.shape[2] if original.ndim == 3 else 3
    result_array = match_channels(np.asarray(result.convert("RGBA")), channels)
    box = spec.upload_box
    left, top, right, bottom = box
    if spec.plan is not None:
        mapped = map_back(result_array, spec.plan)
    elif result_array.shape[:2] != (bottom - top, right - left):
        # The server returned another size than was sent: scale it onto the sent region.
        mapped = np.asarray(Image.fromarray(result_array).resize((right - left, bottom - top),
                                                                  Image.Resampling.LANCZOS))
    else:
        mapped = result_array
    full = paste(original, mapped, box) if spec.cropped else mapped
    resized = spec.cropped or full.shape[:2] != result_array.shape[:2]
    mapped_png = encode_png(full) if resized else None
    protected_q = protected_png = None
    drift = ""
    if spec.mask is not None:
        composite = protected_composite(original, full, spec.mask, feather_px=FEATHER_RADIUS_PX)
        protected_png = encode_png(composite)
        protected_q = to_qimage(composite)
        drift = measure_drift(original, full, spec.mask).describe()
    full_q = to_qimage(full) if resized else raw_q
    variant = Variant(index, data, raw_q, full_q, protected_q, resized, label=label, drift=drift,
                      thumb=thumbnail(protected_q or full_q))
    return variant, mapped_png, protected_png
