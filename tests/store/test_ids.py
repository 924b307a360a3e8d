"""Job ids: unique across real processes started at once, ordered by time, safe as names."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from inpaint_desktop.store.ids import new_job_id

ROOT = Path(__file__).resolve().parents[2]
SAFE = re.compile(r"^\d{8}-\d{6}-\d{3}-[0-9a-z]{8}$")
COUNT = 3000

# Waits for the "go" file, then makes ids as fast as it can and prints them.
_MAKER = f"""
import os, sys, time
from inpaint_desktop.store.ids import new_job_id
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.001)
print("\\n".join(new_job_id() for _ in range({COUNT})))
"""


def test_two_processes_started_at_once_never_share_an_id(tmp_path: Path) -> None:
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", _MAKER, str(go)], env=env, stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    time.sleep(0.5)  # both interpreters are up and polling (not a timing assertion: only a head start)
    go.touch()
    lists = [p.communicate(timeout=60)[0].split() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    a, b = lists
    assert len(a) == len(b) == COUNT
    assert not set(a) & set(b)
    for ids in lists:
        assert ids == sorted(ids) and len(set(ids)) == COUNT  # strictly increasing in each process
        assert all(SAFE.match(i) for i in ids)


def test_ids_follow_the_clock_and_read_as_utc() -> None:
    before = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() - 1))
    first, second = new_job_id(), new_job_id()
    after = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() + 1))
    assert before <= first[:15] <= after
    assert first < second
