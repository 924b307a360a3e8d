from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inpaint_desktop.store.atomic import (
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_new,
    remove_stale_temp_files,
)
from inpaint_desktop.store.results import ResultsLibrary
from tests.processes import frozen_writer, repo_env


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.bin"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["a.bin"]


def test_failure_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    atomic_write_json(target, {"v": 1})

    class Boom:
        pass

    with pytest.raises(TypeError):
        atomic_write_json(target, {"v": Boom()})
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_write_new_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "result.png"
    atomic_write_new(target, b"first")
    with pytest.raises(FileExistsError):
        atomic_write_new(target, b"second")
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["result.png"]  # no temporary file left


_CLAIMER = """
import os, sys, time
from inpaint_desktop.store.atomic import atomic_write_new
while not os.path.exists(sys.argv[2]):
    time.sleep(0.0005)
try:
    atomic_write_new(sys.argv[1], sys.argv[3].encode() * 100_000)
    print("won")
except FileExistsError:
    print("lost")
"""


def test_two_processes_claiming_one_name_at_once_get_it_once(tmp_path: Path) -> None:
    for round_ in range(5):
        target, go = tmp_path / f"r{round_}.png", tmp_path / f"go{round_}"
        procs = [subprocess.Popen([sys.executable, "-c", _CLAIMER, str(target), str(go), tag], env=repo_env(),
                                  stdout=subprocess.PIPE, text=True) for tag in "ab"]
        go.touch()
        results = [p.communicate(timeout=60)[0].strip() for p in procs]
        assert sorted(results) == ["lost", "won"]
        winner = "ab"[results.index("won")]
        assert target.read_bytes() == winner.encode() * 100_000
    assert not list(tmp_path.glob(".*.tmp"))


def _stale_and_live(folder: Path) -> tuple[Path, subprocess.Popen[str]]:
    killed = frozen_writer(folder / "variant-0.png")
    killed.kill()
    killed.communicate(timeout=10)
    [left] = folder.glob(".variant-0.png.*.tmp")
    alive = frozen_writer(folder / "variant-1.png")
    return left, alive


def test_stale_temp_files_of_dead_processes_are_removed_live_ones_kept(tmp_path: Path) -> None:
    left, alive = _stale_and_live(tmp_path)
    try:
        other_host = tmp_path / ".x.png.000000-1.abcdefgh.tmp"  # another machine's write in progress
        other_host.write_bytes(b"x")
        old_style = tmp_path / ".y.png.k2j4h5g6.tmp"  # from before owners were named
        old_style.write_bytes(b"y")
        new_old_style = tmp_path / ".z.png.q1w2e3r4.tmp"
        new_old_style.write_bytes(b"z")
        two_hours_ago = time.time() - 7200
        os.utime(old_style, (two_hours_ago, two_hours_ago))
        assert sorted(remove_stale_temp_files(tmp_path)) == sorted([left, old_style])
        assert not left.exists() and not old_style.exists()
        assert other_host.exists() and new_old_style.exists()
        assert list(tmp_path.glob(".variant-1.png.*.tmp"))
    finally:
        alive.kill()
        alive.communicate(timeout=10)


def test_the_results_library_cleans_every_job_folder(tmp_path: Path) -> None:
    library = ResultsLibrary(tmp_path, session_date="2026-11-30")
    left, alive = _stale_and_live(library.job_dir("20261130-101010-000-aaaaaaaa"))
    try:
        assert library.remove_stale_temp_files() == [left]
        assert not left.exists()
    finally:
        alive.kill()
        alive.communicate(timeout=10)
