"""Work around a reference-counting fault of the Qt bindings on Python 3.10 and 3.11.

PySide6 6.12 returns ``None`` (and, in a few places, ``True``/``False``) from C++ calls without
taking a reference. From Python 3.12 on these objects are immortal, so nothing happens; on 3.10
and 3.11 every such call lowers their reference count by one, and after a few thousand canvas
repaints the interpreter aborts with "deallocating None". Raising the counts by a huge margin once
makes them effectively immortal there too: it leaks nothing, as these objects are never freed.
"""

from __future__ import annotations

import ctypes
import sys

_MARGIN = 1 << 40
_done = False


def protect_singletons() -> None:
    """Make None/True/False immune to the under-counting (idempotent; no-op on Python >= 3.12)."""
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for obj in (None, True, False, NotImplemented, Ellipsis):
        # ob_refcnt is the first field of every CPython object.
        ctypes.c_ssize_t.from_address(id(obj)).value += _MARGIN
    _done = True
