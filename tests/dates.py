"""A ``date`` whose ``today()`` is fixed, to stand in for the clock where code reads it."""

from __future__ import annotations

import datetime as dt


def fixed_date(year: int, month: int, day: int) -> type[dt.date]:
    """A ``datetime.date`` subclass whose ``today()`` is the given day."""

    class FixedDate(dt.date):
        @classmethod
        def today(cls) -> FixedDate:
            return cls(year, month, day)

    return FixedDate
