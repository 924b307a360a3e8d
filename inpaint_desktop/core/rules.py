"""The OpenAI Images API's limits on what may be uploaded, shared by the client, the server and the CLI.

Numbers come from the API notes: where two documents disagree the stricter one is enforced
(4 MB for the mask, 50 MB per image, as the newer reference says).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

MAX_IMAGES = 16
MAX_IMAGE_BYTES = 50 * 1024 * 1024
MAX_MASK_BYTES = 4 * 1024 * 1024
MAX_PROMPT_CHARS = 32_000
MAX_N = 10
MAX_PARTIAL_IMAGES = 3
UPLOAD_MIMES = ("image/png", "image/jpeg", "image/webp")
# Decoding refuses images over this many pixels (decompression bombs); 16384 x 16384 fits.
MAX_DECODE_PIXELS = 16384 * 16384
# What may be uploaded (edit), checked (mask check) or converted to a mask (mask from-bw): far more
# than any image model takes (the largest output is 3840x2160), and one RGBA copy stays at 512 MB.
MAX_UPLOAD_PIXELS = 16384 * 8192
# The most one returned image may weigh (decoded from base64): a 24-megapixel PNG is about 40 MB.
MAX_RESULT_IMAGE_BYTES = 64 * 1024 * 1024

# Pillow refuses to open an image over twice its own MAX_IMAGE_PIXELS (89 MP by default). Raise it
# once here, so that the limits above decide, by name and with the size in the message, whichever
# module happens to be imported first.
if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < MAX_DECODE_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_DECODE_PIXELS

_EXIF_ORIENTATION = 0x0112
# EXIF orientation -> the transpose that shows the picture upright, as viewers and the editor do.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


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
    """What the header of an image file says, read without decoding the pixels.

    ``width`` x ``height`` is the picture as the user sees it: upright, after the EXIF orientation
    (a portrait photo stored as 640x427 with orientation 6 is 427x640), the size the editor shows.
    """

    mime: str | None
    format: str
    width: int
    height: int
    mode: str
    has_alpha: bool
    orientation: int = 1

    @property
    def pixels(self) -> int:
        return self.width * self.height


def exif_orientation(img: Image.Image) -> int:
    """The EXIF orientation (1-8) read from the header; 1 when absent, unreadable or out of range.

    One rule for the editor, the CLI and the checks. A PNG's eXIf chunk counts when it comes before
    the pixel data (where the PNG specification puts it): asking Pillow for a later one decodes
    every pixel, which a header probe must never do.
    """
    if img.format == "PNG" and "exif" not in img.info:
        return 1
    try:
        value = img.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a broken EXIF block must not stop the photo from opening
        return 1
    return value if isinstance(value, int) and value in _UPRIGHT else 1


def upright(img: Image.Image, orientation: int) -> Image.Image:
    """``img`` (already loaded) turned as its ``orientation`` says; ``img`` itself for 1."""
    method = _UPRIGHT.get(orientation)
    return img if method is None else img.transpose(method)


def unreadable_reason(exc: BaseException) -> str:
    """Pillow's reason without the in-memory file object it names (meaningless to the user)."""
    if isinstance(exc, UnidentifiedImageError):
        return "not a PNG, JPEG, WebP or other image file that can be read"
    return re.sub(r"\s*<_io\.BytesIO object at 0x[0-9a-fA-F]+>", "", str(exc)).strip() or type(exc).__name__


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
                orientation = exif_orientation(img)
                width, height = img.size
                if orientation >= 5:  # 5-8 turn the picture a quarter: width and height swap
                    width, height = height, width
                return ImageInfo(sniff_mime(data), img.format or "", width, height, mode, has_alpha,
                                 orientation)
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a readable image ({unreadable_reason(exc)})") from exc


def upload_pixel_problem(info: ImageInfo) -> str | None:
    """Why an image this size is not uploaded or checked (too many pixels), or None."""
    if info.pixels <= MAX_UPLOAD_PIXELS:
        return None
    return (f"{info.width}x{info.height} is {info.pixels / 1e6:.0f} megapixels; the limit is "
            f"{MAX_UPLOAD_PIXELS / 1e6:.0f} megapixels")


def decoded_size(data: bytes) -> tuple[int, int]:
    """Decode every pixel of an image file and return its stored (width, height).

    ``ValueError`` with a readable reason when it does not decode to the end (a valid signature
    followed by garbage, a truncated file) or claims more than ``MAX_DECODE_PIXELS`` pixels.
    """
    size = (0, 0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                size = img.size
                if size[0] * size[1] <= MAX_DECODE_PIXELS:
                    img.load()
    except (OSError, SyntaxError, EOFError, ValueError, Image.DecompressionBombError) as exc:
        raise ValueError(unreadable_reason(exc)) from None
    if size[0] * size[1] > MAX_DECODE_PIXELS:
        raise ValueError(f"it claims {size[0]}x{size[1]} pixels, more than "
                         f"{MAX_DECODE_PIXELS / 1e6:.0f} megapixels")
    return int(size[0]), int(size[1])


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
    for label, info in (("image", img), ("mask", msk)):
        if problem := upload_pixel_problem(info):
            reasons.append(f"{label}: {problem}")
    if msk.mime != "image/png":
        reasons.append(f"mask: must be a PNG file (got {msk.format or 'unknown format'})")
    if not msk.has_alpha:
        reasons.append("mask: has no alpha channel (alpha 0 marks where to edit); "
                       "convert a black-and-white mask with 'inpaint-desktop mask from-bw'")
    if (msk.width, msk.height) != (img.width, img.height):
        shown = " as shown (upright, after its EXIF rotation)" if img.orientation != 1 else ""
        reasons.append(f"mask: is {msk.width}x{msk.height} but the image is {img.width}x{img.height}"
                       f"{shown}; they must be the same size")
    if len(mask) >= MAX_MASK_BYTES:
        reasons.append(f"mask: {len(mask) / 1024 / 1024:.1f} MB is over the 4 MB limit")
    if img.mime not in UPLOAD_MIMES:
        reasons.append(f"image: must be PNG, JPEG or WebP (got {img.format or 'unknown format'})")
    if len(image) >= MAX_IMAGE_BYTES:
        reasons.append(f"image: {len(image) / 1024 / 1024:.1f} MB is over the 50 MB limit")
    return reasons
