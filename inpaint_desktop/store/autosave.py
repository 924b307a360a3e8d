"""Autosave of the open document, so a crash or a power cut never loses a painted mask.

Each running app owns one session folder under the autosave root: the photo as it was opened (once
per photo), the mask as a greyscale PNG (255 = edit) and ``state.json`` (where the photo came from,
the prompt, when it was saved, the owner's process id). Every file is written atomically. A clean
exit removes the folder; a folder left by a process that is no longer running is a recovery the app
offers at the next start.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_state_dir

from inpaint_desktop.store.atomic import atomic_write_bytes, atomic_write_json, process_running

STATE_FILE = "state.json"
_SESSIONS = itertools.count(1)
MASK_FILE = "mask.png"
IMAGE_STEM = "image"


def default_autosave_root() -> Path:
    return Path(user_state_dir("inpaint-desktop", appauthor=False)) / "autosave"


@dataclass(frozen=True)
class Recovery:
    """What a session that did not end cleanly left behind."""

    directory: Path
    image: Path
    mask: Path | None
    source_path: str | None
    prompt: str
    saved_at: str

    @property
    def label(self) -> str:
        name = Path(self.source_path).name if self.source_path else "an unsaved photo"
        when = self.saved_at.replace("T", " ")[:16]
        return f"{name}, saved {when}"


class AutosaveStore:
    """The autosave folder of this process, and the recoveries other processes left."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_autosave_root()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.directory = self.root / f"{stamp}-{os.getpid()}-{next(_SESSIONS)}"
        self._image_name: str | None = None
        self._source_path: str | None = None

    def save_image(self, data: bytes, ext: str, *, source_path: str | None) -> Path:
        """Keep a copy of the photo being edited (called once per opened photo)."""
        for old in self.directory.glob(f"{IMAGE_STEM}.*"):
            old.unlink(missing_ok=True)
        (self.directory / MASK_FILE).unlink(missing_ok=True)
        path = atomic_write_bytes(self.directory / f"{IMAGE_STEM}.{ext}", data)
        self._image_name, self._source_path = path.name, source_path
        self._write_state(prompt="")
        return path

    def save_mask(self, mask_png: bytes, *, prompt: str = "") -> Path | None:
        """Write the mask (a greyscale PNG, 255 = edit) and the state; None before any photo."""
        if self._image_name is None:
            return None
        path = atomic_write_bytes(self.directory / MASK_FILE, mask_png)
        self._write_state(prompt=prompt)
        return path

    def _write_state(self, *, prompt: str) -> None:
        atomic_write_json(self.directory / STATE_FILE, {
            "pid": os.getpid(),
            "image": self._image_name,
            "source_path": self._source_path,
            "prompt": prompt,
            "saved_at": _dt.datetime.now().isoformat(timespec="seconds"),
        })

    def discard(self) -> None:
        """Remove this session's folder (clean exit, or the user chose to discard it)."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self._image_name = None

    def recoveries(self) -> list[Recovery]:
        """Sessions of processes that are no longer running, newest first. Unreadable ones are skipped."""
        found: list[Recovery] = []
        if not self.root.is_dir():
            return found
        for directory in self.root.iterdir():
            if directory == self.directory or not directory.is_dir():
                continue
            recovery = _read_recovery(directory)
            if recovery is not None:
                found.append(recovery)
        return sorted(found, key=lambda r: r.saved_at, reverse=True)

    @staticmethod
    def remove(recovery: Recovery) -> None:
        shutil.rmtree(recovery.directory, ignore_errors=True)


def _read_recovery(directory: Path) -> Recovery | None:
    try:
        state = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
        pid = int(state.get("pid", 0))
        image = directory / str(state["image"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if process_running(pid) or not image.is_file():
        return None
    mask = directory / MASK_FILE
    source = state.get("source_path")
    return Recovery(
        directory=directory, image=image, mask=mask if mask.is_file() else None,
        source_path=str(source) if isinstance(source, str) else None,
        prompt=str(state.get("prompt") or ""), saved_at=str(state.get("saved_at") or ""),
    )
