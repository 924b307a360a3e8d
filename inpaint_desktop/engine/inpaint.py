"""Classical inpainting: fill the masked regions of a picture from their surroundings.

Pure numpy/OpenCV, no learned model (nothing may be downloaded), so the fill never follows a prompt.
Every method takes an ``(H, W, 3)`` uint8 picture and a boolean ``hole`` map (True = fill) and
returns a new picture whose pixels outside the hole are the input's, bit for bit.

Methods:
- ``harmonic``: a membrane (Laplace) fill solved coarse-to-fine. Smooth, with no streaks; the best
  measured PSNR when removing objects from the sample photos, hence the default.
- ``biharmonic``: a thin-plate fill that also continues the slopes around the hole; best on holes
  whose content continues its surroundings, but it overshoots (halos) next to strong edges.
- ``telea`` / ``navier-stokes``: OpenCV's ``cv2.inpaint`` at a given radius.
- ``exemplar``: copies the best-matching region of the same picture into the hole (found with
  ``cv2.matchTemplate`` on the ring around it) and blends it in with a membrane offset, so the fill
  has texture. Later ranks use the 2nd, 3rd... best source region, giving genuinely different
  variants.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inpaint_desktop.engine.smooth import Check, biharmonic_fill, harmonic_fill, hole_box, no_check, to_u8


@dataclass(frozen=True)
class Variant:
    """One way to fill: a method with its parameters, and the label shown to the user."""

    method: str
    radius: int = 3
    rank: int = 0

    @property
    def label(self) -> str:
        if self.method == "harmonic":
            return "harmonic (membrane) fill, coarse-to-fine"
        if self.method == "biharmonic":
            return "biharmonic (thin-plate) fill, coarse-to-fine"
        if self.method == "exemplar":
            return f"exemplar fill: source region #{self.rank + 1}, blended with a membrane offset"
        name = "Telea" if self.method == "telea" else "Navier-Stokes"
        return f"{name} (cv2.inpaint), radius {self.radius} px"


@dataclass(frozen=True)
class MethodInfo:
    """A method as the user picks it (its id doubles as the model id of the offline engine)."""

    id: str
    title: str
    description: str
    variant: Variant


METHODS: dict[str, MethodInfo] = {
    m.id: m
    for m in (
        MethodInfo("offline-harmonic", "Harmonic fill",
                   "Smooth membrane fill solved coarse-to-fine; best measured PSNR.", Variant("harmonic")),
        MethodInfo("offline-biharmonic", "Biharmonic fill",
                   "Thin-plate fill that also continues the slopes around the hole.", Variant("biharmonic")),
        MethodInfo("offline-telea", "Telea", "OpenCV fast-marching inpainting (Telea), radius 3.",
                   Variant("telea", 3)),
        MethodInfo("offline-navier-stokes", "Navier-Stokes",
                   "OpenCV Navier-Stokes inpainting, radius 3.", Variant("ns", 3)),
        MethodInfo("offline-exemplar", "Exemplar",
                   "Copies the best-matching region of the picture into the hole; keeps texture.",
                   Variant("exemplar", rank=0)),
    )
}
DEFAULT_METHOD = "offline-harmonic"

# Distinct ways to fill, in the order extra variants are offered (best measured first).
_VARIANT_ORDER: tuple[Variant, ...] = (
    Variant("harmonic"),
    Variant("biharmonic"),
    Variant("telea", 3),
    Variant("ns", 3),
    Variant("exemplar", rank=0),
    Variant("telea", 9),
    Variant("ns", 9),
    Variant("exemplar", rank=1),
    Variant("exemplar", rank=2),
)


def resolve_method(model: str | None) -> MethodInfo:
    """The method a model id selects; unknown ids (for example an online model) get the default."""
    return METHODS.get(model or "", METHODS[DEFAULT_METHOD])


def plan_variants(method_id: str, n: int) -> list[tuple[Variant, str]]:
    """``n`` variants starting with ``method_id``'s, then every other distinct way to fill.

    Past the distinct ways the variants repeat earlier ones, and their label says so: the engine
    is deterministic, so a repeat would be the same picture.
    """
    first = resolve_method(method_id).variant
    order = [first, *(v for v in _VARIANT_ORDER if v != first)]
    plan: list[tuple[Variant, str]] = []
    for i in range(n):
        if i < len(order):
            plan.append((order[i], order[i].label))
        else:
            j = i % len(order)
            plan.append((order[j], f"{order[j].label} (duplicate of variant {j + 1}: "
                                   f"only {len(order)} distinct fills exist)"))
    return plan


def fill(image: np.ndarray, hole: np.ndarray, variant: Variant, check: Check = no_check,
         notes: list[str] | None = None) -> np.ndarray:
    """Fill ``hole`` (bool, True = fill) in ``image`` (H, W, 3 or 4, uint8) with ``variant``.

    A 4-channel picture has its colour filled by the method and its alpha by the membrane fill, so
    a hole in a transparent area stays transparent and one in an opaque area becomes opaque.
    When the method had to do something other than its label says (the exemplar fill finding no
    source region), a sentence saying so is appended to ``notes``.
    """
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3|4) uint8 picture, got {image.shape} {image.dtype}")
    if hole.shape != image.shape[:2]:
        raise ValueError(f"hole is {hole.shape}, picture is {image.shape[:2]}")
    if not hole.any():
        return np.asarray(image.copy())
    rgb = np.ascontiguousarray(image[:, :, :3])
    filled = _fill_rgb(rgb, hole, variant, check, notes if notes is not None else [])
    if image.shape[2] == 3:
        out = filled
    else:
        alpha = harmonic_fill(image[:, :, 3:].astype(np.float32), hole, check)
        out = np.concatenate([filled, to_u8(alpha)], axis=2)
    # Whatever a method does near the border, pixels outside the hole are the input's.
    out[~hole] = image[~hole]
    return out


def _fill_rgb(rgb: np.ndarray, hole: np.ndarray, variant: Variant, check: Check,
              notes: list[str]) -> np.ndarray:
    if variant.method == "harmonic":
        return to_u8(harmonic_fill(rgb.astype(np.float32), hole, check))
    if variant.method == "biharmonic":
        return to_u8(biharmonic_fill(rgb.astype(np.float32), hole, check))
    if variant.method in ("telea", "ns"):
        return _cv_inpaint(rgb, hole, variant.radius, cv2.INPAINT_TELEA if variant.method == "telea"
                           else cv2.INPAINT_NS, check)
    if variant.method == "exemplar":
        return _exemplar(rgb, hole, variant.rank, check, notes)
    raise ValueError(f"unknown method {variant.method!r}")


def _cv_inpaint(rgb: np.ndarray, hole: np.ndarray, radius: int, flag: int, check: Check) -> np.ndarray:
    # Working on the hole's bounding box (plus the radius) keeps big pictures with small holes fast;
    # each connected part is independent, so one check per part lets a long fill be cancelled.
    out = rgb.copy()
    count, labels, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
    order = np.argsort(-stats[1:, cv2.CC_STAT_AREA]) + 1
    if count > 64:  # many specks: one call over everything is cheaper than many small ones
        order = np.array([-1])
    for label in order:
        check()
        part = hole if label < 0 else labels == label
        ys, xs = hole_box(part, radius + 2)
        crop = np.ascontiguousarray(out[ys, xs])
        mask = (hole[ys, xs]).astype(np.uint8) * 255
        out[ys, xs] = cv2.inpaint(crop, mask, float(radius), flag)
    return np.asarray(out)


# Search for source regions on a copy whose long edge is at most this many pixels, then refine at
# full resolution: a masked template match over a full 4K picture would take seconds.
_SEARCH_EDGE = 256


def _exemplar(rgb: np.ndarray, hole: np.ndarray, rank: int, check: Check, notes: list[str]) -> np.ndarray:
    out = rgb.copy()
    missing = 0
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
    order = np.argsort(-stats[1:, cv2.CC_STAT_AREA]) + 1
    h, w = hole.shape
    scale = min(1.0, _SEARCH_EDGE / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    small_hole = (cv2.resize(hole.astype(np.float32), (small.shape[1], small.shape[0]),
                             interpolation=cv2.INTER_AREA) > 0) if scale < 1 else hole
    for label in order:
        check()
        part = labels == label
        x, y, bw, bh = (int(v) for v in stats[label, :4])
        if bw * bh <= 4:  # a speck: the membrane is as good as any copy
            out = to_u8(harmonic_fill(out.astype(np.float32), part, check))
            continue
        margin = max(4, int(0.3 * max(bw, bh)))
        box = (max(0, y - margin), min(h, y + bh + margin), max(0, x - margin), min(w, x + bw + margin))
        source = _find_source(small, small_hole, scale, rgb, hole, box, rank)
        if source is None:
            missing += 1
            out = to_u8(harmonic_fill(out.astype(np.float32), part, check))
            continue
        y0, y1, x0, x1 = box
        sy, sx = source
        target = out[y0:y1, x0:x1].astype(np.float32)
        patch = rgb[sy:sy + (y1 - y0), sx:sx + (x1 - x0)].astype(np.float32)
        known = ~hole[y0:y1, x0:x1]
        # Membrane offset: the difference between target and patch on the ring, spread smoothly
        # inside, makes the copied patch meet its new surroundings without a seam.
        offset = harmonic_fill(np.where(known[:, :, None], target - patch, 0), ~known, check)
        blended = to_u8(patch + offset)
        sel = part[y0:y1, x0:x1]
        region = out[y0:y1, x0:x1]
        region[sel] = blended[sel]
    if missing:
        notes.append(f"no hole-free source region #{rank + 1} for {missing} of {len(order)} painted "
                     "area(s): the harmonic fill was used there")
    return np.asarray(out)


def _find_source(small: np.ndarray, small_hole: np.ndarray, scale: float, rgb: np.ndarray,
                 hole: np.ndarray, box: tuple[int, int, int, int], rank: int) -> tuple[int, int] | None:
    """Top-left corner of the ``rank``-th best hole-free source region for ``box``, or None."""
    y0, y1, x0, x1 = box
    sy0, sx0 = int(y0 * scale), int(x0 * scale)
    th, tw = max(1, round((y1 - y0) * scale)), max(1, round((x1 - x0) * scale))
    sh, sw = small_hole.shape
    if th >= sh or tw >= sw:
        return None
    sy0, sx0 = min(sy0, sh - th), min(sx0, sw - tw)
    template = small[sy0:sy0 + th, sx0:sx0 + tw]
    ring = (~small_hole[sy0:sy0 + th, sx0:sx0 + tw]).astype(np.float32)
    if ring.sum() < 4:
        return None
    cost = _masked_sqdiff(small, template, ring)
    # A source window must not contain any hole pixel, or we would copy what is being replaced.
    overlap = cv2.matchTemplate(small_hole.astype(np.float32), np.ones((th, tw), np.float32),
                                cv2.TM_CCORR)
    cost[overlap > 0.5] = np.inf
    suppress = max(th, tw) // 2 + 1
    for _ in range(rank + 1):
        best = int(np.argmin(cost))
        by, bx = divmod(best, cost.shape[1])
        if not np.isfinite(cost[by, bx]):
            return None
        if _ < rank:
            cost[max(0, by - suppress):by + suppress + 1, max(0, bx - suppress):bx + suppress + 1] = np.inf
    return _refine(rgb, hole, box, (by / scale, bx / scale), int(np.ceil(2 / scale)))


def _masked_sqdiff(image: np.ndarray, template: np.ndarray, weight: np.ndarray) -> np.ndarray:
    # sum w*(I-T)^2 = sum w*I^2 - 2 sum w*T*I + const, each term a correlation (OpenCV uses the FFT).
    img = image.astype(np.float32)
    tpl = template.astype(np.float32)
    w3 = np.repeat(weight[:, :, None], img.shape[2], axis=2)
    a = cv2.matchTemplate(img * img, w3, cv2.TM_CCORR)
    b = cv2.matchTemplate(img, w3 * tpl, cv2.TM_CCORR)
    return a - 2 * b


def _refine(rgb: np.ndarray, hole: np.ndarray, box: tuple[int, int, int, int],
            guess: tuple[float, float], reach: int) -> tuple[int, int] | None:
    y0, y1, x0, x1 = box
    th, tw = y1 - y0, x1 - x0
    h, w = hole.shape
    gy, gx = round(guess[0]), round(guess[1])
    ay0, ax0 = max(0, gy - reach), max(0, gx - reach)
    ay1, ax1 = min(h, gy + reach + th), min(w, gx + reach + tw)
    if ay1 - ay0 < th or ax1 - ax0 < tw:
        return None
    area = rgb[ay0:ay1, ax0:ax1]
    ring = (~hole[y0:y1, x0:x1]).astype(np.float32)
    cost = _masked_sqdiff(area, rgb[y0:y1, x0:x1], ring)
    overlap = cv2.matchTemplate(hole[ay0:ay1, ax0:ax1].astype(np.float32), np.ones((th, tw), np.float32),
                                cv2.TM_CCORR)
    cost[overlap > 0.5] = np.inf
    best = int(np.argmin(cost))
    by, bx = divmod(best, cost.shape[1])
    if not np.isfinite(cost[by, bx]):
        return None
    return ay0 + by, ax0 + bx
