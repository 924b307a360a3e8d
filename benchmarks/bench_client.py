"""Client benchmarks: our client vs the official ``openai`` SDK, and upload memory.

1. The same edit (same image, mask, prompt, params) sent by both clients to the same loopback
   server, interleaved; median wall time per call. Goal: ours <= the SDK's.
2. Sixteen 20 MB images sent in one edit by a fresh subprocess (so nothing else is counted) to a
   loopback sink server; peak extra memory measured with tracemalloc and as the RSS growth.
   Goal: peak extra <= 1.5x the images' total size.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROUNDS = 60


def _sdk_vs_ours() -> list[dict]:
    import openai
    from PIL import Image

    from inpaint_desktop.api.client import OpenAIBackend
    from inpaint_desktop.api.config import ApiConfig
    from inpaint_desktop.api.types import EditRequest, ImageFile
    from tests.api.fake_server import FakeImagesServer

    photo = (ROOT / "tests" / "data" / "astronaut.png").read_bytes()
    mask_img = Image.new("RGBA", (512, 512), (0, 0, 0, 255))
    mask_img.paste((0, 0, 0, 0), (100, 100, 300, 300))
    buf = io.BytesIO()
    mask_img.save(buf, "PNG")
    mask = buf.getvalue()
    key = "sk-bench-not-a-real-key-000000"
    request = EditRequest(images=(ImageFile.from_bytes(photo, "astronaut.png"),),
                          mask=ImageFile.from_bytes(mask, "mask.png"), model="gpt-image-1.5", n=1,
                          prompt="an astronaut with a red helmet", quality="low")

    def clients(url: str) -> tuple[openai.OpenAI, OpenAIBackend]:
        return (openai.OpenAI(api_key=key, base_url=url, max_retries=0),
                OpenAIBackend(ApiConfig(base_url=url, api_key=key, max_retries=0)))

    def call_sdk(sdk: openai.OpenAI) -> bytes:
        import base64

        r = sdk.images.edit(image=("astronaut.png", photo, "image/png"), mask=("mask.png", mask, "image/png"),
                            prompt=request.prompt, model=request.model, n=1, quality="low")
        return base64.b64decode(r.data[0].b64_json or "")

    # First both send to the validating server: the same answer, and both requests pass the spec.
    server = FakeImagesServer().start()
    try:
        sdk, ours = clients(server.url)
        assert call_sdk(sdk) == ours.edit(request).images[0]
        problems = [p for rec in server.requests for p in rec.problems]
        assert not problems, problems
        sdk.close()
        ours.close()
    finally:
        server.close()
    # Then the timing, against a server that does as little as possible, so client overhead shows.
    httpd = _sink_server()
    try:
        sdk, ours = clients(f"http://127.0.0.1:{httpd.server_address[1]}/v1")
        call_sdk(sdk)
        ours.edit(request)  # both connections warm
        times: dict[str, list[float]] = {"sdk": [], "ours": []}
        for _ in range(ROUNDS):
            for name, fn in (("sdk", lambda: call_sdk(sdk)), ("ours", lambda: ours.edit(request))):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
        sdk.close()
        ours.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    sdk_ms = statistics.median(times["sdk"]) * 1000
    ours_ms = statistics.median(times["ours"]) * 1000
    return [
        {"name": "client.edit_median_sdk", "value": sdk_ms, "unit": "ms", "goal": "", "ok": None},
        {"name": "client.edit_median_ours", "value": ours_ms, "unit": "ms",
         "goal": f"<= sdk ({sdk_ms:.2f} ms)", "ok": ours_ms <= sdk_ms},
    ]


class _Sink(BaseHTTPRequestHandler):
    """Reads and discards the body in 1 MB pieces, then answers one small image."""

    protocol_version = "HTTP/1.1"
    answer = b""
    wbufsize = 1 << 16  # headers and body leave in one send, as real servers do

    def do_POST(self) -> None:
        left = int(self.headers.get("content-length", "0"))
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            left -= len(chunk)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)
        self.wfile.flush()

    def log_message(self, *args: object) -> None:
        pass


def _sink_server() -> ThreadingHTTPServer:
    import base64

    from tests.api.fake_server import RESULT_PNG

    _Sink.answer = json.dumps({"created": 1, "data": [{"b64_json": base64.b64encode(RESULT_PNG).decode()}],
                               "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
                                         "input_tokens_details": {"text_tokens": 1, "image_tokens": 0}}}
                              ).encode()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


_CHILD = textwrap.dedent("""
    import json, resource, sys, threading, time, tracemalloc
    sys.path.insert(0, {root!r})
    from tests.api.fake_server import png_bytes
    from inpaint_desktop.api.client import OpenAIBackend
    from inpaint_desktop.api.config import ApiConfig
    from inpaint_desktop.api.types import EditRequest, ImageFile

    head = png_bytes(64, 64)
    images = tuple(ImageFile.from_bytes(head + bytes([i]) * (20 * 1024 * 1024 - len(head)), f"p{{i}}.png")
                   for i in range(16))
    total = sum(p.size for p in images)
    client = OpenAIBackend(ApiConfig(base_url={url!r}, api_key="sk-bench-000000000000", max_retries=0))
    request = EditRequest(images=images, prompt="p", model="gpt-image-2")
    page = resource.getpagesize()

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * page

    rss0, high, done = rss(), [0], threading.Event()

    def sample():
        while not done.is_set():
            high[0] = max(high[0], rss())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    tracemalloc.start()
    t0 = time.perf_counter()
    client.edit(request)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    done.set()
    sampler.join()
    growth = max(0, high[0] - rss0)
    print(json.dumps({{"total": total, "peak": peak, "rss_growth": growth, "elapsed": elapsed}}))
""")


def _upload_memory() -> list[dict]:
    httpd = _sink_server()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        out = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT), url=url)],
                             capture_output=True, text=True, timeout=300, check=True)
    finally:
        httpd.shutdown()
        httpd.server_close()
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    total = figures["total"]
    peak = max(figures["peak"], figures["rss_growth"])
    return [
        {"name": "client.upload_16x20MB_peak_extra", "value": peak / 1e6, "unit": "MB",
         "goal": f"<= {1.5 * total / 1e6:.0f} MB (1.5x {total / 1e6:.0f} MB)", "ok": peak <= 1.5 * total},
        {"name": "client.upload_16x20MB_tracemalloc_peak", "value": figures["peak"] / 1e6, "unit": "MB",
         "goal": "", "ok": None},
        {"name": "client.upload_16x20MB_rss_growth", "value": figures["rss_growth"] / 1e6, "unit": "MB",
         "goal": "", "ok": None},
        {"name": "client.upload_16x20MB_rate", "value": total / figures["elapsed"] / 1e6, "unit": "MB/s",
         "goal": "", "ok": None},
    ]


def run() -> list[dict]:
    return _sdk_vs_ours() + _upload_memory()


if __name__ == "__main__":
    for row in run():
        print(row)
