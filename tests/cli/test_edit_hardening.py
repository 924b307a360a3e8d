"""``edit`` / ``generate`` when things go wrong: keys echoed by a gateway, images that do not decode,
two runs at once, photos stored turned, a silent server, a full disk, a run killed mid-write."""

from __future__ import annotations

import io
import json
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inpaint_desktop.cli import main
from inpaint_desktop.core.imaging import load_image
from inpaint_desktop.core.mask import encode_api_mask
from tests.api.fake_server import RESULT_PNG, FakeImagesServer, serve
from tests.processes import frozen_writer, repo_env

# Not shaped like an OpenAI key: only redaction by value can hide it.
GATEWAY_KEY = "gw-ABC123XYZ-gateway-token-0042"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeImagesServer]:
    monkeypatch.setenv("OPENAI_API_KEY", GATEWAY_KEY)
    yield from serve()


def _generate(server: FakeImagesServer, out: Path, *extra: str) -> int:
    return main(["generate", "--prompt", "p", "--base-url", server.url, "--out", str(out), *extra])


def _all_text(folder: Path) -> str:
    return "".join(p.read_bytes().decode("latin-1") for p in folder.rglob("*") if p.is_file())


def _env() -> dict[str, str]:
    return repo_env(OPENAI_API_KEY=GATEWAY_KEY)


# -- the key ---------------------------------------------------------------------------------------

def test_a_gateway_key_echoed_in_a_200_error_is_never_printed(
    server: FakeImagesServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script("error_200")
    code = _generate(server, tmp_path)
    captured = capsys.readouterr()
    assert code == 3
    assert "gateway rejected key [redacted]" in captured.err
    assert GATEWAY_KEY not in captured.err + captured.out


def test_a_key_echoed_in_a_success_stays_out_of_sidecars_and_json(
    server: FakeImagesServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script("ok_echo_key")
    code = _generate(server, tmp_path, "--json")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads(captured.out)
    sidecar = json.loads(Path(report["sidecars"][0]).read_text())
    assert sidecar["response"]["quality"] == "[redacted]" and "[redacted]" in sidecar["request_id"]
    assert GATEWAY_KEY not in captured.out + captured.err + _all_text(tmp_path)


# -- images that do not decode -----------------------------------------------------------------

@pytest.mark.parametrize("mode", ["png_garbage", "jpeg_zeros"])
def test_an_image_that_does_not_decode_is_an_api_error_and_nothing_is_saved(
    server: FakeImagesServer, tmp_path: Path, mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(mode)
    code = _generate(server, tmp_path / "out")
    err = capsys.readouterr().err
    assert code == 3, err
    assert "image 1 of 1 that cannot be decoded" in err and "request id: req_1_200" in err
    assert "nothing was saved" in err
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_the_images_that_decode_are_saved_and_the_other_is_named(
    server: FakeImagesServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script("second_garbage")
    code = _generate(server, tmp_path, "-n", "2", "--json")
    captured = capsys.readouterr()
    assert code == 3, captured.err
    assert "image 2 of 2 that cannot be decoded" in captured.err
    report = json.loads(captured.out)
    assert report["exit_code"] == 3 and len(report["undecodable"]) == 1
    [saved] = report["images"]
    assert Path(saved).read_bytes() == RESULT_PNG and saved.endswith("-1.png")  # paid for: kept
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".png"]


# -- two runs at once ----------------------------------------------------------------------------

def test_two_runs_at_once_never_overwrite_each_other(server: FakeImagesServer, tmp_path: Path) -> None:
    # The server holds each request until both have arrived, then answers both at once, so the two
    # processes save in the same instant into the same folder.
    server.script("barrier", "barrier")
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "inpaint_desktop", "generate", "--prompt", "p", "--base-url", server.url,
            "--out", str(out), "-q"]
    procs = [subprocess.Popen(argv, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    printed = [o.strip() for o, _ in outputs]
    assert printed[0] != printed[1]
    images = sorted(out.glob("*.png"))
    sidecars = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    assert [str(p) for p in images] == sorted(printed)
    assert len(sidecars) == 2 and sidecars[0]["job_id"] != sidecars[1]["job_id"]
    assert sorted(s["image"] for s in sidecars) == [p.name for p in images]


# -- photos stored turned ------------------------------------------------------------------------

def _portrait_jpeg(path: Path) -> Path:
    """A phone photo: stored 640x427 (landscape) with EXIF orientation 6, shown as 427x640."""
    stored = np.zeros((427, 640, 3), np.uint8)
    stored[:, :320] = (220, 30, 30)  # stored left half red ...
    stored[:, 320:] = (30, 30, 220)  # ... right half blue
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(path, "JPEG", quality=95, exif=exif.tobytes())
    return path


def test_a_photo_stored_turned_is_sent_upright_with_the_mask_the_editor_exported(
    server: FakeImagesServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = _portrait_jpeg(tmp_path / "portrait.jpg")
    shown = load_image(photo)  # what the editor shows and paints on
    assert (shown.width, shown.height) == (427, 640)
    mask = tmp_path / "mask.png"
    mask.write_bytes(encode_api_mask(np.zeros((shown.height, shown.width), np.uint8)))
    code = main(["edit", str(photo), "--mask", str(mask), "--prompt", "p", "--model", "gpt-image-2",
                 "--base-url", server.url, "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "stored turned" in captured.err
    sent = next(f for f in server.requests[-1].files if f.name == "image")
    with Image.open(io.BytesIO(sent.data)) as img:
        assert img.size == (427, 640) and img.format == "JPEG"
        assert img.getexif().get(0x0112) is None  # nothing left for the server to turn again
        pixels = np.asarray(img.convert("RGB")).astype(int)
    assert np.abs(pixels - shown.array.astype(int)).mean() < 3


def test_a_photo_stored_upright_is_sent_unchanged(server: FakeImagesServer, tmp_path: Path) -> None:
    photo = tmp_path / "flat.jpg"
    Image.new("RGB", (64, 48), (10, 120, 200)).save(photo, "JPEG")
    assert main(["edit", str(photo), "--prompt", "p", "--model", "gpt-image-2", "--base-url", server.url,
                 "--out", str(tmp_path / "out"), "-q"]) == 0
    assert server.requests[-1].files[0].data == photo.read_bytes()


# -- a silent server -----------------------------------------------------------------------------

def test_timeout_bounds_each_attempt_and_the_retry_says_it_could_bill_twice(
    server: FakeImagesServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.slow_seconds = 60
    server.script("slow", "slow", "slow")
    code = _generate(server, tmp_path, "--timeout", "0.5")
    err = capsys.readouterr().err
    assert code == 4, err
    deadline = time.monotonic() + 10  # the server records the last request on its own thread
    while len(server.requests) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(server.requests) == 3
    retries = [line for line in err.splitlines() if line.startswith("retry:")]
    assert len(retries) == 2 and all("could bill it twice" in line for line in retries), err
    assert "did not answer within 0.5 s" in err


@pytest.mark.parametrize("value", ["0", "-3"])
def test_a_timeout_that_is_not_positive_is_invalid(server: FakeImagesServer, tmp_path: Path, value: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert _generate(server, tmp_path, "--timeout", value) == 2
    assert "--timeout must be more than 0" in capsys.readouterr().err and server.requests == []


# -- a full disk ---------------------------------------------------------------------------------

def _limit_file_size(limit: int) -> None:
    # Runs in the child: the kernel refuses to grow any file past ``limit`` bytes (EFBIG), exactly
    # where a full disk would refuse with ENOSPC; SIGXFSZ ignored so the write fails instead.
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _full_disk_run(server: FakeImagesServer, out: Path, *extra: str, limit: int | None = None,
                   wrap: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    server.script("small_then_big")
    argv = [sys.executable, "-m", "inpaint_desktop", "generate", "--prompt", "p", "-n", "2",
            "--base-url", server.url, "--out", str(out), "-q", *extra]
    return subprocess.run([*(wrap or []), *argv], env=_env(), capture_output=True, text=True, timeout=60,
                          preexec_fn=(lambda: _limit_file_size(limit)) if limit else None)


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_write_refused_by_the_file_system_has_its_own_exit_code_and_lists_what_was_saved(
    server: FakeImagesServer, tmp_path: Path, as_json: bool
) -> None:
    out = tmp_path / "out"
    # The first image (< 1 KB) and its sidecar fit; the second image (about 300 KB) does not.
    done = _full_disk_run(server, out, *(["--json"] if as_json else []), limit=64 * 1024)
    assert done.returncode == 5, done.stderr
    assert "could not write the results" in done.stderr and "larger than this file system" in done.stderr
    first = next(out.glob("generated-*-1.png"))
    assert first.read_bytes() == RESULT_PNG and first.with_suffix(".json").is_file()
    assert sorted(p.name for p in out.iterdir()) == sorted([first.name, first.with_suffix(".json").name])
    if as_json:
        report = json.loads(done.stdout)
        assert report["exit_code"] == 5 and report["images"] == [str(first)]
        assert report["saved_files"] == [str(first), str(first.with_suffix(".json"))]
    else:
        assert done.stdout.split() == [str(first)]
        assert f"  {first}\n" in done.stderr and f"  {first.with_suffix('.json')}\n" in done.stderr


def _tmpfs_wrapper(mount_point: Path) -> list[str] | None:
    """A command prefix that runs a command on a 64 KB tmpfs in its own mount namespace, or None."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    script = f'mount -t tmpfs -o size=64k tmpfs "{mount_point}" && exec "$@"'
    wrap = [unshare, "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh"]
    probe = subprocess.run([*wrap, "true"], capture_output=True, timeout=20)
    return wrap if probe.returncode == 0 else None


def test_a_really_full_disk_exits_5(server: FakeImagesServer, tmp_path: Path) -> None:
    out = tmp_path / "small-disk"
    out.mkdir()
    wrap = _tmpfs_wrapper(out)
    if wrap is None:
        pytest.skip("no unprivileged mount namespace here to make a small file system")
    done = _full_disk_run(server, out, wrap=wrap)
    assert done.returncode == 5, done.stderr
    assert "the disk is full" in done.stderr
    saved = re.findall(r"^  (.+)$", done.stderr, flags=re.M)
    assert saved and saved[0].endswith("-1.png")


# -- a run killed mid-write -----------------------------------------------------------------------

def test_a_temp_file_left_by_a_killed_run_is_removed_at_the_next_start(
    server: FakeImagesServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    killed = frozen_writer(out / "generated-1.png")
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=10)
    alive = frozen_writer(out / "other.png")  # another run, still writing
    try:
        [left] = out.glob(".generated-1.png.*.tmp")
        assert left.stat().st_size == 2_000_000  # what kill -9 left: hidden, complete, useless
        assert _generate(server, out) == 0
        err = capsys.readouterr().err
        assert "removed 1 temporary file(s)" in err
        assert not left.exists()
        assert list(out.glob(".other.png.*.tmp"))  # the file of a writer still running stays
    finally:
        alive.kill()
        alive.communicate(timeout=10)
