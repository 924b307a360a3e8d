"""core.mask: API mask encoding, decoding of every mask flavour, grow/shrink/feather, coverage."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from inpaint_desktop.core.mask import (
    bbox,
    bw_to_api_png,
    coverage,
    decode_mask,
    encode_api_mask,
    feather,
    grow,
    resize_mask,
    shrink,
)
from inpaint_desktop.core.rules import check_mask_pair, probe_image
from tests.conftest import DATA


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _disc(h: int = 60, w: int = 80, cx: int = 40, cy: int = 30, r: int = 10) -> np.ndarray:
    yy, xx = np.mgrid[:h, :w]
    return np.where((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r, 255, 0).astype(np.uint8)


def test_encode_api_mask_is_rgba_with_inverted_alpha() -> None:
    mask = np.zeros((30, 40), np.uint8)
    mask[5:10, 5:20] = 255
    mask[20, 20] = 100
    data = encode_api_mask(mask)
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG" and img.mode == "RGBA" and img.size == (40, 30)
    alpha = np.asarray(img)[..., 3]
    assert alpha[7, 10] == 0 and alpha[0, 0] == 255 and alpha[20, 20] == 155


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_export_import_round_trip_exact(h: int, w: int, seed: int) -> None:
    mask = np.random.default_rng(seed).integers(0, 256, (h, w), dtype=np.uint8)
    assert np.array_equal(decode_mask(encode_api_mask(mask)), mask)


def test_exported_mask_passes_the_api_rules() -> None:
    image = (DATA / "coffee.png").read_bytes()
    info = probe_image(image)
    mask = _disc(info.height, info.width, info.width // 2, info.height // 2, 50)
    assert check_mask_pair(image, encode_api_mask(mask)) == []


def test_black_and_white_mask_luminance_becomes_alpha() -> None:
    bw = np.full((10, 12), 255, np.uint8)
    bw[2:5, 3:6] = 0  # black = edit
    mask = decode_mask(_png(Image.fromarray(bw, "L")))
    assert mask[3, 4] == 255 and mask[0, 0] == 0 and mask.sum() == 9 * 255
    inverted = decode_mask(_png(Image.fromarray(bw, "L")), invert=True)
    assert inverted[3, 4] == 0 and inverted[0, 0] == 255


def test_rgb_and_one_bit_masks_use_luminance() -> None:
    rgb = Image.new("RGB", (6, 6), (255, 255, 255))
    rgb.putpixel((1, 1), (0, 0, 0))
    assert decode_mask(_png(rgb))[1, 1] == 255 and decode_mask(_png(rgb))[0, 0] == 0
    one = Image.new("1", (6, 6), 1)
    one.putpixel((2, 2), 0)
    assert decode_mask(_png(one))[2, 2] == 255 and decode_mask(_png(one))[0, 0] == 0


def test_la_and_palette_alpha_used_as_is() -> None:
    la = Image.new("LA", (4, 4), (255, 255))
    la.putpixel((1, 1), (255, 0))
    assert decode_mask(_png(la))[1, 1] == 255 and decode_mask(_png(la))[0, 0] == 0
    pal = Image.new("P", (4, 4), 1)
    pal.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    pal.putpixel((2, 2), 0)
    buf = io.BytesIO()
    pal.save(buf, "PNG", transparency=0)
    decoded = decode_mask(buf.getvalue())
    assert decoded[2, 2] == 255 and decoded[0, 0] == 0


@pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_decode_mask_junk_raises_value_error(data: bytes) -> None:
    with pytest.raises(ValueError) as info:
        decode_mask(data)
    assert "mask" in str(info.value)


def test_decode_truncated_mask() -> None:
    data = encode_api_mask(np.random.default_rng(0).integers(0, 255, (100, 100), np.uint8))
    with pytest.raises(ValueError, match=r"damaged|truncated"):
        decode_mask(data[: len(data) // 2])


def test_bw_to_api_png_follows_the_recipe() -> None:
    bw = np.full((8, 8), 255, np.uint8)
    bw[:4] = 0
    bw[5, 5] = 128
    data = bw_to_api_png(_png(Image.fromarray(bw, "L")))
    ours = np.asarray(Image.open(io.BytesIO(data)))
    grey = Image.fromarray(bw, "L")
    recipe = grey.convert("RGBA")
    recipe.putalpha(grey)
    assert Image.open(io.BytesIO(data)).mode == "RGBA"
    assert np.array_equal(ours, np.asarray(recipe))
    flipped = np.asarray(Image.open(io.BytesIO(bw_to_api_png(_png(grey), invert=True))))
    assert np.array_equal(flipped[..., 3], 255 - bw)


def test_grow_and_shrink_move_the_edge_by_n_pixels() -> None:
    disc = _disc(r=10)
    grown = grow(disc, 5)
    assert grown[30, 40 + 15] == 255 and grown[30, 40 + 17] == 0
    assert grown[30 - 15, 40] == 255 and grown[30 - 17, 40] == 0
    shrunk = shrink(disc, 4)
    assert shrunk[30, 40 + 6] == 255 and shrunk[30, 40 + 8] == 0
    assert np.array_equal(shrink(grow(disc, 0), 0), disc)
    assert np.array_equal(grow(disc, -4), shrunk)


def test_grow_large_radius_is_round_not_square() -> None:
    mask = np.zeros((201, 201), np.uint8)
    mask[100, 100] = 255
    grown = grow(mask, 60)
    assert grown[100, 160] == 255 and grown[100, 163] == 0  # along an axis: 60 px
    diag = int(60 / np.sqrt(2))
    assert grown[100 + diag - 2, 100 + diag - 2] == 255
    assert grown[100 + diag + 4, 100 + diag + 4] == 0  # a square would reach (160, 160)


def test_shrink_keeps_a_full_mask_full_and_empty_stays_empty() -> None:
    full = np.full((20, 30), 255, np.uint8)
    assert np.array_equal(shrink(full, 5), full)
    empty = np.zeros((20, 30), np.uint8)
    assert not grow(empty, 5).any() and not feather(empty, 3).any()


def test_feather_softens_edges_only() -> None:
    mask = np.zeros((60, 60), np.uint8)
    mask[:, 30:] = 255
    soft = feather(mask, 8)
    row = soft[30]
    assert row[5] == 0 and row[55] == 255
    assert 100 < row[30] < 160
    assert np.all(np.diff(row.astype(int)) >= 0)
    assert 0 < row[26] < 128 < row[34] < 255


def test_coverage_counts_strength() -> None:
    mask = np.zeros((10, 10), np.uint8)
    assert coverage(mask) == 0.0
    mask[:5] = 255
    assert coverage(mask) == pytest.approx(50.0)
    mask[5:] = 51
    assert coverage(mask) == pytest.approx(60.0)
    assert coverage(np.zeros((0, 0), np.uint8)) == 0.0


def test_bbox() -> None:
    assert bbox(np.zeros((5, 5), np.uint8)) is None
    assert bbox(_disc(r=10)) == (30, 20, 21, 21)


def test_resize_mask() -> None:
    mask = np.zeros((10, 20), np.uint8)
    mask[:, 10:] = 255
    up = resize_mask(mask, 40, 20)
    assert up.shape == (20, 40) and up[5, 0] == 0 and up[5, 39] == 255
    down = resize_mask(mask, 10, 5)
    assert down.shape == (5, 10) and down[2, 0] == 0 and down[2, 9] == 255
    with pytest.raises(ValueError):
        resize_mask(mask, 0, 5)


def test_non_2d_mask_refused() -> None:
    with pytest.raises(ValueError, match="2-D"):
        encode_api_mask(np.zeros((4, 4, 3), np.uint8))
