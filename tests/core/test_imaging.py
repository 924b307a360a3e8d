"""core.imaging: every kind of file a user can open, good and bad."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inpaint_desktop.core.imaging import MAX_PIXELS, ImageLoadError, LoadedImage, encode_png, load_image
from tests.conftest import DATA


def _save(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _png_with_size(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` but holds almost no data (a bomb)."""
    raw = bytearray(_save(Image.new("RGB", (1, 1)), "PNG"))
    ihdr = struct.pack(">II", width, height) + bytes(raw[24:29])
    raw[16:29] = ihdr
    raw[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(raw)


def test_sample_png_keeps_source_bytes() -> None:
    data = (DATA / "coffee.png").read_bytes()
    loaded = load_image(DATA / "coffee.png")
    assert isinstance(loaded, LoadedImage)
    assert loaded.format == "PNG" and loaded.source_bytes == data and loaded.notice is None
    expected = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert np.array_equal(loaded.array[..., :3], expected)
    assert loaded.array.flags.c_contiguous and loaded.array.dtype == np.uint8
    assert (loaded.width, loaded.height) == (expected.shape[1], expected.shape[0])


def test_load_from_bytes_and_str_path(tmp_path: Path) -> None:
    array = np.random.default_rng(0).integers(0, 255, (20, 30, 4), np.uint8)
    data = encode_png(array)
    assert np.array_equal(load_image(data).array, array)
    path = tmp_path / "x.png"
    path.write_bytes(data)
    loaded = load_image(str(path))
    assert loaded.has_alpha and np.array_equal(loaded.array, array)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"hello, this is a text file\n" * 10, "not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20, "damaged"),
    ],
    ids=["zero-byte", "non-image", "corrupt-header"],
)
def test_bad_bytes_give_clear_errors(data: bytes, words: str) -> None:
    with pytest.raises(ImageLoadError) as info:
        load_image(data)
    assert words in str(info.value)


def test_truncated_png_and_jpeg() -> None:
    rng = np.random.default_rng(1)
    img = Image.fromarray(rng.integers(0, 255, (200, 200, 3), np.uint8))
    for fmt in ("PNG", "JPEG"):
        data = _save(img, fmt)
        with pytest.raises(ImageLoadError) as info:
            load_image(data[: len(data) // 2])
        assert "truncated" in str(info.value) or "damaged" in str(info.value)


def test_corrupt_pixel_data() -> None:
    data = bytearray(_save(Image.new("RGB", (64, 64), (10, 200, 30)), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 4 : idat + 40] = b"\xff" * 36  # destroy the compressed stream
    with pytest.raises(ImageLoadError) as info:
        load_image(bytes(data))
    assert "damaged" in str(info.value) or "truncated" in str(info.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError, match="does not exist"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(ImageLoadError, match="folder"):
        load_image(tmp_path)


def test_decompression_bomb_refused_before_decoding() -> None:
    side = int(MAX_PIXELS**0.5) + 10
    with pytest.raises(ImageLoadError) as info:
        load_image(_png_with_size(side, side))
    text = str(info.value)
    assert "too large" in text and f"{side}x{side}" in text and "megapixels" in text


def test_enormous_header_refused_with_size() -> None:
    with pytest.raises(ImageLoadError) as info:
        load_image(_png_with_size(100_000, 100_000))
    assert "too large" in str(info.value) and "10000 megapixels" in str(info.value)


def test_just_under_the_limit_is_not_refused_as_a_bomb() -> None:
    # The header check passes; decoding then fails on the missing data, with a different message.
    with pytest.raises(ImageLoadError) as info:
        load_image(_png_with_size(12000, 12000))
    assert "too large" not in str(info.value)


def test_animated_gif_opens_first_frame_with_notice() -> None:
    frames = [Image.new("RGB", (16, 12), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    data = _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)
    loaded = load_image(data)
    assert loaded.notice == "Animated image: opened the first of 3 frames."
    assert tuple(loaded.array[5, 5, :3]) == (255, 0, 0)
    assert loaded.source_bytes is None


def test_animated_webp_is_not_uploaded_as_is() -> None:
    frames = [Image.new("RGB", (16, 12), c) for c in ((255, 0, 0), (0, 0, 255))]
    data = _save(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    loaded = load_image(data)
    assert loaded.notice and "2 frames" in loaded.notice and loaded.source_bytes is None


def test_palette_with_transparency_becomes_rgba() -> None:
    img = Image.new("P", (10, 10), 0)
    img.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    img.putpixel((3, 3), 1)
    loaded = load_image(_save(img, "PNG", transparency=0))
    assert loaded.has_alpha
    assert tuple(loaded.array[0, 0]) == (255, 0, 0, 0) and tuple(loaded.array[3, 3]) == (0, 0, 255, 255)
    assert loaded.source_bytes is None  # palette files are re-encoded as RGBA


def test_palette_without_transparency_becomes_rgb() -> None:
    img = Image.new("RGB", (10, 10), (12, 200, 99)).quantize(4)
    loaded = load_image(_save(img, "PNG"))
    assert loaded.array.shape == (10, 10, 3) and tuple(loaded.array[1, 1]) == (12, 200, 99)


def test_greyscale_and_la() -> None:
    grey = load_image(_save(Image.new("L", (4, 4), 77), "PNG"))
    assert grey.array.shape == (4, 4, 3) and set(grey.array.ravel().tolist()) == {77}
    la = load_image(_save(Image.new("LA", (4, 4), (77, 128)), "PNG"))
    assert la.has_alpha and tuple(la.array[0, 0]) == (77, 77, 77, 128)


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    values = np.array([[0, 1000, 32768, 65535]], np.uint16)
    img = Image.fromarray(values)
    data = _save(img, "PNG")
    loaded = load_image(data)
    assert loaded.array[0, :, 0].tolist() == [0, 4, 128, 255]
    assert loaded.source_bytes is None


def test_sixteen_bit_rgb_png_is_not_uploaded_as_is() -> None:
    # Hand-built 16-bit RGB PNG: Pillow writes only 8-bit RGB, so encode the rows ourselves.
    width, height = 3, 2
    row = b"\x00" + b"".join(struct.pack(">HHH", 65535, 32768, 0) for _ in range(width))
    raw = row * height

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    loaded = load_image(data)
    assert loaded.array.shape == (2, 3, 3)
    assert tuple(loaded.array[0, 0]) == (255, 128, 0)
    assert loaded.source_bytes is None


def test_cmyk_jpeg_converts_without_colour_shift() -> None:
    cmyk = Image.new("RGB", (32, 32), (200, 40, 40)).convert("CMYK")
    loaded = load_image(_save(cmyk, "JPEG", quality=95))
    assert loaded.array.shape == (32, 32, 3) and loaded.source_bytes is None
    assert np.abs(loaded.array[16, 16].astype(int) - (200, 40, 40)).max() <= 6


def test_exif_orientation_is_applied() -> None:
    img = Image.new("RGB", (40, 20), (0, 0, 0))
    img.paste((255, 255, 255), (0, 0, 10, 20))  # white strip on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise for display
    data = _save(img, "JPEG", exif=exif.tobytes(), quality=95)
    loaded = load_image(data)
    assert (loaded.width, loaded.height) == (20, 40)
    assert loaded.array[2, 10].min() > 200 and loaded.array[38, 10].max() < 50  # strip now on top
    assert loaded.source_bytes is None


def test_jpeg_and_webp_rgb_keep_source_bytes_bmp_and_tiff_do_not() -> None:
    img = Image.new("RGB", (8, 8), (1, 2, 3))
    for fmt, keeps in (("JPEG", True), ("WEBP", True), ("BMP", False), ("TIFF", False)):
        data = _save(img, fmt)
        loaded = load_image(data)
        assert loaded.format == fmt
        assert (loaded.source_bytes == data) is keeps, fmt


def test_encode_png_round_trips_grey_rgb_rgba() -> None:
    rng = np.random.default_rng(2)
    for shape in ((5, 7), (5, 7, 3), (5, 7, 4)):
        array = rng.integers(0, 255, shape, np.uint8)
        back = np.asarray(Image.open(io.BytesIO(encode_png(array, compress_level=9))))
        assert np.array_equal(back, array)
