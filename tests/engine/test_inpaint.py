"""The fill methods on real photos and on random pictures: the hole is filled, nothing else moves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from inpaint_desktop.engine.inpaint import (
    _VARIANT_ORDER,
    DEFAULT_METHOD,
    METHODS,
    Variant,
    fill,
    harmonic_fill,
    plan_variants,
    resolve_method,
)
from tests.conftest import DATA

ALL_VARIANTS = [*_VARIANT_ORDER]


def _photo(name: str = "coffee") -> np.ndarray:
    return np.asarray(Image.open(DATA / f"{name}.png").convert("RGB"))


def _ellipse_hole(shape: tuple[int, int], cx: int, cy: int, rx: int, ry: int) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1


def _psnr(a: np.ndarray, b: np.ndarray, hole: np.ndarray) -> float:
    mse = float(np.mean((a[hole].astype(float) - b[hole].astype(float)) ** 2))
    return 10 * np.log10(255**2 / mse)


def _waves() -> np.ndarray:
    yy, xx = np.mgrid[:240, :320].astype(np.float32)
    planes = [128 + 60 * np.sin(xx / 40), 128 + 60 * np.cos(yy / 30), 100 + 0.3 * xx + 0.2 * yy]
    return np.dstack(planes).clip(0, 255).astype(np.uint8)


@pytest.mark.parametrize("variant", ALL_VARIANTS, ids=lambda v: v.label[:30])
def test_every_method_fills_the_hole_from_its_surroundings(variant: Variant) -> None:
    picture = _waves()
    hole = _ellipse_hole(picture.shape[:2], 160, 120, 40, 30)
    ring = _ellipse_hole(picture.shape[:2], 160, 120, 44, 34) & ~hole
    flat = picture.copy()
    flat[hole] = picture[ring].mean(axis=0)
    out = fill(picture, hole, variant)
    assert np.array_equal(out[~hole], picture[~hole])
    # Continues the waves into the hole: clearly better than the surroundings' average colour.
    assert _psnr(out, picture, hole) > _psnr(flat, picture, hole) + 3


@pytest.mark.parametrize("variant", ALL_VARIANTS, ids=lambda v: v.label[:30])
def test_every_method_keeps_every_pixel_outside_the_hole_of_a_photo(variant: Variant) -> None:
    photo = _photo()
    hole = _ellipse_hole(photo.shape[:2], 288, 130, 105, 100)  # the cup
    out = fill(photo, hole, variant)
    assert out.shape == photo.shape and out.dtype == np.uint8
    assert np.array_equal(out[~hole], photo[~hole])
    assert not np.array_equal(out[hole], photo[hole])


def test_the_default_fill_reconstructs_smooth_content_closely() -> None:
    # A smooth gradient is exactly what a membrane reproduces: a strict quality floor.
    yy, xx = np.mgrid[:200, :300].astype(np.float32)
    picture = np.dstack([xx * 0.8, yy, 255 - xx * 0.5]).astype(np.uint8)
    hole = _ellipse_hole((200, 300), 150, 100, 60, 40)
    out = fill(picture, hole, METHODS[DEFAULT_METHOD].variant)
    assert _psnr(out, picture, hole) > 40


def test_rgba_keeps_alpha_outside_and_fills_it_from_the_surroundings() -> None:
    rgb = _photo("chelsea")
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    alpha[:, :150] = 0  # a transparent left third
    picture = np.dstack([rgb, alpha])
    in_transparent = _ellipse_hole(alpha.shape, 60, 150, 30, 30)
    in_opaque = _ellipse_hole(alpha.shape, 330, 150, 30, 30)
    out = fill(picture, in_transparent | in_opaque, Variant("telea", 3))
    keep = ~(in_transparent | in_opaque)
    assert np.array_equal(out[keep], picture[keep])
    assert out[in_transparent][:, 3].max() == 0
    assert out[in_opaque][:, 3].min() == 255


def test_exemplar_ranks_copy_different_source_regions() -> None:
    photo = _photo("astronaut")
    hole = _ellipse_hole(photo.shape[:2], 80, 150, 50, 140)
    first = fill(photo, hole, Variant("exemplar", rank=0))
    second = fill(photo, hole, Variant("exemplar", rank=1))
    assert np.abs(first[hole].astype(int) - second[hole].astype(int)).mean() > 2


def test_exemplar_without_a_free_source_region_falls_back_to_the_membrane() -> None:
    photo = _photo("chelsea")
    hole = np.zeros(photo.shape[:2], bool)
    hole[10:290, 10:440] = True  # nothing of that size is free of the hole
    out = fill(photo, hole, Variant("exemplar"))
    assert np.array_equal(out, fill(photo, hole, Variant("harmonic")))


def test_cancellation_is_checked_within_a_fill() -> None:
    photo = _photo()
    hole = _ellipse_hole(photo.shape[:2], 300, 200, 150, 120)
    calls: list[int] = []

    def check() -> None:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fill(photo, hole, Variant("harmonic"), check)


def test_harmonic_fill_of_a_whole_hole_has_nothing_to_copy() -> None:
    out = harmonic_fill(np.full((8, 8, 1), 7, np.float32), np.ones((8, 8), bool))
    assert np.all(out == 0)


def test_unknown_models_select_the_default_method() -> None:
    assert resolve_method("gpt-image-2").id == DEFAULT_METHOD
    assert resolve_method(None).id == DEFAULT_METHOD
    assert resolve_method("offline-telea").variant == Variant("telea", 3)


def test_variant_plans_start_with_the_chosen_method_and_label_duplicates() -> None:
    plan = plan_variants("offline-exemplar", 10)
    assert plan[0][0] == Variant("exemplar", rank=0)
    distinct = [v for v, _ in plan[: len(_VARIANT_ORDER)]]
    assert len(set(distinct)) == len(_VARIANT_ORDER)
    assert all("duplicate" not in label for _, label in plan[: len(_VARIANT_ORDER)])
    for variant, label in plan[len(_VARIANT_ORDER):]:
        assert "duplicate of variant" in label
        assert variant in distinct


@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(4, 60), w=st.integers(4, 60), seed=st.integers(0, 2**32 - 1),
    channels=st.sampled_from([3, 4]), variant=st.sampled_from(ALL_VARIANTS),
    density=st.floats(0.01, 0.9),
)
def test_any_picture_and_hole_keeps_outside_pixels(h: int, w: int, seed: int, channels: int,
                                                   variant: Variant, density: float) -> None:
    rng = np.random.default_rng(seed)
    picture = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
    hole = rng.random((h, w)) < density
    out = fill(picture, hole, variant)
    assert out.shape == picture.shape
    assert np.array_equal(out[~hole], picture[~hole])


def test_biharmonic_continues_curvature_the_membrane_cannot() -> None:
    # x^2 has a non-zero Laplacian (no membrane reproduces it) but a zero bi-Laplacian.
    yy, xx = np.mgrid[:200, :300].astype(np.float32)
    ramp = 20 + 200 * (xx / 300) ** 2 + 0 * yy
    picture = np.dstack([ramp, ramp[:, ::-1], np.full_like(ramp, 90)]).astype(np.uint8)
    hole = _ellipse_hole((200, 300), 150, 100, 70, 50)
    membrane = _psnr(fill(picture, hole, Variant("harmonic")), picture, hole)
    thin_plate = _psnr(fill(picture, hole, Variant("biharmonic")), picture, hole)
    assert thin_plate > membrane + 5
    assert thin_plate > 40
