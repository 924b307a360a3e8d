"""``inpaint-desktop edit`` and ``inpaint-desktop generate``: send one request, save every result.

Each image is written with a JSON sidecar beside it (parameters, usage, cost, request id,
timings; never the key), atomically and under a name no other run can take (the job id is in it),
and the paths are printed (or one JSON object with ``--json``). Exit codes: 0 ok, 2 invalid input,
3 API error, 4 network/timeout, 5 could not write the results (the files saved before are listed),
130 cancelled.
"""

from __future__ import annotations

import argparse
import errno
import json
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from inpaint_desktop.api import errors as E
from inpaint_desktop.api.config import ApiConfig
from inpaint_desktop.api.types import (
    CancelToken,
    EditRequest,
    GenerateRequest,
    ImageFile,
    ImageResult,
    Progress,
)
from inpaint_desktop.cli import (
    EXIT_API,
    EXIT_CANCELLED,
    EXIT_CODES_HELP,
    EXIT_INVALID,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_WRITE,
)
from inpaint_desktop.core.models import CapabilityTable
from inpaint_desktop.core.redaction import redact, redact_obj
from inpaint_desktop.core.rules import sniff_mime


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    """Arguments of ``edit`` (images, mask) or ``generate`` (prompt only)."""
    parser.set_defaults(command=name)
    parser.epilog = EXIT_CODES_HELP
    if name == "edit":
        parser.add_argument("images", nargs="+", metavar="IMAGE",
                            help="photo to edit, then up to 15 reference images (png, jpeg, webp)")
        parser.add_argument("--mask", help="PNG mask the size of the first image; alpha 0 = edit here")
        parser.add_argument("--fidelity", choices=("low", "high"),
                            help="input fidelity (models that take it)")
        parser.add_argument("--keep-size", action="store_true",
                            help="when the model cannot return the photo's size, send it scaled and "
                                 "padded to one it can and map each result back to the photo's exact "
                                 "size (the unmapped result is kept as *-raw)")
    parser.add_argument("--prompt", required=True, help="describe the whole final image")
    parser.add_argument("--model", help="model id (default: the one the model table names; see "
                                        "'inpaint-desktop models')")
    parser.add_argument("--size", help="WxH, auto, or a size the model lists")
    parser.add_argument("--quality", help="one of the model's qualities: low, medium, high, auto; "
                                          "xhigh and max on gpt-image-2.5 and later")
    parser.add_argument("--complexity", help="low, medium or high (models that take it, e.g. gpt-image-2.6)")
    parser.add_argument("-n", type=int, default=1, help="number of variants, 1-10")
    parser.add_argument("--format", dest="output_format", metavar="FORMAT",
                        help="png, jpeg or webp; gif or svg for generations on models that offer them")
    parser.add_argument("--compression", type=int, metavar="0-100", help="jpeg/webp compression")
    parser.add_argument("--background", choices=("auto", "opaque", "transparent"))
    parser.add_argument("--moderation", choices=("auto", "low"))
    parser.add_argument("--stream", action="store_true", help="stream the result (with --partials previews)")
    parser.add_argument("--partials", type=int, default=None, metavar="0-3",
                        help="partial previews to stream (implies --stream)")
    parser.add_argument("--base-url", help="OpenAI-compatible server (default: OPENAI_BASE_URL or OpenAI)")
    parser.add_argument("--backend", choices=("local", "openai"),
                        help="engine (default: openai when a key or base URL is set, else local)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="give up on an attempt when the server sends nothing for this long "
                             "(default 600; each of the 2 retries waits as long again)")
    parser.add_argument("--out", default=".", help="directory for results (default: current directory)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of paths")
    parser.add_argument("--fix", action="store_true",
                        help="apply the safe fixes offered for invalid input (re-encode, B&W mask to alpha)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def _error(message: str) -> None:
    print(f"error: {redact(message)}", file=sys.stderr)


def _read(path: str, what: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise E.ValidationError(f"{what}: cannot read {path} ({exc.strerror or exc})", param=what) from None
    if not data:
        raise E.ValidationError(f"{what}: {path} is empty", param=what)
    return data


def _build(args: argparse.Namespace) -> EditRequest | GenerateRequest:
    stream = bool(args.stream or args.partials)
    common: dict[str, Any] = {
        "prompt": args.prompt, "model": args.model, "n": args.n, "size": args.size, "quality": args.quality,
        "complexity": args.complexity, "output_format": args.output_format,
        "output_compression": args.compression, "background": args.background,
        "moderation": args.moderation, "stream": stream,
        "partial_images": args.partials if stream and args.partials is not None else None,
    }
    if args.command == "generate":
        return GenerateRequest(**common)
    images = tuple(ImageFile.from_bytes(_upright(_read(p, "image"), p, args.quiet), Path(p).name)
                   for p in args.images)
    mask = ImageFile.from_bytes(_read(args.mask, "mask"), Path(args.mask).name) if args.mask else None
    return EditRequest(images=images, mask=mask, input_fidelity=args.fidelity, **common)


def _check_model(model: str, table: CapabilityTable, config: ApiConfig, quiet: bool) -> None:
    """On OpenAI's own API, refuse a model past its shutdown date and warn of one close to it."""
    from inpaint_desktop.api.config import is_openai_url
    from inpaint_desktop.core.availability import offer_for

    offer = offer_for(table, model, None, official=is_openai_url(config.base_url), today=date.today())
    if offer.state == "shut_down":
        assert offer.shutdown_date is not None
        instead = (f"; use {offer.replacement} instead (--model {offer.replacement})" if offer.replacement
                   else "; choose another with --model (see 'inpaint-desktop models')")
        raise E.ValidationError(f"model: {model} was shut down on {offer.shutdown_date.isoformat()} and "
                                f"OpenAI's API no longer serves it{instead}", param="model")
    if offer.state == "shutting_down" and not quiet:
        print(f"note: {model} {offer.note}", file=sys.stderr)


def _upright(data: bytes, path: str, quiet: bool) -> bytes:
    """The photo as the editor shows it: a file stored turned (EXIF orientation) is sent upright."""
    from inpaint_desktop.core.imaging import upright_upload

    upright = upright_upload(data)
    if upright is not data and not quiet:
        print(f"note: {path} is stored turned (EXIF orientation); sending it upright, as it is shown",
              file=sys.stderr)
    return upright


def _prepare(request: EditRequest | GenerateRequest, args: argparse.Namespace, table: CapabilityTable
             ) -> EditRequest | GenerateRequest:
    """Validate against the model's capabilities; apply offered fixes only with ``--fix``."""
    from inpaint_desktop.api.requests import apply_fix, suggest_fixes, validate_edit, validate_generate

    caps = table.get(request.model)
    validate = validate_edit if isinstance(request, EditRequest) else validate_generate
    try:
        validate(request, caps)  # type: ignore[arg-type]
        return request
    except E.ValidationError as err:
        fixes = suggest_fixes(request, caps)
        if not fixes:
            raise
        if not args.fix:
            err.message += " Fix available (run again with --fix): " + "; ".join(f.message for f in fixes)
            err.args = (err.message,)
            raise
    for fix in fixes:
        request = apply_fix(request, fix)
        if not args.quiet:
            print(f"fixed: {fix.message}", file=sys.stderr)
    validate(request, caps)  # type: ignore[arg-type]
    return request


def _load_table(quiet: bool) -> CapabilityTable:
    """The packaged model table with the user's models.json over it; its problems go to stderr."""
    from inpaint_desktop.store.user_models import load_model_table

    table = load_model_table()
    if not quiet:
        for problem in table.problems:
            print(f"warning: {problem}", file=sys.stderr)
    return table


def _encode_like(array: Any, original: bytes) -> bytes:
    import io

    from PIL import Image

    fmt = {"image/jpeg": "JPEG", "image/webp": "WEBP"}.get(sniff_mime(original) or "", "PNG")
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, fmt)
    return buf.getvalue()


def _plan_upload(request: EditRequest, requested: str | None) -> tuple[EditRequest, Any]:
    """The request with the first image and the mask fitted to a size the model returns, and the plan."""
    import io
    from dataclasses import replace

    import numpy as np
    from PIL import Image

    from inpaint_desktop.core.geometry import fit_image, plan_size
    from inpaint_desktop.core.models import load_capabilities

    first = request.images[0]
    try:
        with Image.open(io.BytesIO(first.data)) as img:
            photo = np.asarray(img.convert("RGBA" if "A" in img.mode else "RGB"))
        plan = plan_size(photo.shape[1], photo.shape[0], load_capabilities().get(request.model), requested)
    except (OSError, ValueError) as exc:
        raise E.ValidationError(f"size: cannot plan the upload size ({exc})", param="size") from None
    if plan.is_identity:
        return replace(request, size=plan.size_param or request.size), plan
    images = (ImageFile.from_bytes(_encode_like(fit_image(photo, plan), b""), first.filename),
              *request.images[1:])
    mask = request.mask
    if mask is not None:
        with Image.open(io.BytesIO(mask.data)) as img:
            marr = np.asarray(img.convert("RGBA"))
        if (marr.shape[1], marr.shape[0]) != plan.original:
            raise E.ValidationError("mask: must be the size of the first image", param="mask")
        mask = ImageFile.from_bytes(_encode_like(fit_image(marr, plan), b""), mask.filename)
    return replace(request, images=images, mask=mask, size=plan.size_param), plan


def _map_results(result: ImageResult, plan: Any, skip: Mapping[int, str]) -> dict[int, bytes]:
    import io

    import numpy as np
    from PIL import Image

    from inpaint_desktop.core.geometry import map_back

    mapped = {}
    for i, data in enumerate(result.images):
        if i in skip:
            continue
        with Image.open(io.BytesIO(data)) as img:
            arr = np.asarray(img.convert("RGBA" if "A" in img.mode else "RGB"))
        mapped[i] = _encode_like(map_back(arr, plan), data)
    return mapped


def _check_svg(data: bytes) -> None:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"not a well-formed SVG document: {exc}") from None
    if not root.tag.endswith("svg"):
        raise ValueError("not an SVG document")


def _undecodable(result: ImageResult) -> dict[int, str]:
    """The returned images that do not decode to their last pixel, by index, each with why.

    They do not count as results and are not saved; the others of the answer are (they were paid for).
    """
    from inpaint_desktop.core.rules import decoded_size, sniff_output_mime

    failures = {}
    for i, data in enumerate(result.images):
        try:
            if sniff_output_mime(data) == "image/svg+xml":
                _check_svg(data)  # drawn, not decoded: it must at least be a whole SVG document
            else:
                decoded_size(data)
        except ValueError as exc:
            failures[i] = (f"the server sent image {i + 1} of {len(result.images)} that cannot be decoded "
                           f"({exc}); it was not saved")
    return failures


def _progress(quiet: bool) -> Any:
    last = [0.0]

    def report(p: Progress) -> None:
        if quiet:
            return
        if p.kind == "retry":
            print(f"retry: {p.message}", file=sys.stderr)
        elif p.kind == "partial":
            print(f"partial preview {p.index + 1} received", file=sys.stderr)
        elif p.kind == "upload" and p.total and (time.monotonic() - last[0] > 1 or p.done == p.total):
            last[0] = time.monotonic()
            print(f"upload {p.done * 100 // p.total}% of {p.total / 1e6:.1f} MB", file=sys.stderr)

    return report


def _call(backend: Any, request: EditRequest | GenerateRequest, report: Any) -> ImageResult:
    """Run the call on a worker thread so Ctrl+C on the main thread can cancel it cleanly."""
    token = CancelToken()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            call = backend.edit if isinstance(request, EditRequest) else backend.generate
            box["result"] = call(request, progress=report, cancel=token)
        except BaseException as exc:  # handed to the main thread, which decides
            box["error"] = exc

    worker = threading.Thread(target=work, name="inpaint-cli-call", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        token.cancel()
        worker.join(2.0)
        raise
    if "error" in box:
        raise box["error"]
    result: ImageResult = box["result"]
    return result


def _save(result: ImageResult, request: EditRequest | GenerateRequest, args: argparse.Namespace,
          backend_name: str, started: str, plan: Any = None, *, written: list[Path],
          skip: Mapping[int, str]) -> list[dict[str, Any]]:
    """Write every image (but those in ``skip``) and its sidecar; ``written`` gets each file's path as
    soon as it is complete, so a failure midway (``OSError``) still tells what was saved."""
    from inpaint_desktop.core.cost import cost_from_usage
    from inpaint_desktop.core.rules import output_extension
    from inpaint_desktop.store.ids import new_job_id

    out = Path(args.out)
    # The job id makes the names unique across processes and machines; the writes never overwrite.
    job_id = new_job_id()
    prefix = Path(args.images[0]).stem if args.command == "edit" else "generated"
    cost = cost_from_usage(request.model, result.usage) if result.usage else None
    params = {k: getattr(request, k, None) for k in (
        "n", "size", "quality", "output_format", "output_compression", "background", "moderation",
        "input_fidelity", "stream", "partial_images")}
    saved = []
    mapped = None
    if plan is not None and not plan.is_identity:
        try:
            mapped = _map_results(result, plan, skip)
        except (OSError, ValueError) as exc:
            _error(f"could not map the results back to the photo's size ({exc}); saving them as returned")
    for i, data in enumerate(result.images):
        if i in skip:
            continue
        ext = output_extension(data)
        stem = f"{prefix}-{job_id}-{i + 1}"
        raw_path = None
        if mapped is not None:
            # The result as it came back is kept too: nothing paid for is lost.
            raw_path = _write_new(out / f"{stem}-raw.{ext}", data, written)
            data = mapped[i]
        image_path = _write_new(out / f"{stem}.{ext}", data, written)
        sidecar = {
            "kind": args.command, "backend": backend_name, "model": request.model, "prompt": request.prompt,
            "job_id": job_id, "params": params, "index": i, "image": image_path.name,
            "inputs": [str(Path(p).resolve()) for p in getattr(args, "images", [])],
            "mask": str(Path(args.mask).resolve()) if getattr(args, "mask", None) else None,
            "request_id": result.request_id,
            "usage": asdict(result.usage) if result.usage else None,
            "cost": asdict(cost) if cost else None,
            "response": {"created": result.created, "size": result.size, "quality": result.quality,
                         "output_format": result.output_format, "background": result.background,
                         "label": result.labels[i] if i < len(result.labels) else None},
            "timings": {"started_at": started, "elapsed_s": result.elapsed_s},
            "size_plan": asdict(plan) if plan is not None else None,
            "raw_image": raw_path.name if raw_path is not None else None,
        }
        text = json.dumps(redact_obj(sidecar), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        sidecar_path = _write_new(image_path.with_suffix(".json"), text.encode("utf-8"), written)
        saved.append({"image": str(image_path), "sidecar": str(sidecar_path),
                      "cost_usd": cost.total_usd if cost else None})
    return saved


def _write_new(path: Path, data: bytes, written: list[Path]) -> Path:
    from inpaint_desktop.store.atomic import atomic_write_new

    try:
        atomic_write_new(path, data)
    except OSError as exc:
        if exc.filename is None:  # a failed write() names no file: say which one it was
            exc.filename = str(path)
        raise
    written.append(path)
    return path


def _write_failure(exc: OSError, out: str) -> str:
    """What went wrong when writing the results, in words (the errno names are for programmers)."""
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "a file is larger than this file system (or this process) allows",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EEXIST: "a file of that name appeared meanwhile; it was not overwritten",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    where = f" ({exc.filename})" if exc.filename else ""
    return f"could not write the results to {out}: {reason}{where}"


def run(args: argparse.Namespace) -> int:
    from inpaint_desktop.api.config import resolve_config
    from inpaint_desktop.backends import BackendUnavailableError, create_backend, default_backend_kind

    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    _remove_stale_temp_files(args.out, args.quiet or args.json)
    try:
        if args.partials is not None and not 0 <= args.partials <= 3:
            raise E.ValidationError("partial_images: --partials must be 0-3", param="partial_images")
        if args.timeout is not None and not 0 < args.timeout <= 86_400:
            raise E.ValidationError(f"timeout: --timeout must be more than 0 seconds (got {args.timeout:g})",
                                    param="timeout")
        table = _load_table(args.quiet)
        config = resolve_config(base_url=args.base_url, read_timeout=args.timeout)
        kind = args.backend or default_backend_kind(config)
        args.model = args.model or table.default_model
        if kind == "openai":
            _check_model(args.model, table, config, args.quiet or args.json)
        request = _build(args)
        plan = None
        if isinstance(request, EditRequest) and getattr(args, "keep_size", False):
            request, plan = _plan_upload(request, args.size)
        if kind == "openai":
            request = _prepare(request, args, table)
        backend = create_backend(kind, config, capabilities=table)
    except (E.ValidationError, BackendUnavailableError, ValueError) as exc:
        _error(str(exc))
        return EXIT_INVALID
    try:
        try:
            result = _call(backend, request, _progress(args.quiet or args.json))
        finally:
            backend.close()
    except KeyboardInterrupt:
        _error("cancelled")
        return EXIT_CANCELLED
    except E.CancelledError:
        _error("cancelled")
        return EXIT_CANCELLED
    except (E.ValidationError, E.UnsupportedOperationError) as exc:
        _error(str(exc))
        return EXIT_INVALID
    except (E.ApiTimeoutError, E.ApiConnectionError) as exc:
        _error(_with_id(exc))
        return EXIT_NETWORK
    except E.ApiError as exc:
        _error(_with_id(exc))
        return EXIT_API
    return _save_and_report(result, request, args, backend.name, started, plan)


def _save_and_report(result: ImageResult, request: EditRequest | GenerateRequest, args: argparse.Namespace,
                     backend_name: str, started: str, plan: Any) -> int:
    """Save what decodes, print the paths (or the JSON report), and say what failed; the exit code.

    A refused write (disk full, ...) exits 5 and an image that does not decode exits 3; either way
    every file saved before is listed, on stdout (the images) and stderr (every file).
    """
    undecodable = _undecodable(result)
    written: list[Path] = []
    failure = None
    saved: list[dict[str, Any]] = []
    try:
        saved = _save(result, request, args, backend_name, started, plan, written=written, skip=undecodable)
    except OSError as exc:
        failure = _write_failure(exc, args.out)
    images = [str(p) for p in written if p.suffix != ".json" and not p.stem.endswith("-raw")]
    code = EXIT_WRITE if failure is not None else EXIT_API if undecodable else EXIT_OK
    if args.json:
        report: dict[str, Any] = {
            "images": images, "sidecars": [str(p) for p in written if p.suffix == ".json"],
            "request_id": result.request_id, "usage": asdict(result.usage) if result.usage else None,
            "cost_usd": saved[0]["cost_usd"] if saved else None, "elapsed_s": result.elapsed_s,
            "backend": backend_name,
        }
        if code != EXIT_OK:
            report.update(error=failure or "; ".join(undecodable.values()), exit_code=code,
                          saved_files=[str(p) for p in written], undecodable=list(undecodable.values()))
        print(json.dumps(redact_obj(report), indent=2))
    else:
        for image in images:
            print(image)
    for message in undecodable.values():
        _error(f"{message} (request id: {result.request_id})" if result.request_id else message)
    if failure is not None:
        _error(failure)
    if code != EXIT_OK:
        if written:
            print(f"saved ({len(written)} file(s)):", file=sys.stderr)
            for path in written:
                print(f"  {path}", file=sys.stderr)
        else:
            print("nothing was saved", file=sys.stderr)
    return code


def _remove_stale_temp_files(out: str, quiet: bool) -> None:
    """Temporary files a killed run left in the output folder (hidden, possibly large) go first."""
    from inpaint_desktop.store.atomic import remove_stale_temp_files

    removed = remove_stale_temp_files(out)
    if removed and not quiet:
        print(f"note: removed {len(removed)} temporary file(s) left in {out} by an interrupted run",
              file=sys.stderr)


def _with_id(exc: E.ApiError) -> str:
    return f"{exc.message} (request id: {exc.request_id})" if exc.request_id else exc.message
