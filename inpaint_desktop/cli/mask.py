"""``inpaint-desktop mask``: convert black-and-white masks and check a mask against an image.

``mask from-bw IN OUT [--invert]`` applies the API guide's recipe (luminance -> alpha, black =
edit) and warns when the mask is over the API's 4 MB limit. ``mask check IMAGE MASK`` tells whether
the API would accept the pair and prints the mask's coverage; exit 0 when valid, 1 when invalid (with
every reason), 2 when a file is unreadable or too large. Both see pictures as the editor shows them (upright,
after their EXIF orientation) and refuse, before decoding a pixel, images over the pixel limit that
``edit`` applies.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inpaint_desktop.cli import EXIT_INVALID, EXIT_OK, EXIT_WRITE

EXIT_MASK_INVALID = 1


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    bw = sub.add_parser(
        "from-bw",
        help="convert a black-and-white mask (black = edit) to an RGBA PNG mask",
        description="Convert a black-and-white or greyscale image to the RGBA PNG the API expects: "
        "its luminance becomes the alpha channel, so black (transparent) marks where to edit.",
    )
    bw.add_argument("input", type=Path, help="black-and-white or greyscale image")
    bw.add_argument("output", type=Path, help="PNG file to write")
    bw.add_argument("--invert", action="store_true", help="the input uses white for the area to edit")
    check = sub.add_parser(
        "check",
        help="check an image + mask pair against the API's rules",
        description="Check that MASK is a PNG with alpha, the same size as IMAGE, under 4 MB; "
        "print the mask's coverage. Exit 0 valid, 1 invalid, 2 unreadable or too large input. "
        "Sizes are as shown: upright, after the EXIF orientation.",
    )
    check.add_argument("image", type=Path, help="the photo (first image of the edit)")
    check.add_argument("mask", type=Path, help="the mask PNG")


def run(args: argparse.Namespace) -> int:
    if args.action == "from-bw":
        return _from_bw(args.input, args.output, invert=args.invert)
    return _check(args.image, args.mask)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return None


def _probe(label: str, path: Path, data: bytes) -> bool:
    """Whether ``data`` is an image under the upload pixel limit; says why not (naming the file)."""
    from inpaint_desktop.core.rules import probe_image, upload_pixel_problem

    try:
        problem = upload_pixel_problem(probe_image(data))
    except ValueError as exc:
        print(f"error: {label} {path} is unreadable: {exc}", file=sys.stderr)
        return False
    if problem:
        print(f"error: {label} {path} is too large: {problem} (the same limit as edit)", file=sys.stderr)
    return problem is None


def _from_bw(source: Path, target: Path, *, invert: bool) -> int:
    from inpaint_desktop.core.mask import bw_to_api_png
    from inpaint_desktop.core.rules import MAX_MASK_BYTES
    from inpaint_desktop.store.atomic import atomic_write_bytes

    data = _read(source)
    if data is None or not _probe("input", source, data):
        return EXIT_INVALID
    try:
        png = bw_to_api_png(data, invert=invert)
    except ValueError as exc:
        print(f"error: {source}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        atomic_write_bytes(target, png)
    except OSError as exc:
        print(f"error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_WRITE
    print(f"wrote {target} ({len(png) / 1024:.0f} KB)")
    if len(png) >= MAX_MASK_BYTES:
        print(f"warning: {target} is {len(png) / 1024 / 1024:.1f} MB: the API refuses masks of 4 MB or "
              "more. Fewer shades of grey (pure black and white) compress far smaller.", file=sys.stderr)
    return EXIT_OK


def _check(image_path: Path, mask_path: Path) -> int:
    from inpaint_desktop.core.mask import coverage, decode_mask
    from inpaint_desktop.core.rules import check_mask_pair

    image = _read(image_path)
    mask = _read(mask_path)
    if image is None or mask is None:
        return EXIT_INVALID
    for label, path, data in (("image", image_path, image), ("mask", mask_path, mask)):
        if not _probe(label, path, data):
            return EXIT_INVALID
    try:
        pct = coverage(decode_mask(mask))
    except ValueError as exc:
        print(f"error: mask {mask_path} is unreadable: {exc}", file=sys.stderr)
        return EXIT_INVALID
    reasons = check_mask_pair(image, mask)
    print(f"coverage: {pct:.2f} % of the image is marked for editing")
    if reasons:
        print("invalid:")
        for reason in reasons:
            print(f"  - {reason}")
        return EXIT_MASK_INVALID
    if pct == 0.0:
        print("note: the mask marks nothing for editing")
    print("valid: the API will accept this mask with this image")
    return EXIT_OK
