"""``inpaint-desktop edit`` / ``generate`` end to end against the loopback server."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from inpaint_desktop.cli import main
from tests.api.fake_server import RESULT_PNG, FakeImagesServer, serve
from tests.api.test_client import rgba_mask
from tests.conftest import DATA

KEY = "sk-test-CLI-SECRET-9876543210"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeImagesServer]:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    yield from serve()


@pytest.fixture
def mask_file(tmp_path: Path) -> Path:
    path = tmp_path / "mask.png"
    path.write_bytes(rgba_mask(451, 300))
    return path


def test_edit_writes_images_and_sidecars(server: FakeImagesServer, tmp_path: Path, mask_file: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["edit", str(DATA / "chelsea.png"), "--mask", str(mask_file), "--prompt", "a cat in a hat",
                 "--model", "gpt-image-1.5", "-n", "2", "--quality", "low", "--format", "webp",
                 "--compression", "80", "--base-url", server.url, "--out", str(out), "-q"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    paths = [Path(p) for p in captured.out.split()]
    assert len(paths) == 2 and all(p.read_bytes() == RESULT_PNG for p in paths)
    assert paths[0].name.startswith("chelsea-") and paths[0].suffix == ".png"  # named by what came back
    sidecar = json.loads(paths[0].with_suffix(".json").read_text())
    assert sidecar["request_id"] == "req_1_200" and sidecar["model"] == "gpt-image-1.5"
    assert sidecar["params"]["n"] == 2 and sidecar["params"]["output_compression"] == 80
    assert sidecar["usage"]["output_tokens"] == 272 and sidecar["cost"]["total_usd"] > 0
    assert sidecar["mask"] == str(mask_file.resolve()) and sidecar["timings"]["elapsed_s"] > 0
    rec = server.requests[-1]
    assert rec.problems == [] and rec.fields["output_format"] == ["webp"]
    for path in out.iterdir():
        assert KEY not in path.read_text(errors="replace")
    assert KEY not in captured.out + captured.err


def test_generate_streams_and_prints_json(server: FakeImagesServer, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    server.script("sse")
    code = main(["generate", "--prompt", "a lighthouse at dawn", "--size", "1536x864", "--partials", "2",
                 "--base-url", server.url, "--out", str(tmp_path), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads(captured.out)
    assert report["request_id"] == "req_stream" and len(report["images"]) == 1
    assert Path(report["images"][0]).read_bytes() == RESULT_PNG
    # The default model is the one the table names (not a string in the CLI).
    assert server.requests[-1].json == {"model": "gpt-image-2.6-sunburst", "prompt": "a lighthouse at dawn",
                                        "n": 1, "size": "1536x864", "stream": True, "partial_images": 2}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--mask", "WRONG_MASK"], "mask: is 100x100 but the first image is 451x300"),
        (["--mask", "/nonexistent/m.png"], "mask: cannot read /nonexistent/m.png"),
        (["--size", "1000x1000"], "size: 1000x1000 is not accepted"),
        (["-n", "12"], "n: must be between 1 and 10"),
        (["--partials", "5"], "partial_images"),
        (["--format", "jpeg", "--background", "transparent"], "background: transparent needs png or webp"),
    ],
)
def test_invalid_input_exits_2_before_sending(server: FakeImagesServer, tmp_path: Path, argv: list[str],
                                              words: str, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = tmp_path / "wrong.png"
    wrong.write_bytes(rgba_mask(100, 100))
    argv = [str(wrong) if a == "WRONG_MASK" else a for a in argv]
    code = main(["edit", str(DATA / "chelsea.png"), "--prompt", "p", "--base-url", server.url,
                 "--out", str(tmp_path), *argv])
    err = capsys.readouterr().err
    assert code == 2 and words in err, err
    assert server.requests == []


def test_bw_mask_is_fixed_only_on_request(server: FakeImagesServer, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    bw = Image.new("L", (451, 300), 255)
    bw.paste(0, (50, 50, 200, 200))
    mask = tmp_path / "bw.png"
    bw.save(mask)
    argv = ["edit", str(DATA / "chelsea.png"), "--mask", str(mask), "--prompt", "p", "--base-url", server.url,
            "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    assert "--fix" in capsys.readouterr().err and server.requests == []
    assert main([*argv, "--fix"]) == 0
    sent = next(f for f in server.requests[-1].files if f.name == "mask")
    alpha = Image.open(io.BytesIO(sent.data)).getchannel("A")
    assert alpha.getpixel((100, 100)) == 0 and alpha.getpixel((400, 250)) == 255


@pytest.mark.parametrize(("mode", "code", "words"), [
    ("quota", 3, "Quota or billing limit"), ("moderation", 3, "safety system"), ("401", 3, "[redacted]"),
])
def test_api_errors_exit_3_with_the_request_id(server: FakeImagesServer, tmp_path: Path, mode: str, code: int,
                                               words: str, capsys: pytest.CaptureFixture[str]) -> None:
    server.script(mode)
    result = main(["generate", "--prompt", "p", "--base-url", server.url, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert result == code and words in err and "request id: req_1_" in err
    assert KEY not in err and list(tmp_path.iterdir()) == []


def test_network_errors_exit_4(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    code = main(["generate", "--prompt", "p", "--base-url", "http://127.0.0.1:9/v1", "--out", str(tmp_path)])
    assert code == 4 and "Could not reach" in capsys.readouterr().err


def test_without_key_or_url_the_local_engine_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     mask_file: Path) -> None:
    code = main(["edit", str(DATA / "chelsea.png"), "--mask", str(mask_file), "--prompt", "p",
                 "--out", str(tmp_path)])
    err = capsys.readouterr().err
    if importlib.util.find_spec("inpaint_desktop.engine.backend") is None:
        assert code == 2 and "offline engine is not available" in err
    else:
        assert code == 0, err
        assert len(list(tmp_path.glob("chelsea-*.json"))) >= 1


def test_ctrl_c_cancels_with_exit_130(server: FakeImagesServer, tmp_path: Path) -> None:
    server.script("slow")
    env = {**os.environ, "OPENAI_API_KEY": KEY, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "inpaint_desktop", "generate", "--prompt", "p", "--base-url", server.url,
         "--out", str(tmp_path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.requests, "the request never arrived"
    proc.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130 and "cancelled" in err
    assert time.monotonic() - t0 < 1.5


def test_keep_size_sends_an_allowed_size_and_maps_results_back(
    server: FakeImagesServer, tmp_path: Path, mask_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["edit", str(DATA / "chelsea.png"), "--mask", str(mask_file), "--prompt", "p",
                 "--model", "gpt-image-1.5", "--keep-size", "--base-url", server.url, "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    rec = server.requests[-1]
    assert rec.problems == [] and rec.fields["size"] == ["1536x1024"]
    sent = {f.name: Image.open(io.BytesIO(f.data)).size for f in rec.files}
    assert sent == {"image": (1536, 1024), "mask": (1536, 1024)}
    main_image = Path(out.split()[0])
    with Image.open(main_image) as img:
        assert img.size == (451, 300)  # the photo's exact size
    sidecar = json.loads(main_image.with_suffix(".json").read_text())
    assert (tmp_path / sidecar["raw_image"]).read_bytes() == RESULT_PNG  # the paid-for original is kept
    assert sidecar["size_plan"]["upload"] == [1536, 1024]
