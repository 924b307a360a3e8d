"""``inpaint-desktop serve`` as a user runs it: a real process on loopback, key from the environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser

import httpx
import pytest

from inpaint_desktop.cli import EXIT_INVALID, serve

SECRET = "sk-from-the-environment"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_process_uses_the_key_from_the_environment_and_never_prints_it() -> None:
    port = _free_port()
    env = {**os.environ, "INPAINT_SERVE_API_KEY": SECRET, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "inpaint_desktop", "serve", "--port", str(port),
                             "--workers", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()  # type: ignore[union-attr]
            time.sleep(0.1)
        assert httpx.get(f"http://127.0.0.1:{port}/v1/models").status_code == 401
        listed = httpx.get(f"http://127.0.0.1:{port}/v1/models",
                           headers={"Authorization": f"Bearer {SECRET}"})
        assert listed.status_code == 200 and listed.json()["data"][0]["id"] == "offline-harmonic"
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    text = (out + err).decode()
    assert "API key required" in text and "127.0.0.1" in text
    assert SECRET not in text


def _args(*argv: str):
    parser = ArgumentParser()
    serve.configure(parser, "serve")
    return parser.parse_args(argv)


@pytest.mark.parametrize("argv", [("--workers", "0"), ("--port", "70000"), ("--queue", "-1")])
def test_bad_arguments_are_refused_with_a_message(argv: tuple[str, ...],
                                                  capsys: pytest.CaptureFixture) -> None:
    assert serve.run(_args(*argv)) == EXIT_INVALID
    assert "error:" in capsys.readouterr().err


def test_defaults_listen_on_loopback() -> None:
    args = _args()
    assert (args.host, args.port, args.api_key) == ("127.0.0.1", 8000, None)
    assert serve._is_loopback("127.0.0.1") and serve._is_loopback("::1") and serve._is_loopback("localhost")
    assert not serve._is_loopback("0.0.0.0")


def test_the_serve_key_is_redacted_from_what_the_server_logs(monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    import logging

    import inpaint_desktop.server.run as server_run

    key = "local-serve-passphrase-7781"  # not shaped like an OpenAI key

    def logging_server(settings, **kw) -> None:  # stands in for uvicorn: logs what a server might
        logging.getLogger("inpaint_desktop.server").warning("client sent %s in a query", settings.api_key)

    monkeypatch.setattr(server_run, "serve", logging_server)
    with caplog.at_level(logging.INFO):
        assert serve.run(_args("--api-key", key, "--port", "0")) == 0
    assert "client sent [redacted] in a query" in caplog.text and key not in caplog.text
