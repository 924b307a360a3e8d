from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from inpaint_desktop.core.redaction import register_secret
from inpaint_desktop.store.results import ResultsLibrary, default_results_root


def _png(color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buf, "PNG")
    return buf.getvalue()


def test_saves_variant_mask_and_sidecar_without_secrets(tmp_path: Path) -> None:
    lib = ResultsLibrary(tmp_path, session_date="2026-01-02")
    saved = lib.save_variant(
        "job-1", 0, raw=_png((1, 2, 3)), mask_png=_png((0, 0, 0)), protected_png=_png((4, 5, 6)),
        request={"prompt": "a cat", "model": "m", "api_key": "sk-secret", "authorization": "Bearer x"},
        response={"request_id": "req_9", "usage": {"total_tokens": 5}, "cost_usd": 0.01},
    )
    assert saved.directory == tmp_path / "2026-01-02" / "job-1"
    assert Image.open(saved.raw).getpixel((3, 3)) == (1, 2, 3)
    assert saved.mask is not None and saved.mask.exists()
    assert saved.protected is not None and saved.protected.exists()
    text = saved.sidecar.read_text()
    assert "sk-secret" not in text and "Bearer" not in text
    meta = json.loads(text)
    assert meta["request"] == {"prompt": "a cat", "model": "m"}
    assert meta["response"]["request_id"] == "req_9"
    assert not [p for p in saved.directory.iterdir() if p.name.endswith(".tmp")]


def test_default_root_is_under_user_data_dir() -> None:
    root = default_results_root()
    assert root.name == "results" and "inpaint-desktop" in str(root)
    assert str(root).startswith(os.environ["XDG_DATA_HOME"])


def test_unwritable_location_raises_oserror_and_leaves_nothing(tmp_path: Path) -> None:
    # A file where the session directory should be: refused even for root, unlike chmod.
    (tmp_path / "d").write_bytes(b"not a directory")
    lib = ResultsLibrary(tmp_path, session_date="d")
    with pytest.raises(OSError):
        lib.save_variant("j", 0, raw=_png((1, 1, 1)), request={}, response={})
    assert (tmp_path / "d").read_bytes() == b"not a directory"


def test_gif_and_svg_results_keep_their_own_extension(tmp_path: Path) -> None:
    from tests.api.fake_server import RESULT_GIF, RESULT_SVG

    lib = ResultsLibrary(tmp_path, session_date="2026-12-01")
    for index, (data, ext) in enumerate(((RESULT_GIF, "gif"), (RESULT_SVG, "svg"), (b"?", "bin"))):
        saved = lib.save_variant("job-2", index, raw=data, request={"complexity": "low", "model": "m"},
                                 response={})
        assert saved.raw.name == f"variant-{index}.{ext}" and saved.raw.read_bytes() == data
        assert json.loads(saved.sidecar.read_text())["request"]["complexity"] == "low"


def test_a_registered_key_is_redacted_from_anything_the_server_said(tmp_path: Path) -> None:
    key = "gw-results-gateway-key-5531"  # not shaped like an OpenAI key
    register_secret(key)
    lib = ResultsLibrary(tmp_path, session_date="2026-01-02")
    saved = lib.save_variant(
        "job-2", 0, raw=_png((1, 2, 3)), request={"prompt": "p", "model": "m"},
        response={"request_id": f"req {key}", "quality": key, "label": [f"made with {key}"]},
    )
    text = saved.sidecar.read_text()
    assert key not in text and json.loads(text)["response"]["quality"] == "[redacted]"
