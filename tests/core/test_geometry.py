"""Size planning: valid upload sizes for any photo, exact way back, crop boxes around the mask."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from inpaint_desktop.core.geometry import crop_box_for_mask, fit_image, map_back, plan_size
from inpaint_desktop.core.models import load_capabilities
from tests.conftest import DATA

TABLE = load_capabilities()
GPT2 = TABLE.get("gpt-image-2")
GPT15 = TABLE.get("gpt-image-1.5")
sides = st.integers(min_value=8, max_value=6000)


@settings(max_examples=300, deadline=None)
@given(sides, sides)
def test_custom_size_plans_are_always_valid(width: int, height: int) -> None:
    plan = plan_size(width, height, GPT2)
    assert GPT2.custom_size_rules.problems(*plan.upload) == []
    assert plan.size_param == f"{plan.upload[0]}x{plan.upload[1]}"
    left, top, right, bottom = plan.content_box
    assert 0 <= left < right <= plan.upload[0] and 0 <= top < bottom <= plan.upload[1]
    # The photo is scaled, never stretched: the box keeps its aspect to within rounding.
    box_aspect = (right - left) / (bottom - top)
    assert abs(math.log(box_aspect) - math.log(width / height)) < 0.05 + 2 / min(right - left, bottom - top)


@settings(max_examples=200, deadline=None)
@given(sides, sides)
def test_fixed_size_plans_pick_the_closest_aspect(width: int, height: int) -> None:
    plan = plan_size(width, height, GPT15)
    assert plan.size_param in GPT15.sizes
    aspect = math.log(width / height)
    best = min(abs(math.log(w / h) - aspect) for w, h in GPT15.fixed_sizes)
    assert abs(math.log(plan.upload[0] / plan.upload[1]) - aspect) == pytest.approx(best)


def test_identity_when_the_model_can_return_the_size() -> None:
    assert plan_size(1024, 1536, GPT15).is_identity
    plan = plan_size(1536, 864, GPT2)
    assert plan.is_identity and plan.size_param == "1536x864"


def test_requested_size_must_be_accepted() -> None:
    plan = plan_size(451, 300, GPT15, "1024x1024")
    assert plan.upload == (1024, 1024) and plan.content_box == (0, 171, 1024, 852)
    with pytest.raises(ValueError, match="accepts only"):
        plan_size(451, 300, GPT15, "2048x1152")
    with pytest.raises(ValueError, match="not positive"):
        plan_size(0, 10, GPT2)


@pytest.mark.parametrize("caps", [GPT15, GPT2], ids=["fixed", "custom"])
def test_round_trip_returns_the_exact_original_size(caps: object) -> None:
    photo = np.asarray(Image.open(DATA / "chelsea.png").convert("RGB"))
    h, w = photo.shape[:2]
    plan = plan_size(w, h, caps)
    up = fit_image(photo, plan)
    assert (up.shape[1], up.shape[0]) == plan.upload and up.shape[2] == 3
    # Padding repeats the edge pixels.
    left, top, right, bottom = plan.content_box
    assert (left, top, right, bottom) != (0, 0, *plan.upload)  # chelsea needs padding on both models
    assert (up[:top] == up[top]).all() and (up[bottom:] == up[bottom - 1]).all()
    assert (up[:, :left] == up[:, left:left + 1]).all() and (up[:, right:] == up[:, right - 1:right]).all()
    # A server that returns half the upload size: map_back still gives the original size.
    half = np.asarray(Image.fromarray(up).resize((plan.upload[0] // 2, plan.upload[1] // 2)))
    for result in (up, half):
        back = map_back(result, plan)
        assert back.shape == photo.shape
        error = np.abs(back.astype(int) - photo.astype(int)).mean()
        assert error < 12, error  # resampling blur only


def test_mask_follows_the_image_pixel_for_pixel() -> None:
    mask = np.zeros((300, 451), np.uint8)
    mask[100:200, 150:300] = 255
    plan = plan_size(451, 300, GPT15)
    up = fit_image(mask, plan)
    assert up.shape == (plan.upload[1], plan.upload[0])
    back = map_back(up, plan)
    assert back.shape == mask.shape
    assert np.mean((back > 127) == (mask > 127)) > 0.99
    with pytest.raises(ValueError, match="plan is for"):
        fit_image(np.zeros((10, 10), np.uint8), plan)


def test_crop_box_around_the_mask() -> None:
    mask = np.zeros((1000, 2000), np.uint8)
    mask[400:500, 1000:1200] = 1
    left, top, right, bottom = crop_box_for_mask(mask, margin=0.25, min_side=256)
    assert (left, right) == (950, 1250)  # 200 wide + 50 each side
    assert (top, bottom) == (322, 578)  # 100 + 2 x 50 = 200, widened to 256 around the centre
    assert crop_box_for_mask(np.zeros((50, 60), np.uint8)) == (0, 0, 60, 50)


@settings(max_examples=200, deadline=None)
@given(st.integers(20, 800), st.integers(20, 800), st.data())
def test_crop_box_contains_the_painting_and_stays_inside(h: int, w: int, data: st.DataObject) -> None:
    y0 = data.draw(st.integers(0, h - 1))
    x0 = data.draw(st.integers(0, w - 1))
    y1 = data.draw(st.integers(y0 + 1, h))
    x1 = data.draw(st.integers(x0 + 1, w))
    mask = np.zeros((h, w), np.uint8)
    mask[y0:y1, x0:x1] = 255
    left, top, right, bottom = crop_box_for_mask(mask, min_side=256)
    assert 0 <= left <= x0 and x1 <= right <= w and 0 <= top <= y0 and y1 <= bottom <= h
    assert right - left >= min(256, w) and bottom - top >= min(256, h)
