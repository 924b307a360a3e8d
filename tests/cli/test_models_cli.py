"""The CLI and the model table: shut-down models, the table's default, new parameters, ``models``."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from inpaint_desktop.cli import main
from inpaint_desktop.store.user_models import user_models_path
from tests.api.fake_server import RESULT_GIF, RESULT_SVG, FakeImagesServer, serve
from tests.api.test_client import rgba_mask
from tests.conftest import DATA
from tests.dates import fixed_date

KEY = "sk-test-CLI-MODELS-0123456789"
OPENAI = "https://api.openai.com/v1"


_Dec2 = fixed_date(2026, 12, 2)
_Nov20 = fixed_date(2026, 11, 20)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeImagesServer]:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    yield from serve()


@pytest.fixture
def no_internet(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any connection attempt to a non-loopback address fails the test instead of leaving the machine."""
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else ""
        if host not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise OSError("the test forbids the network")
        real_connect(self, address)  # type: ignore[arg-type]

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(host)
            raise OSError("the test forbids the network")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


def _edit(url: str, tmp_path: Path, *extra: str) -> list[str]:
    mask = tmp_path / "mask.png"
    mask.write_bytes(rgba_mask(451, 300))
    return ["edit", str(DATA / "chelsea.png"), "--mask", str(mask), "--prompt", "a cat in a hat",
            "--base-url", url, "--out", str(tmp_path / "out"), *extra]


def test_a_shut_down_model_is_refused_on_openai_before_any_upload(
        server: FakeImagesServer, no_internet: list[object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("inpaint_desktop.cli.edit.date", _Dec2)
    code = main(_edit(OPENAI, tmp_path, "--model", "gpt-image-1.5"))
    err = capsys.readouterr().err
    assert code == 2, err
    assert ("model: gpt-image-1.5 was shut down on 2026-12-01 and OpenAI's API no longer serves it; "
            "use gpt-image-2.6-sunburst instead (--model gpt-image-2.6-sunburst)") in err
    assert no_internet == [] and not (tmp_path / "out").exists()
    # A dated snapshot shuts down with its model.
    assert main(_edit(OPENAI, tmp_path, "--model", "gpt-image-1-mini-2025-10-06")) == 2
    assert "use gpt-image-2.6-flare instead" in capsys.readouterr().err
    # The same model on a compatible server is that server's business: it is sent.
    assert main(_edit(server.url, tmp_path, "--model", "gpt-image-1.5", "-q")) == 0
    assert server.requests[-1].fields["model"] == ["gpt-image-1.5"] and server.requests[-1].problems == []


def test_a_model_near_its_shutdown_is_sent_with_a_note(server: FakeImagesServer, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("inpaint_desktop.cli.edit.date", _Nov20)
    # The loopback server stands in for OpenAI here: the rule is told the URL is OpenAI's.
    monkeypatch.setattr("inpaint_desktop.api.config.is_openai_url", lambda url: True)
    assert main(_edit(server.url, tmp_path, "--model", "gpt-image-1.5")) == 0
    err = capsys.readouterr().err
    assert "note: gpt-image-1.5 shuts down 2026-12-01 (in 11 days); use gpt-image-2.6-sunburst instead" in err


def test_a_users_table_can_retire_a_model_and_name_the_default(server: FakeImagesServer, tmp_path: Path,
                                                                no_internet: list[object],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = user_models_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "default_model": "gpt-image-2.6-flare",
        "models": [{"id": "gpt-image-2", "shutdown_date": "2001-01-01", "replacement": "gpt-image-2.6-flare"},
                   {"id": "broken", "family": "nope"}]}))
    assert main(_edit(OPENAI, tmp_path, "--model", "gpt-image-2")) == 2
    err = capsys.readouterr().err
    assert f"warning: {path}: models[broken].family: unknown family 'nope'; entry ignored" in err
    assert "gpt-image-2 was shut down on 2001-01-01" in err and no_internet == []
    assert main(_edit(server.url, tmp_path, "-q")) == 0  # the default comes from the user's table
    assert server.requests[-1].fields["model"] == ["gpt-image-2.6-flare"]


@pytest.mark.parametrize(("argv", "param"), [
    (["--model", "gpt-image-2", "--fidelity", "high"], "input_fidelity: gpt-image-2 does not accept"),
    (["--model", "gpt-image-2", "--quality", "max"], "quality: 'max' is not one of"),
    (["--model", "gpt-image-2", "--complexity", "low"], "complexity: gpt-image-2 does not accept"),
    (["--model", "gpt-image-2.6-flare", "--moderation", "low"], "moderation: gpt-image-2.6-flare does not"),
    (["--model", "gpt-image-2.6-flare", "--format", "gif"], "output_format: 'gif' is not one of png, jpeg"),
])
def test_parameters_the_model_does_not_take_are_refused_and_fix_drops_them(
        server: FakeImagesServer, tmp_path: Path, argv: list[str], param: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_edit(server.url, tmp_path, *argv)) == 2
    err = capsys.readouterr().err
    assert param in err and server.requests == []
    if "--format" in argv:
        return  # no safe fix for a format: the user must choose one
    assert "--fix" in err
    assert main(_edit(server.url, tmp_path, *argv, "--fix")) == 0
    assert "fixed: leave out" in capsys.readouterr().err
    rec = server.requests[-1]
    dropped = {"input_fidelity", "quality", "complexity", "moderation"}
    assert rec.problems == [] and not dropped & set(rec.fields)


def test_new_qualities_complexity_and_formats_reach_the_server(
        server: FakeImagesServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_edit(server.url, tmp_path, "--quality", "xhigh", "--complexity", "medium", "-q")) == 0
    rec = server.requests[-1]
    assert rec.fields["model"] == ["gpt-image-2.6-sunburst"] and rec.fields["quality"] == ["xhigh"]
    assert rec.fields["complexity"] == ["medium"] and rec.problems == []
    capsys.readouterr()
    for fmt, data in (("gif", RESULT_GIF), ("svg", RESULT_SVG)):
        code = main(["generate", "--prompt", "a spinning logo", "--format", fmt, "--base-url", server.url,
                     "--out", str(tmp_path / fmt), "--json"])
        report = json.loads(capsys.readouterr().out)
        assert code == 0 and Path(report["images"][0]).suffix == f".{fmt}"
        assert Path(report["images"][0]).read_bytes() == data  # saved as returned


def test_models_command_shows_the_table_the_server_and_where_facts_came_from(
        server: FakeImagesServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    server.models = [{"id": "gpt-image-2", "shutdown_date": "2026-12-20"},
                     {"id": "gpt-image-2.6-sunburst", "shutdown_date": None},
                     {"id": "house-image-v1"}, {"id": "gpt-5"}]
    path = user_models_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"models": [{"id": "gpt-image-2.6-flare", "price_text_out": 10}]}))
    monkeypatch.setattr("inpaint_desktop.cli.models._dt.date", _Dec2)
    assert main(["models", "--json", "--base-url", server.url]) == 0
    report = json.loads(capsys.readouterr().out)
    models = {m["id"]: m for m in report["models"]}
    assert report["default_model"] == "gpt-image-2.6-sunburst" and report["official_api"] is False
    assert server.requests[-1].path == "/v1/models"
    # A compatible server: its list decides; OpenAI's date for gpt-image-1.5 is shown but not applied.
    assert models["gpt-image-2"]["offered"]
    assert models["gpt-image-2"]["note"] == "shuts down 2026-12-20 (in 18 days)"
    assert models["gpt-image-2"]["from"]["shutdown_date"] == "server"
    assert models["gpt-image-1.5"]["listed_by_server"] is False and not models["gpt-image-1.5"]["offered"]
    assert models["gpt-image-1.5"]["table_shutdown_date"] == "2026-12-01"
    assert models["house-image-v1"]["listed_by_server"]
    assert models["house-image-v1"]["from"]["sizes"] == "defaults"
    assert "gpt-5" not in models
    sunburst = models["gpt-image-2.6-sunburst"]
    assert sunburst["qualities"] == ["auto", "low", "medium", "high", "xhigh", "max"]
    assert sunburst["complexities"] == ["low", "medium", "high"] and "svg" in sunburst["generate_formats"]
    assert sunburst["prices_per_1m"] == {"text_in": 5.0, "image_in": 8.0, "image_out": 30.0,
                                         "text_out": None}
    assert sunburst["from"]["prices"] == "packaged" and sunburst["sources"]["prices"].startswith("official")
    assert models["gpt-image-2.6-flare"]["from"]["prices"] == "user file"
    # Plain text, with the server unavailable: the table is printed anyway and the failure in one line.
    server.models_mode = "404"
    assert main(["models", "--base-url", server.url]) == 0
    out = capsys.readouterr().out
    assert "gpt-image-2.6-flare  (GPT Image 2.6 Flare; family gpt-image-2.6)" in out
    assert "from: sizes packaged, qualities packaged, formats packaged, prices user file" in out
    assert f"could not read {server.url}/models: Not found" in out
    assert "shutdown dates: only the server's own apply (not OpenAI's API)" in out


def test_models_command_without_a_server(capsys: pytest.CaptureFixture[str], no_internet: list[object],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("inpaint_desktop.cli.models._dt.date", _Dec2)
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "gpt-image-1.5  (GPT Image 1.5; family gpt-image-1)  [not offered]" in out
    assert ("state: shut down on 2026-12-01; use gpt-image-2.6-sunburst instead; "
            "listed by the server: unknown") in out
    assert "server list not read (no API key or base URL configured)" in out and no_internet == []
