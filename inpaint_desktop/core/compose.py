"""Putting results back into the original: paste-back of crops, protected composites, drift figures.

Image models redraw the whole frame, so pixels outside the mask can change. A *protected* result
keeps every pixel outside the mask bit-identical to the original and takes the model's pixels only
inside it, with an edge feathered inward (never outward, so nothing outside the mask moves).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # left, top, right, bottom (right/bottom exclusive)


def match_channels(array: np.ndarray, channels: int) -> np.ndarray:
    """``array`` (HxW, HxWx3 or HxWx4 uint8) with exactly ``channels`` (3 or 4) channels."""
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    have = array.shape[2]
    if have == channels:
        return array
    if have == 4 and channels == 3:
        return np.ascontiguousarray(array[..., :3])
    if have == 3 and channels == 4:
        alpha = np.full((*array.shape[:2], 1), 255, np.uint8)
        return np.concatenate([array, alpha], axis=2)
    raise ValueError(f"cannot convert {have} channels to {channels}")


def paste(original: np.ndarray, patch: np.ndarray, box: Box) -> np.ndarray:
    """A copy of ``original`` with ``patch`` (exactly the box's size) written into ``box``."""
    left, top, right, bottom = box
    if patch.shape[:2] != (bottom - top, right - left):
        raise ValueError(f"patch is {patch.shape[1]}x{patch.shape[0]}, box is {right - left}x{bottom - top}")
    out = original.copy()
    channels = original.shape[2] if original.ndim == 3 else 3
    out[top:bottom, left:right] = match_channels(patch, channels) if original.ndim == 3 else patch
    return np.asarray(out)


def feathered_alpha(mask: np.ndarray, feather_px: float) -> np.ndarray:
    """The blend weight (uint8) of the result: the mask blurred, but never above the mask itself.

    Taking the minimum with the mask feathers inward only: where the mask is 0 the weight is 0.
    """
    mask = np.asarray(mask, np.uint8)
    if feather_px <= 0:
        return mask
    blurred = cv2.GaussianBlur(mask, (0, 0), sigmaX=float(feather_px), borderType=cv2.BORDER_REPLICATE)
    return np.asarray(np.minimum(blurred, mask))


def protected_composite(
    original: np.ndarray, result: np.ndarray, mask: np.ndarray, *, feather_px: float = 3.0
) -> np.ndarray:
    """The result inside the mask, the original outside it (bit-identical), feathered inward.

    ``original`` and ``result`` must have the same height and width; ``result`` is converted to the
    original's channel count. ``mask`` is HxW uint8, 255 = edit.
    """
    if original.shape[:2] != result.shape[:2] or original.shape[:2] != mask.shape[:2]:
        raise ValueError("original, result and mask must have the same size")
    channels = original.shape[2] if original.ndim == 3 else 3
    orig = match_channels(original, channels)
    res = match_channels(result, channels)
    weight = feathered_alpha(mask, feather_px).astype(np.uint32)[..., None]
    blended = (orig.astype(np.uint32) * (255 - weight) + res.astype(np.uint32) * weight + 127) // 255
    out = blended.astype(np.uint8)
    # Exact copy where the weight is 0, whatever rounding did.
    keep = weight[..., 0] == 0
    out[keep] = orig[keep]
    return out


@dataclass(frozen=True)
class Drift:
    """How much a raw result changed the part of the picture that was meant to stay."""

    changed_fraction: float  # share of pixels outside the mask that moved by more than the threshold
    mean_abs_diff: float  # mean absolute difference outside the mask, 0..255
    threshold: int

    def describe(self) -> str:
        return (f"{self.changed_fraction * 100:.1f} % of the pixels outside the mask changed "
                f"(mean difference {self.mean_abs_diff:.1f})")


def measure_drift(original: np.ndarray, result: np.ndarray, mask: np.ndarray, *, threshold: int = 8) -> Drift:
    """Drift outside the mask between the original and a raw result of the same size."""
    outside = np.asarray(mask) == 0
    if not outside.any():
        return Drift(0.0, 0.0, threshold)
    orig = match_channels(original, 3).astype(np.int16)
    res = match_channels(result, 3).astype(np.int16)
    diff = np.abs(orig - res).max(axis=2)[outside]
    return Drift(float(np.count_nonzero(diff > threshold)) / diff.size, float(diff.mean()), threshold)
