"""``inpaint-desktop models``: the effective model table and what the configured server says.

Prints each model's sizes, qualities, price rule, shutdown date and state, where each fact came from
(packaged table, the user's ``models.json``, the server's ``GET /v1/models``) and whether the
server lists it. The server's list is read when a server or an API key is configured (not with
``--no-server``); a server that fails is reported in one line and the table is printed anyway.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from typing import Any

from inpaint_desktop.cli import EXIT_INVALID, EXIT_OK
from inpaint_desktop.core.availability import ModelOffer, offer_models
from inpaint_desktop.core.models import PACKAGED, SERVER, CapabilityTable, ModelCaps, looks_like_image_model

# Fact -> the table keys it is made of (its origin is the user file if any of them came from there).
_FACTS = {
    "sizes": ("sizes", "custom_sizes", "custom_size_rules"),
    "qualities": ("qualities", "complexities"),
    "formats": ("formats", "generate_formats"),
    "prices": ("price_text_in", "price_image_in", "price_image_out", "price_text_out"),
    "token_rule": ("token_rule", "output_tokens", "quality_factors", "quality_floor"),
    "shutdown_date": ("shutdown_date", "replacement"),
}


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.set_defaults(command=name)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--base-url", help="OpenAI-compatible server whose model list to read "
                                           "(default: OPENAI_BASE_URL or OpenAI)")
    parser.add_argument("--no-server", action="store_true", help="do not read the server's model list")
    parser.add_argument("-v", "--sources", action="store_true",
                        help="also print where each fact was published (official, third-party, inferred)")


def _server_models(args: argparse.Namespace) -> tuple[dict[str, _dt.date | None] | None, str, bool]:
    """The server's image models (id -> shutdown date) or None, a note on how that went, and official."""
    from inpaint_desktop.api import errors as E
    from inpaint_desktop.api.client import OpenAIBackend
    from inpaint_desktop.api.config import is_openai_url, resolve_config

    config = resolve_config(base_url=args.base_url, read_timeout=30, max_retries=0)
    official = is_openai_url(config.base_url)
    if args.no_server:
        return None, "server list not read (--no-server)", official
    if not (config.api_key or config.base_url_configured):
        return None, "server list not read (no API key or base URL configured)", official
    try:
        with OpenAIBackend(config) as backend:
            listed = backend.list_models()
    except E.ApiError as exc:
        return None, f"could not read {config.endpoint}/models: {exc.message}", official
    models = {m.id: m.shutdown_date for m in listed if looks_like_image_model(m.id, m.owned_by)}
    return models, f"{len(models)} image model(s) listed by {config.endpoint}", official


def _origin(caps: ModelCaps, fact: str, offer: ModelOffer) -> str:
    if fact == "shutdown_date" and offer.date_from == "server":
        return SERVER
    if not caps.known:
        return "defaults"  # an id the table does not know: the conservative defaults apply
    keys = [k for k in _FACTS[fact] if k in caps.origins]
    origins = {caps.origins[k] for k in keys}
    return next((o for o in origins if o != PACKAGED), PACKAGED)


def _money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:g}"


def _price_rule(caps: ModelCaps) -> str:
    prices = (f"text in {_money(caps.price_text_in)}, image in {_money(caps.price_image_in)}, "
              f"image out {_money(caps.price_image_out)}, text out {_money(caps.price_text_out)} "
              "per 1M tokens")
    if caps.token_rule == "formula":
        rule = f"output tokens by the gpt-image-2 formula ({', '.join(caps.quality_factors)})"
    elif caps.token_rule == "table":
        rule = f"output tokens from the token table ({', '.join(caps.output_tokens)})"
    else:
        rule = "no token rule: estimates say unknown"
    floors = [f"{q} at least {f}" for q, f in caps.quality_floor.items()]
    return f"{prices}; {rule}" + (f"; {', '.join(floors)}" if floors else "")


def _sizes(caps: ModelCaps) -> str:
    text = ", ".join(caps.sizes)
    if caps.custom_sizes:
        r = caps.custom_size_rules
        text += (f", custom WxH (multiples of {r.multiple}, long edge <= {r.max_long_edge}, "
                 f"aspect 1:{r.max_aspect:g} to {r.max_aspect:g}:1)")
    return text


def _record(table: CapabilityTable, offer: ModelOffer, default: str) -> dict[str, Any]:
    caps = table.get(offer.id)
    return {
        "id": offer.id, "label": caps.label, "family": caps.family, "known": caps.known,
        "default": offer.id == default, "state": offer.state, "offered": offer.offered,
        "note": offer.note,
        "shutdown_date": offer.shutdown_date.isoformat() if offer.shutdown_date else None,
        "table_shutdown_date": caps.shutdown_date.isoformat() if caps.shutdown_date else None,
        "replacement": caps.replacement, "listed_by_server": offer.listed,
        "sizes": list(caps.sizes), "custom_sizes": caps.custom_sizes, "sizes_text": _sizes(caps),
        "qualities": list(caps.qualities), "complexities": list(caps.complexities),
        "edit_formats": list(caps.formats), "generate_formats": list(caps.formats_for(generate=True)),
        "params": sorted(caps.params), "edit_params": sorted(caps.edit_params),
        "input_fidelities": list(caps.input_fidelities),
        "prices_per_1m": {"text_in": caps.price_text_in, "image_in": caps.price_image_in,
                          "image_out": caps.price_image_out, "text_out": caps.price_text_out},
        "token_rule": caps.token_rule, "price_rule": _price_rule(caps),
        "from": {fact: _origin(caps, fact, offer) for fact in _FACTS},
        "sources": dict(caps.sources),
    }


def _print_text(records: list[dict[str, Any]], notes: list[str], *, sources: bool) -> None:
    for r in records:
        flags = [w for w, on in (("default", r["default"]), ("not offered", not r["offered"])) if on]
        print(f"{r['id']}  ({r['label']}; family {r['family']})"
              + (f"  [{', '.join(flags)}]" if flags else ""))
        state = r["note"] or "active"
        if r["table_shutdown_date"] and not r["shutdown_date"]:
            state += f" (OpenAI's shutdown date {r['table_shutdown_date']} does not apply to this server)"
        listed = {True: "yes", False: "no", None: "unknown"}[r["listed_by_server"]]
        print(f"  state: {state}; listed by the server: {listed}")
        print(f"  sizes: {r['sizes_text']}")
        complexity = f"; complexity: {', '.join(r['complexities'])}" if r["complexities"] else ""
        print(f"  qualities: {', '.join(r['qualities'])}{complexity}")
        print(f"  formats: edits {', '.join(r['edit_formats'])}; "
              f"generations {', '.join(r['generate_formats'])}")
        print(f"  price: {r['price_rule']}")
        origins = r["from"]
        if set(origins.values()) == {PACKAGED}:
            print("  from: the packaged table")
        else:
            print("  from: " + ", ".join(f"{fact} {origin}" for fact, origin in origins.items()))
        for fact, source in r["sources"].items() if sources else ():
            print(f"  source of {fact}: {source}")
    for note in notes:
        print(note)


def run(args: argparse.Namespace) -> int:
    from inpaint_desktop.store.user_models import load_model_table, user_models_path

    table = load_model_table()
    for problem in table.problems:
        print(f"warning: {problem}", file=sys.stderr)
    try:
        server, server_note, official = _server_models(args)
    except ValueError as exc:  # a malformed base URL or setting
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    effective = table.with_ids(server or {}, keep_all=True)
    offers = offer_models(effective, server, official=official, today=_dt.date.today())
    records = [_record(effective, o, table.default_model) for o in offers]
    user_file = user_models_path()
    notes = [f"default model: {table.default_model} (from the {table.default_model_origin})",
             f"user table: {user_file}" + ("" if user_file.exists() else " (none)"),
             server_note,
             "shutdown dates: " + ("OpenAI's apply (this is OpenAI's API)" if official
                                   else "only the server's own apply (not OpenAI's API)")]
    if args.json:
        print(json.dumps({"models": records, "default_model": table.default_model,
                          "user_file": str(user_file), "server": server_note, "official_api": official,
                          "problems": [str(p) for p in table.problems]}, indent=2))
    else:
        _print_text(records, notes, sources=args.sources)
    return EXIT_OK
