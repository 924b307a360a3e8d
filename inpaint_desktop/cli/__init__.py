"""Command line entry point.

``inpaint-desktop [IMAGE] [--mask MASK]`` opens the editor; subcommands run headless. Each
subcommand lives in its own module, imported only when used, so the editor starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from inpaint_desktop import __version__

# subcommand -> module providing ``configure(parser, name)`` and ``run(args) -> int``
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "edit": ("inpaint_desktop.cli.edit", "Send an edit (image + mask + prompt) and save the results"),
    "generate": ("inpaint_desktop.cli.edit", "Generate images from a prompt and save them"),
    "mask": ("inpaint_desktop.cli.mask", "Convert and check masks"),
    "models": ("inpaint_desktop.cli.models",
               "Show the model table (sizes, qualities, prices, shutdown dates) and the server's list"),
    "serve": ("inpaint_desktop.cli.serve", "Serve the offline engine over the OpenAI Images API"),
}

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_API = 3
EXIT_NETWORK = 4
# The results could not be written (disk full, file too large, folder not writable); the files
# saved before the failure are listed.
EXIT_WRITE = 5
EXIT_CANCELLED = 130

EXIT_CODES_HELP = ("exit codes: 0 ok, 2 invalid input, 3 API error (also an image that does not "
                   "decode), 4 network or timeout, 5 could not write the results (disk full, not "
                   "writable; the files saved before the failure are listed), 130 cancelled")


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inpaint-desktop",
        description="Paint a mask over a photo and send it to an image model. "
        "Subcommands: " + ", ".join(SUBCOMMANDS) + " (see 'inpaint-desktop COMMAND --help').",
    )
    parser.add_argument("image", nargs="?", help="photo to open")
    parser.add_argument("--mask", help="mask to load with the photo")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in SUBCOMMANDS:
        name = args_list[0]
        module = importlib.import_module(SUBCOMMANDS[name][0])
        parser = argparse.ArgumentParser(
            prog=f"inpaint-desktop {name}", description=SUBCOMMANDS[name][1]
        )
        module.configure(parser, name)
        args = parser.parse_args(args_list[1:])
        try:
            return int(module.run(args))
        except KeyboardInterrupt:
            print("Cancelled.", file=sys.stderr)
            return EXIT_CANCELLED
    args = _gui_parser().parse_args(args_list)
    from inpaint_desktop.app import run_app

    return run_app(image=args.image, mask=args.mask)
