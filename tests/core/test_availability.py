"""Which models are offered: shutdown dates from the table and the server, OpenAI's API or another server."""

from __future__ import annotations

from datetime import date

import pytest

from inpaint_desktop.core.availability import default_choice, offer_for, offer_models
from inpaint_desktop.core.models import load_capabilities

TABLE = load_capabilities()


def by_id(offers):  # type: ignore[no-untyped-def]
    return {o.id: o for o in offers}


def test_on_openai_models_past_shutdown_are_not_offered() -> None:
    offers = by_id(offer_models(TABLE, None, official=True, today=date(2026, 12, 1)))
    for gone in ("gpt-image-1.5", "gpt-image-1.5-2025-12-16", "gpt-image-1-mini", "chatgpt-image-latest",
                 "gpt-image-1"):
        assert offers[gone].state == "shut_down" and not offers[gone].offered
    assert offers["gpt-image-1.5"].note == "shut down on 2026-12-01; use gpt-image-2.6-sunburst instead"
    assert all(offers[m].offered and offers[m].state == "active" for m in (
        "gpt-image-2.6-sunburst", "gpt-image-2.6-flare", "gpt-image-2.5-flare", "gpt-image-2"))


def test_within_30_days_the_date_and_replacement_are_shown() -> None:
    offers = by_id(offer_models(TABLE, None, official=True, today=date(2026, 11, 20)))
    soon = offers["gpt-image-1.5"]
    assert soon.offered and soon.state == "shutting_down" and soon.days_left == 11
    assert soon.note == "shuts down 2026-12-01 (in 11 days); use gpt-image-2.6-sunburst instead"
    assert offers["gpt-image-1-mini"].note.endswith("use gpt-image-2.6-flare instead")
    far = by_id(offer_models(TABLE, None, official=True, today=date(2026, 10, 1)))["gpt-image-1.5"]
    assert far.offered and far.state == "active" and far.note == ""
    last_day = by_id(offer_models(TABLE, None, official=True, today=date(2026, 11, 30)))["gpt-image-1.5"]
    assert last_day.offered and "(tomorrow)" in last_day.note


def test_server_dates_win_on_openai_and_null_means_none_announced() -> None:
    server = {"gpt-image-2": date(2026, 12, 15),          # near: announced by the server
              "gpt-image-2.5-flare": date(2026, 11, 30),  # past
              "gpt-image-2.6-sunburst": None,             # none announced
              "gpt-image-2.6-flare": date(2027, 6, 1)}    # far
    offers = by_id(offer_models(TABLE, server, official=True, today=date(2026, 12, 1)))
    near = offers["gpt-image-2"]
    assert near.offered and near.state == "shutting_down" and near.date_from == "server"
    assert near.note == "shuts down 2026-12-15 (in 14 days)"  # the table names no replacement for it
    assert not offers["gpt-image-2.5-flare"].offered and offers["gpt-image-2.5-flare"].date_from == "server"
    assert offers["gpt-image-2.6-sunburst"].state == "active" and offers["gpt-image-2.6-sunburst"].listed
    assert offers["gpt-image-2.6-flare"].state == "active"
    # A table model the list lacks is still offered on OpenAI (the account may lack the listing).
    assert offers["gpt-image-2.5-sunburst"].offered and offers["gpt-image-2.5-sunburst"].listed is False
    # The table's own date still applies where the server gives none.
    assert not offers["gpt-image-1.5"].offered and offers["gpt-image-1.5"].date_from == "table"


def test_another_server_decides_by_its_own_list() -> None:
    server = {"gpt-image-1.5": None, "house-image-v3": None, "legacy-image": date(2026, 1, 1)}
    offers = offer_models(TABLE.with_ids(server, keep_all=True), server, official=False,
                          today=date(2026, 12, 1))
    offered = [o.id for o in offers if o.offered]
    # OpenAI's shutdown of gpt-image-1.5 does not apply to a gateway that still serves it.
    assert offered == ["gpt-image-1.5", "house-image-v3"]
    assert by_id(offers)["legacy-image"].state == "shut_down"  # the server's own date applies
    assert by_id(offers)["gpt-image-2.6-sunburst"].listed is False


def test_another_server_whose_list_is_unknown_offers_the_table_without_openai_dates() -> None:
    offers = offer_models(TABLE, None, official=False, today=date(2026, 12, 1))
    assert all(o.offered and o.state == "active" for o in offers)
    assert [o.id for o in offers] == TABLE.ids()


@pytest.mark.parametrize(("official", "state"), [(True, "shut_down"), (False, "active")])
def test_offer_for_one_id(official: bool, state: str) -> None:
    offer = offer_for(TABLE, "gpt-image-1", None, official=official, today=date(2026, 12, 1))
    assert offer.state == state
    assert offer_for(TABLE, "gpt-image-2.7-blaze", None, official=True, today=date(2026, 12, 1)).offered


def test_default_choice_falls_back_to_the_first_offered() -> None:
    offers = offer_models(TABLE, {"gpt-image-2.6-sunburst": date(2026, 11, 1)}, official=True,
                          today=date(2026, 12, 1))
    assert default_choice(offers, "gpt-image-2.6-sunburst") == "gpt-image-2.6-flare"
    assert default_choice(offers, "gpt-image-2") == "gpt-image-2"
