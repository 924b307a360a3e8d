"""``inpaint-desktop mask from-bw`` and ``mask check`` run as a real subprocess."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from inpaint_desktop.core.mask import encode_api_mask
from tests.conftest import DATA


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inpaint_desktop", "mask", *map(str, args)],
        capture_output=True, text=True, timeout=60,
    )


def _size(path: Path) -> tuple[int, int]:
    with Image.open(path) as img:
        return img.size


def test_from_bw_then_check_is_valid(tmp_path: Path) -> None:
    w, h = _size(DATA / "coffee.png")
    bw = np.full((h, w), 255, np.uint8)
    bw[: h // 4] = 0  # a quarter black = edit
    src, out = tmp_path / "bw.png", tmp_path / "mask.png"
    Image.fromarray(bw, "L").save(src)
    done = _cli("from-bw", src, out)
    assert done.returncode == 0, done.stderr
    with Image.open(out) as img:
        assert img.mode == "RGBA" and img.size == (w, h)
        alpha = np.asarray(img)[..., 3]
    assert alpha[0, 0] == 0 and alpha[-1, -1] == 255
    checked = _cli("check", DATA / "coffee.png", out)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "coverage: 25.00 %" in checked.stdout and "valid" in checked.stdout


def test_from_bw_invert(tmp_path: Path) -> None:
    src, out = tmp_path / "bw.png", tmp_path / "mask.png"
    bw = np.zeros((8, 8), np.uint8)
    bw[0, 0] = 255  # white = edit with --invert
    Image.fromarray(bw, "L").save(src)
    assert _cli("from-bw", src, out, "--invert").returncode == 0
    with Image.open(out) as img:
        alpha = np.asarray(img)[..., 3]
    assert alpha[0, 0] == 0 and alpha[4, 4] == 255


def test_check_invalid_lists_every_reason(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.png"
    Image.new("L", (10, 10), 255).save(wrong)  # no alpha, wrong size
    done = _cli("check", DATA / "coffee.png", wrong)
    assert done.returncode == 1
    assert "no alpha channel" in done.stdout and "same size" in done.stdout


def test_check_jpeg_mask_is_invalid(tmp_path: Path) -> None:
    w, h = _size(DATA / "chelsea.png")
    mask = tmp_path / "mask.jpg"
    Image.new("RGB", (w, h), "white").save(mask)
    done = _cli("check", DATA / "chelsea.png", mask)
    assert done.returncode == 1 and "must be a PNG" in done.stdout


def test_unreadable_inputs_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image at all")
    good_mask = tmp_path / "m.png"
    good_mask.write_bytes(encode_api_mask(np.zeros((4, 4), np.uint8)))
    for args in (
        ("check", empty, good_mask),
        ("check", DATA / "coffee.png", junk),
        ("check", tmp_path / "missing.png", good_mask),
        ("from-bw", junk, tmp_path / "out.png"),
        ("from-bw", tmp_path / "missing.png", tmp_path / "out.png"),
    ):
        done = _cli(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "error:" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out.png").exists()


def test_round_trip_exported_mask_bytes(tmp_path: Path) -> None:
    w, h = _size(DATA / "astronaut.png")
    mask = np.zeros((h, w), np.uint8)
    mask[50:100, 60:200] = 255
    path = tmp_path / "exported.png"
    path.write_bytes(encode_api_mask(mask))
    done = _cli("check", DATA / "astronaut.png", path)
    assert done.returncode == 0
    expected = mask.sum() / 255 / mask.size * 100
    assert f"coverage: {expected:.2f} %" in done.stdout
    assert Image.open(io.BytesIO(path.read_bytes())).mode == "RGBA"
