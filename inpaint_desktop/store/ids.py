"""Job ids: unique across processes and machines, ordered by time, safe as folder and file names.

``20261201-080142-123-k3v9q2mx``: the UTC date and time to the millisecond (so ids sort in the
order jobs were created, whatever the time zone or a daylight-saving change), then 40 random bits
in lower-case base32 (so two app windows, two CLI runs or two machines writing to one shared folder
never pick the same id, even in the same millisecond). Only ``[0-9a-z-]``: valid on every file
system, the same on case-insensitive ones.
"""

from __future__ import annotations

import secrets
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base32: no i, l, o, u
_lock = threading.Lock()
_last_ms = 0


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def new_job_id() -> str:
    """A new job id (see the module docstring). Strictly increasing within one process."""
    global _last_ms
    with _lock:
        # A clock that steps back (NTP) or two ids in one millisecond must not break the order.
        ms = max(_now_ms(), _last_ms + 1)
        _last_ms = ms
    seconds, millis = divmod(ms, 1000)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(seconds))
    bits = secrets.randbits(40)
    suffix = "".join(_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"{stamp}-{millis:03d}-{suffix}"
