"""Crash-safe file writes: a file is either the old version or the complete new one, never half.

The temporary file of a write is named after its owner, ``.<name>.<host>-<pid>.<random>.tmp``, so
one left behind by a process that was killed mid-write (kill -9, a power cut) can be recognised
and removed by the next process that starts (``remove_stale_temp_files``), while the temporary
file of a write still going on in another process or on another machine is left alone.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Temporary files of writers from before owners were named: removed once they are this old.
_ANONYMOUS_TEMP_AGE_S = 3600
_OWNED_TEMP = re.compile(r"^\..+\.(?P<host>[0-9a-f]{6})-(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp$")
_ANONYMOUS_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
# Errors of file systems without hard links (FAT, some network shares).
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS}


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


_HOST = _host_tag()


def process_running(pid: int) -> bool:
    """Whether process ``pid`` of this machine is alive (True when that cannot be told safely)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        # No harmless liveness probe without extra packages (os.kill would end the process). A file
        # another process still has open cannot be deleted there anyway, so "ended" is safe.
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    except OSError:
        return True
    return True


def _write_temp(target: Path, data: bytes) -> str:
    """``data`` in a new fsynced temporary file beside ``target``; its path. Nothing left on failure."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{_HOST}-{os.getpid()}.", suffix=".tmp",
                                    dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _unlink(tmp_name)
        raise
    return tmp_name


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename it into place.

    Raises ``OSError`` (for example on a full disk) with the target left untouched and no
    temporary file left behind.
    """
    target = Path(path)
    tmp_name = _write_temp(target, data)
    try:
        os.replace(tmp_name, target)
    except BaseException:
        _unlink(tmp_name)
        raise
    _fsync_dir(target.parent)
    return target


def atomic_write_new(path: str | os.PathLike[str], data: bytes) -> Path:
    """Like ``atomic_write_bytes``, but ``FileExistsError`` when ``path`` exists: never overwrites.

    The name is claimed atomically (a hard link of the complete temporary file), so two processes
    that pick the same name at the same moment cannot both have it.
    """
    target = Path(path)
    tmp_name = _write_temp(target, data)
    try:
        try:
            os.link(tmp_name, target)
        except OSError as exc:
            if isinstance(exc, FileExistsError) or exc.errno not in _NO_LINKS:
                raise
            # No hard links here: claim the name with an exclusive create, then fill it by rename.
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            try:
                os.replace(tmp_name, target)
            except BaseException:
                _unlink(str(target))  # the empty claim, not someone else's file
                raise
    finally:
        _unlink(tmp_name)
    _fsync_dir(target.parent)
    return target


def atomic_write_json(path: str | os.PathLike[str], obj: Any, *, new: bool = False) -> Path:
    """``obj`` as indented JSON, atomically; with ``new``, never over an existing file."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write = atomic_write_new if new else atomic_write_bytes
    return write(path, text.encode("utf-8"))


def remove_stale_temp_files(directory: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files in ``directory`` whose writer is gone; the paths removed.

    A writer is gone when its process no longer runs on this machine. Temporary files of other
    machines are left alone (their processes cannot be checked from here), as are unnamed ones
    (from versions before owners were named) younger than an hour.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(".tmp")):
            continue
        owned = _OWNED_TEMP.match(entry.name)
        if owned:
            stale = owned["host"] == _HOST and not process_running(int(owned["pid"]))
        elif _ANONYMOUS_TEMP.match(entry.name):
            try:
                stale = now - entry.stat(follow_symlinks=False).st_mtime > _ANONYMOUS_TEMP_AGE_S
            except OSError:
                stale = False
        else:
            stale = False
        if stale and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass  # in use (Windows) or already gone: the next start tries again
    return removed


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def _fsync_dir(directory: Path) -> None:
    # Make the rename itself durable; not every platform can open a directory.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
