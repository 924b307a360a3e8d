"""The autosave folder: written atomically, removed on a clean exit, offered back after a crash."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from inpaint_desktop.store.autosave import AutosaveStore


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    return int(proc.stdout)


def test_session_files_and_clean_discard(tmp_path: Path) -> None:
    store = AutosaveStore(tmp_path)
    assert store.save_mask(b"mask", prompt="x") is None  # nothing to save before a photo
    store.save_image(b"jpeg-bytes", "jpg", source_path="/photos/a.jpg")
    store.save_mask(b"png-bytes", prompt="a calm sea")
    state = json.loads((store.directory / "state.json").read_text())
    assert state["image"] == "image.jpg" and state["prompt"] == "a calm sea"
    assert (store.directory / "mask.png").read_bytes() == b"png-bytes"
    # A new photo replaces the old copy and its mask.
    store.save_image(b"png", "png", source_path=None)
    assert sorted(p.name for p in store.directory.iterdir()) == ["image.png", "state.json"]
    # This process is alive: its own session and other live ones are not recoveries.
    assert AutosaveStore(tmp_path).recoveries() == []
    store.discard()
    assert not store.directory.exists()


def test_a_dead_session_is_a_recovery_newest_first(tmp_path: Path) -> None:
    older, newer = AutosaveStore(tmp_path), AutosaveStore(tmp_path)
    newer.directory = tmp_path / "newer"
    for store, when in ((older, "2026-01-01T10:00:00"), (newer, "2026-02-01T10:00:00")):
        store.save_image(b"img", "png", source_path="/p/photo.png")
        store.save_mask(b"msk", prompt="p")
        state = json.loads((store.directory / "state.json").read_text())
        state.update(pid=_dead_pid(), saved_at=when)
        (store.directory / "state.json").write_text(json.dumps(state))
    (tmp_path / "junk").mkdir()  # unreadable leftovers are skipped, not fatal
    (tmp_path / "junk" / "state.json").write_text("{not json")
    found = AutosaveStore(tmp_path).recoveries()
    assert [r.directory for r in found] == [newer.directory, older.directory]
    assert found[0].mask is not None and found[0].prompt == "p" and "photo.png" in found[0].label
    AutosaveStore.remove(found[0])
    assert not newer.directory.exists()
