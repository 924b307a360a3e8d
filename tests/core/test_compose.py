"""Protected composites keep every pixel outside the mask; paste-back and drift figures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inpaint_desktop.core.compose import (
    feathered_alpha,
    match_channels,
    measure_drift,
    paste,
    protected_composite,
)


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(4, 40), w=st.integers(4, 40), channels=st.sampled_from([3, 4]),
    feather=st.floats(0, 6), seed=st.integers(0, 2**16),
)
def test_outside_the_mask_is_bit_identical(h: int, w: int, channels: int, feather: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    original = rng.integers(0, 256, (h, w, channels), np.uint8)
    result = rng.integers(0, 256, (h, w, 4), np.uint8)
    mask = np.where(rng.random((h, w)) < 0.3, rng.integers(1, 256, (h, w)), 0).astype(np.uint8)
    out = protected_composite(original, result, mask, feather_px=feather)
    assert out.shape == original.shape
    assert np.array_equal(out[mask == 0], original[mask == 0])


def test_inside_a_solid_mask_takes_the_result_and_the_edge_is_feathered_inward() -> None:
    original = np.zeros((60, 60, 3), np.uint8)
    result = np.full((60, 60, 3), 200, np.uint8)
    mask = np.zeros((60, 60), np.uint8)
    mask[10:50, 10:50] = 255
    out = protected_composite(original, result, mask, feather_px=3)
    assert (out[30, 30] == 200).all()  # deep inside: the result
    assert 0 < out[30, 10, 0] < 200  # on the edge, inside: a blend
    assert (out[30, 9] == 0).all()  # just outside: untouched
    alpha = feathered_alpha(mask, 3)
    assert alpha.max() == 255 and (alpha <= mask).all()


def test_paste_writes_only_the_box_and_checks_its_size() -> None:
    original = np.zeros((20, 30, 3), np.uint8)
    out = paste(original, np.full((5, 6, 4), 9, np.uint8), (2, 3, 8, 8))
    assert (out[3:8, 2:8] == 9).all() and out.sum() == 9 * 5 * 6 * 3
    assert original.sum() == 0
    with pytest.raises(ValueError, match="box"):
        paste(original, np.zeros((4, 4, 3), np.uint8), (0, 0, 5, 5))


def test_drift_counts_changes_outside_the_mask_only() -> None:
    original = np.zeros((10, 10, 3), np.uint8)
    result = original.copy()
    result[:, :5] = 100  # left half changed
    mask = np.zeros((10, 10), np.uint8)
    mask[:, :2] = 255  # two columns of it were meant to change
    drift = measure_drift(original, result, mask)
    assert drift.changed_fraction == pytest.approx(30 / 80)
    assert "37.5 %" in drift.describe()
    assert measure_drift(original, original, mask).changed_fraction == 0


def test_match_channels() -> None:
    grey = np.full((2, 2), 7, np.uint8)
    assert match_channels(grey, 3).shape == (2, 2, 3)
    rgba = match_channels(match_channels(grey, 3), 4)
    assert rgba.shape == (2, 2, 4) and (rgba[..., 3] == 255).all()
