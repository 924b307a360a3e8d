"""core.rules: one orientation rule for every reader, full decoding of results, the pixel limits."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageOps

from inpaint_desktop.core.imaging import load_image, upright_upload
from inpaint_desktop.core.rules import (
    MAX_UPLOAD_PIXELS,
    check_mask_pair,
    decoded_size,
    probe_image,
    unreadable_reason,
    upload_pixel_problem,
)
from tests.core.test_imaging import _png_with_size, _save
from tests.processes import repo_env


def _oriented(orientation: int, fmt: str = "JPEG") -> bytes:
    """A 48x32 picture with a distinct corner, stored with the given EXIF orientation."""
    arr = np.zeros((32, 48, 3), np.uint8)
    arr[:, :] = (40, 40, 40)
    arr[:8, :12] = (250, 250, 250)
    exif = Image.Exif()
    exif[0x0112] = orientation
    extra = {"quality": 95} if fmt == "JPEG" else {}
    return _save(Image.fromarray(arr), fmt, exif=exif.tobytes(), **extra)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_reader_sees_the_same_upright_picture(orientation: int, fmt: str) -> None:
    data = _oriented(orientation, fmt)
    with Image.open(io.BytesIO(data)) as img:
        reference = np.asarray(ImageOps.exif_transpose(img).convert("RGB")).astype(int)
    info = probe_image(data)
    shown = load_image(data)  # the editor's loader
    assert (info.width, info.height) == (shown.width, shown.height) == reference.shape[1::-1]
    assert info.orientation == orientation
    assert np.abs(shown.array.astype(int) - reference).mean() < 1
    sent = upright_upload(data)
    if orientation == 1:
        assert sent is data
    else:
        with Image.open(io.BytesIO(sent)) as img:
            assert img.format == fmt and img.getexif().get(0x0112) is None
            pixels = np.asarray(img.convert("RGB")).astype(int)
        assert np.abs(pixels - reference).mean() < 3


def test_a_png_header_probe_decodes_no_pixels() -> None:
    info = probe_image(_png_with_size(15_000, 15_000))  # a header with no pixel data behind it
    assert (info.width, info.height, info.orientation) == (15_000, 15_000, 1)
    problem = upload_pixel_problem(info)
    assert problem == "15000x15000 is 225 megapixels; the limit is 134 megapixels"


def test_the_mask_pair_check_applies_the_pixel_limit() -> None:
    side = int(MAX_UPLOAD_PIXELS**0.5) + 1
    bomb = _png_with_size(side, side)
    reasons = check_mask_pair(bomb, bomb)
    assert any(r.startswith("image: ") and "megapixels" in r for r in reasons)
    assert any(r.startswith("mask: ") and "megapixels" in r for r in reasons)


def test_the_pillow_guard_does_not_depend_on_what_was_imported_first() -> None:
    # Only core.rules imported: a 150-megapixel header is read (and judged by our limit, with its size)
    # instead of Pillow refusing it as a "decompression bomb" at 179 MP in one process and 537 in another.
    code = ("from PIL import Image; import inpaint_desktop.core.rules as r; "
            "print(Image.MAX_IMAGE_PIXELS >= r.MAX_DECODE_PIXELS)")
    done = subprocess.run([sys.executable, "-c", code], env=repo_env(), capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "True", done.stderr


def test_decoded_size_reads_every_pixel() -> None:
    good = _save(Image.new("RGB", (30, 20)), "PNG")
    assert decoded_size(good) == (30, 20)
    png_garbage = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    jpeg_zeros = b"\xff\xd8\xff\xe0" + bytes(4096)
    truncated = _save(Image.fromarray(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8)),
                      "PNG")[:-200]
    for bad in (png_garbage, jpeg_zeros, truncated, _png_with_size(40, 40)):
        with pytest.raises(ValueError) as info:
            decoded_size(bad)
        assert "BytesIO" not in str(info.value)
    with pytest.raises(ValueError, match="claims 20000x20000 pixels"):
        decoded_size(_png_with_size(20_000, 20_000))


def test_unreadable_reason_names_no_memory_buffer() -> None:
    with pytest.raises(OSError) as info:
        Image.open(io.BytesIO(b"nothing"))
    assert "BytesIO" in str(info.value)
    assert "BytesIO" not in unreadable_reason(info.value)
