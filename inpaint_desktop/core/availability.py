"""Which models to offer, given the table, the server's model list and today's date.

A pure rule shared by the GUI and the CLI; ``today`` is always passed in (never read from the
clock here), so tests fix it.

- On OpenAI's own API (``official``), shutdown dates apply: the server's date for a model when its
  list gives one, else the table's. A model past its date is not offered; one within
  ``NEAR_SHUTDOWN_DAYS`` is offered with the date and its replacement.
- On any other server (a gateway, ``inpaint-desktop serve``) the server's own list decides what is
  offered; OpenAI's dates from the table do not apply there (only dates that server reports).
  While that list is unknown, the table's models are offered as they are.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from inpaint_desktop.core.models import CapabilityTable

NEAR_SHUTDOWN_DAYS = 30

State = Literal["active", "shutting_down", "shut_down"]
DateFrom = Literal["table", "server"]
# A server's model list as the rule needs it: image model id -> shutdown date (None: none announced).
ServerModels = Mapping[str, "_dt.date | None"]


@dataclass(frozen=True)
class ModelOffer:
    """One model as the user is offered it (or why not)."""

    id: str
    label: str
    state: State
    offered: bool
    shutdown_date: _dt.date | None = None  # the date that applies on this server (None: none)
    date_from: DateFrom | None = None
    replacement: str | None = None
    listed: bool | None = None  # by the configured server; None while its list is unknown
    days_left: int | None = None

    @property
    def note(self) -> str:
        """``shuts down 2026-12-20 (in 19 days); use X instead`` and the like; empty when active."""
        if self.state == "active" or self.shutdown_date is None:
            return ""
        use = f"; use {self.replacement} instead" if self.replacement else ""
        if self.state == "shut_down":
            return f"shut down on {self.shutdown_date.isoformat()}{use}"
        when = "today" if self.days_left == 0 else (
            "tomorrow" if self.days_left == 1 else f"in {self.days_left} days")
        return f"shuts down {self.shutdown_date.isoformat()} ({when}){use}"


def _state(date: _dt.date | None, today: _dt.date) -> tuple[State, int | None]:
    if date is None:
        return "active", None
    days = (date - today).days
    if days <= 0:
        return "shut_down", days  # the shutdown date is the first day it no longer answers
    return ("shutting_down" if days <= NEAR_SHUTDOWN_DAYS else "active"), days


def offer_models(
    table: CapabilityTable, server: ServerModels | None, *, official: bool, today: _dt.date,
) -> list[ModelOffer]:
    """Every model of the table and of the server's list, each with its state and whether it is offered.

    ``server`` holds the server's image models (id -> its ``shutdown_date``), or None when the list
    is not known (not fetched, or the server failed to give it). Order: the table's, then models
    only the server lists, in its order.
    """
    ids = list(table.ids()) + [i for i in (server or {}) if i not in table.ids()]
    out = []
    date_from: Literal["table", "server"] | None
    for model_id in ids:
        caps = table.get(model_id)
        listed = None if server is None else model_id in server
        server_date = server.get(model_id) if server is not None else None
        if server_date is not None:
            date, date_from = server_date, "server"
        elif official and caps.shutdown_date is not None:
            date, date_from = caps.shutdown_date, "table"
        else:
            date, date_from = None, None
        state, days = _state(date, today)
        if state == "shut_down":
            offered = False
        elif official:
            offered = True  # a list that lacks a table model (no access yet) does not hide it
        else:
            offered = listed is not False
        out.append(ModelOffer(
            id=model_id, label=caps.label, state=state, offered=offered, shutdown_date=date,
            date_from=date_from, replacement=caps.replacement, listed=listed, days_left=days,
        ))
    return out


def offer_for(
    table: CapabilityTable, model_id: str, server: ServerModels | None, *, official: bool, today: _dt.date,
) -> ModelOffer:
    """The offer of one model id, listed anywhere or not (an unlisted id on OpenAI is tried as is)."""
    for offer in offer_models(table.with_ids([model_id], keep_all=True), server, official=official,
                              today=today):
        if offer.id == model_id:
            return offer
    raise AssertionError("with_ids always lists the id")  # pragma: no cover


def default_choice(offers: list[ModelOffer], preferred: str) -> str | None:
    """``preferred`` when it is offered, else the first offered model (None when none is)."""
    offered = [o.id for o in offers if o.offered]
    if preferred in offered:
        return preferred
    return offered[0] if offered else None
