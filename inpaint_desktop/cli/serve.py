"""``inpaint-desktop serve``: the offline engine behind the OpenAI Images API, on loopback by default."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys

KEY_ENV = "INPAINT_SERVE_API_KEY"


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--api-key", default=None,
                        help=f"require 'Authorization: Bearer KEY' (or set {KEY_ENV}, which keeps the key "
                        "off the command line)")
    parser.add_argument("--workers", type=int, default=max(1, min(4, (os.cpu_count() or 2) // 2)),
                        help="edits run at once (default: half the CPU cores, 1-4)")
    parser.add_argument("--queue", type=int, default=None,
                        help="edits that may wait beyond the running ones before the server answers 429 "
                        "(default 4 per worker)")


def run(args: argparse.Namespace) -> int:
    from inpaint_desktop.cli import EXIT_INVALID, EXIT_OK

    if not 1 <= args.workers <= 64:
        print(f"error: --workers must be between 1 and 64 (got {args.workers})", file=sys.stderr)
        return EXIT_INVALID
    if not 0 <= args.port <= 65535:
        print(f"error: --port must be between 0 and 65535 (got {args.port})", file=sys.stderr)
        return EXIT_INVALID
    queue = 4 * args.workers if args.queue is None else args.queue
    if queue < 0:
        print(f"error: --queue must be 0 or more (got {queue})", file=sys.stderr)
        return EXIT_INVALID
    key = args.api_key or os.environ.get(KEY_ENV) or None
    from inpaint_desktop.core.redaction import register_secret

    register_secret(key)  # from here on the key is redacted from every log line and error
    if not _is_loopback(args.host):
        print(f"warning: listening on {args.host}: other machines can reach this server"
              + ("" if key else " and no API key is required"), file=sys.stderr)

    from inpaint_desktop.server.app import ServerSettings
    from inpaint_desktop.server.run import serve

    settings = ServerSettings(api_key=key, workers=args.workers, queue_limit=queue)
    print(f"Serving the built-in offline engine at http://{args.host}:{args.port}/v1 "
          f"({args.workers} worker(s), queue {queue}, "
          f"{'API key required' if key else 'no API key required'}). Ctrl+C stops.", file=sys.stderr)
    serve(settings, host=args.host, port=args.port)
    return EXIT_OK


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
