"""``mask check`` and ``mask from-bw`` see pictures as the editor does (upright after EXIF), refuse
decompression bombs with the pixel limit ``edit`` uses, name files they cannot read, and warn about
masks the API would refuse for their size."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inpaint_desktop.core.imaging import load_image
from inpaint_desktop.core.mask import encode_api_mask
from inpaint_desktop.core.rules import MAX_UPLOAD_PIXELS
from tests.cli.test_edit_hardening import _portrait_jpeg


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inpaint_desktop", "mask", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def flat_png(path: Path, side: int, *, colour_type: int, channels: int) -> Path:
    """A real, fully decodable ``side`` x ``side`` PNG of one flat colour: tiny on disk, huge decoded
    (a decompression bomb). Written row by row, so making it costs little memory."""
    row = b"\x00" + b"\x00" * (side * channels)
    packer = zlib.compressobj(1)
    with path.open("wb") as f:
        header = struct.pack(">IIBBBBB", side, side, 8, colour_type, 0, 0, 0)
        f.write(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header))
        data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
        f.write(_chunk(b"IDAT", data) + _chunk(b"IEND", b""))
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    side = 11_600  # 135 megapixels: just over what edit takes (a grey image and a grey+alpha mask)
    assert side * side > MAX_UPLOAD_PIXELS
    folder = tmp_path_factory.mktemp("bombs")
    grey = flat_png(folder / "grey.png", side, colour_type=0, channels=1)
    return {"image": grey, "bw": grey, "mask": flat_png(folder / "mask.png", side, colour_type=4, channels=2)}


def test_check_refuses_a_bomb_with_the_edit_limit(bombs: dict[str, Path]) -> None:
    done = _cli("check", bombs["image"], bombs["mask"])
    assert done.returncode == 2, done.stdout
    assert "is too large: 11600x11600 is 135 megapixels; the limit is 134 megapixels" in done.stderr
    assert "valid" not in done.stdout


def test_check_refuses_a_bomb_mask_beside_a_normal_photo(bombs: dict[str, Path], tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    Image.new("RGB", (64, 64)).save(photo)
    done = _cli("check", photo, bombs["mask"])
    assert done.returncode == 2 and f"mask {bombs['mask']} is too large" in done.stderr


def test_from_bw_refuses_a_bomb(bombs: dict[str, Path], tmp_path: Path) -> None:
    done = _cli("from-bw", bombs["bw"], tmp_path / "out.png")
    assert done.returncode == 2 and "too large" in done.stderr
    assert not (tmp_path / "out.png").exists()


def test_from_bw_warns_when_the_mask_is_over_the_api_limit(tmp_path: Path) -> None:
    noise = np.random.default_rng(3).integers(0, 256, (1200, 1200), dtype=np.uint8)  # grey shades
    source = tmp_path / "noisy.png"
    Image.fromarray(noise, "L").save(source)
    done = _cli("from-bw", source, tmp_path / "mask.png")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mask.png").stat().st_size >= 4 * 1024 * 1024
    assert "warning:" in done.stderr and "the API refuses masks of 4 MB or more" in done.stderr


def test_from_bw_of_a_normal_mask_does_not_warn(tmp_path: Path) -> None:
    source = tmp_path / "bw.png"
    Image.new("L", (1400, 1400), 255).save(source)
    done = _cli("from-bw", source, tmp_path / "mask.png")
    assert done.returncode == 0 and "warning" not in done.stderr


def test_an_unreadable_file_is_named_not_its_memory_buffer(tmp_path: Path) -> None:
    junk = tmp_path / "holiday.png"
    junk.write_bytes(b"not an image at all")
    good = tmp_path / "mask.png"
    good.write_bytes(encode_api_mask(np.zeros((4, 4), np.uint8)))
    for done in (_cli("check", junk, good), _cli("from-bw", junk, tmp_path / "out.png")):
        assert done.returncode == 2
        assert str(junk) in done.stderr and "BytesIO" not in done.stderr, done.stderr


def test_check_sees_a_portrait_photo_as_the_editor_shows_it(tmp_path: Path) -> None:
    photo = _portrait_jpeg(tmp_path / "portrait.jpg")
    shown = load_image(photo)
    exported = tmp_path / "exported.png"  # what the editor exports for this photo
    exported.write_bytes(encode_api_mask(np.zeros((shown.height, shown.width), np.uint8)))
    done = _cli("check", photo, exported)
    assert done.returncode == 0, done.stdout
    stored = tmp_path / "stored.png"
    stored.write_bytes(encode_api_mask(np.zeros((427, 640), np.uint8)))
    done = _cli("check", photo, stored)
    assert done.returncode == 1
    assert "is 640x427 but the image is 427x640 as shown (upright, after its EXIF rotation)" in done.stdout


def test_from_bw_turns_a_mask_stored_turned_upright(tmp_path: Path) -> None:
    stored = np.full((40, 60), 255, np.uint8)
    stored[:, :10] = 0  # black (edit) along the stored left edge
    exif = Image.Exif()
    exif[0x0112] = 6
    source = tmp_path / "bw.jpg"
    Image.fromarray(stored, "L").save(source, "JPEG", quality=100, exif=exif.tobytes())
    done = _cli("from-bw", source, tmp_path / "mask.png")
    assert done.returncode == 0, done.stderr
    with Image.open(tmp_path / "mask.png") as img:
        alpha = np.asarray(img.getchannel("A"))
    assert alpha.shape == (60, 40)  # upright: 40 wide, 60 high
    # Orientation 6 turns the picture a quarter clockwise: the stored left edge becomes the top.
    assert alpha[:8].mean() < 20 and alpha[15:].mean() > 235
