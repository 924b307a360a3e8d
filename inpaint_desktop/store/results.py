"""The results library: every returned image lands on disk at once, with what made it.

Layout: ``<root>/<session-date>/<job-id>/`` holding ``variant-<i>.<ext>`` (raw, as returned),
``variant-<i>-protected.png`` (original outside the mask), ``mask.png`` (the mask that was sent)
and ``variant-<i>.json`` (request parameters, response metadata, usage, timing, cost, backend).
The API key is never written: sidecars are built from an allow-list of request fields, and every
string in them is redacted (the key's value, and anything key-shaped) before it reaches the disk.
Job ids come from ``store.ids.new_job_id``, so two processes never share a job folder.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from inpaint_desktop.core.redaction import redact_obj
from inpaint_desktop.core.rules import output_extension
from inpaint_desktop.store.atomic import atomic_write_bytes, atomic_write_json, remove_stale_temp_files

_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")
# Only these request fields reach a sidecar; anything else (headers, keys) is dropped.
_REQUEST_FIELDS = (
    "prompt", "model", "n", "size", "quality", "output_format", "output_compression", "background",
    "moderation", "input_fidelity", "complexity", "stream", "partial_images", "kind", "reference_count",
    "upload_size", "original_size", "crop_box",
)


def default_results_root() -> Path:
    return Path(user_data_dir("inpaint-desktop", appauthor=False)) / "results"


def _ext_for(data: bytes) -> str:
    return output_extension(data)  # png, jpg, webp, gif or svg, as the bytes say


@dataclass(frozen=True)
class SavedVariant:
    """Where one variant was written."""

    directory: Path
    raw: Path
    sidecar: Path
    mask: Path | None
    protected: Path | None
    fullsize: Path | None = None  # the raw result mapped to the photo's size, when that differs


class ResultsLibrary:
    """Writes results atomically under a root directory (platformdirs user data dir by default)."""

    def __init__(self, root: Path | None = None, *, session_date: str | None = None) -> None:
        self.root = Path(root) if root is not None else default_results_root()
        self.session_date = session_date or _dt.date.today().isoformat()

    def remove_stale_temp_files(self) -> list[Path]:
        """Remove what writes killed midway (kill -9, power cut) left in the job folders.

        Walks ``<root>/<date>/<job>/`` (one directory listing per job folder); meant for a worker
        thread at start, never the GUI thread.
        """
        removed: list[Path] = []
        for day in _subdirs(self.root):
            for job in _subdirs(day):
                removed += remove_stale_temp_files(job)
        return removed

    def job_dir(self, job_id: str) -> Path:
        return self.root / self.session_date / _SAFE_ID.sub("_", job_id)

    def save_variant(
        self,
        job_id: str,
        index: int,
        *,
        raw: bytes,
        request: dict[str, Any],
        response: dict[str, Any],
        mask_png: bytes | None = None,
        protected_png: bytes | None = None,
        mapped_png: bytes | None = None,
    ) -> SavedVariant:
        """Write one variant and its sidecar; ``OSError`` if the disk refuses (nothing half-written)."""
        directory = self.job_dir(job_id)
        raw_path = atomic_write_bytes(directory / f"variant-{index}.{_ext_for(raw)}", raw)
        mask_path = None
        if mask_png is not None:
            mask_path = directory / "mask.png"
            if not mask_path.exists():
                atomic_write_bytes(mask_path, mask_png)
        mapped_path = None
        if mapped_png is not None:
            mapped_path = atomic_write_bytes(directory / f"variant-{index}-fullsize.png", mapped_png)
        protected_path = None
        if protected_png is not None:
            protected_path = atomic_write_bytes(directory / f"variant-{index}-protected.png", protected_png)
        sidecar = {
            "job_id": job_id,
            "index": index,
            "saved_at": _dt.datetime.now(_dt.timezone.utc).isoformat(),
            "request": {k: request[k] for k in _REQUEST_FIELDS if k in request},
            "response": response,
            "files": {
                "raw": raw_path.name,
                "fullsize": mapped_path.name if mapped_path else None,
                "protected": protected_path.name if protected_path else None,
                "mask": mask_path.name if mask_path else None,
            },
        }
        sidecar_path = atomic_write_json(directory / f"variant-{index}.json", redact_obj(sidecar))
        return SavedVariant(directory, raw_path, sidecar_path, mask_path, protected_path, mapped_path)


def _subdirs(directory: Path) -> list[Path]:
    try:
        return [Path(e.path) for e in os.scandir(directory) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
