"""The OpenAI Images API's limits on what may be uploaded, shared by the client, the server and the CLI.

Numbers come from the API notes: where two documents disagree the stricter one is enforced
(4 MB for the mask, 50 MB per image, as the newer reference says).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

MAX_IMAGES = 16
MAX_IMAGE_BYTES = 50 * 1024 * 1024
MAX_MASK_BYTES = 4 * 1024 * 1024
MAX_PROMPT_CHARS = 32_000
MAX_N = 10
MAX_PARTIAL_IMAGES = 3
UPLOAD_MIMES = ("image/png", "image/jpeg", "image/webp")
# Decoding refuses images over this many pixels (decompression bombs); 16384 x 16384 fits.
MAX_DECODE_PIXELS = 16384 * 16384


def sniff_mime(data: bytes) -> str | None:
    """Content type from the magic bytes (png, jpeg, webp), or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


# What a server may answer with: the upload formats, plus GIF and SVG from models that offer them
# for generations (see the capability table's ``generate_formats``).
OUTPUT_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif",
                     "image/svg+xml": "svg"}


def sniff_output_mime(data: bytes) -> str | None:
    """Content type of a returned image: png, jpeg, webp, gif or svg (text starting with an SVG root)."""
    mime = sniff_mime(data)
    if mime is not None:
        return mime
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and b"<svg" in head:
        return "image/svg+xml"
    return None


def output_extension(data: bytes) -> str:
    """File extension for returned image bytes (``bin`` for anything unrecognised)."""
    return OUTPUT_EXTENSIONS.get(sniff_output_mime(data) or "", "bin")


@dataclass(frozen=True)
class ImageInfo:
    """What the header of an image file says, read without decoding the pixels."""

    mime: str | None
    format: str
    width: int
    height: int
    mode: str
    has_alpha: bool


def probe_image(data: bytes) -> ImageInfo:
    """Read size, mode and format from the header; ``ValueError`` when the bytes are no image."""
    if not data:
        raise ValueError("the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                mode = img.mode
                has_alpha = "A" in mode or mode in ("PA",) or "transparency" in img.info
                return ImageInfo(sniff_mime(data), img.format or "", img.width, img.height, mode, has_alpha)
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a readable image ({exc})") from exc


def check_mask_pair(image: bytes, mask: bytes) -> list[str]:
    """Every reason the API would refuse ``mask`` with ``image`` as the first image; empty when valid."""
    reasons: list[str] = []
    try:
        img = probe_image(image)
    except ValueError as exc:
        return [f"image: {exc}"]
    try:
        msk = probe_image(mask)
    except ValueError as exc:
        return [f"mask: {exc}"]
    if msk.mime != "image/png":
        reasons.append(f"mask: must be a PNG file (got {msk.format or 'unknown format'})")
    if not msk.has_alpha:
        reasons.append("mask: has no alpha channel (alpha 0 marks where to edit); "
                       "convert a black-and-white mask with 'inpaint-desktop mask from-bw'")
    if (msk.width, msk.height) != (img.width, img.height):
        reasons.append(f"mask: is {msk.width}x{msk.height} but the image is {img.width}x{img.height}; "
                       "they must be the same size")
    if len(mask) >= MAX_MASK_BYTES:
        reasons.append(f"mask: {len(mask) / 1024 / 1024:.1f} MB is over the 4 MB limit")
    if img.mime not in UPLOAD_MIMES:
        reasons.append(f"image: must be PNG, JPEG or WebP (got {img.format or 'unknown format'})")
    if len(image) >= MAX_IMAGE_BYTES:
        reasons.append(f"image: {len(image) / 1024 / 1024:.1f} MB is over the 50 MB limit")
    return reasons
