"""Real processes for tests: one frozen in the middle of an atomic write, to be killed or kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Writes argv[1] atomically, but its fsync never returns: the temporary file is complete on disk
# and the rename has not happened, which is where a kill -9 or a power cut hurts.
_FROZEN_WRITER = """
import sys, time
from inpaint_desktop.store import atomic
def stuck(fd):
    print("writing", flush=True)
    time.sleep(120)
atomic.os.fsync = stuck
atomic.atomic_write_bytes(sys.argv[1], b"x" * int(sys.argv[2]))
"""


def repo_env(**extra: str) -> dict[str, str]:
    """The environment for a child ``python`` that imports this checkout."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def frozen_writer(target: Path, size: int = 2_000_000) -> subprocess.Popen[str]:
    """A real process stopped in the middle of an atomic write of ``target`` (its temp file exists).

    Stop it with ``proc.kill(); proc.communicate()``.
    """
    proc = subprocess.Popen([sys.executable, "-c", _FROZEN_WRITER, str(target), str(size)], env=repo_env(),
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    return proc
