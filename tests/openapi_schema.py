"""Validate request and response bodies against the official OpenAPI description of the images API.

The spec file is a copy in tests/data (MIT licence beside it), so tests pass without ../shared.
Multipart forms carry text; ``form_to_object`` turns a parsed form into the JSON-shaped object the
schema describes (integers and booleans parsed the way the API parses them, file parts as
placeholder strings) so the same schema validates both encodings.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parent / "data" / "openai-images-openapi.json"
_URI = "urn:openai-images-openapi"


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@cache
def _validator(schema_name: str) -> jsonschema.Draft202012Validator:
    registry: Registry = Registry().with_resource(
        _URI, Resource.from_contents(spec(), default_specification=DRAFT202012)
    )
    return jsonschema.Draft202012Validator(
        {"$ref": f"{_URI}#/components/schemas/{schema_name}"}, registry=registry
    )


def validate(instance: Any, schema_name: str) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``instance`` matches the named schema."""
    _validator(schema_name).validate(instance)


def errors(instance: Any, schema_name: str) -> list[str]:
    return [e.message for e in _validator(schema_name).iter_errors(instance)]


def _schema_type(prop: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    if "type" in prop:
        t = prop["type"]
        found.update([t] if isinstance(t, str) else t)
    for alt in prop.get("anyOf", []) + prop.get("oneOf", []):
        if "$ref" in alt:
            name = alt["$ref"].rsplit("/", 1)[-1]
            found |= _schema_type(spec()["components"]["schemas"][name])
        else:
            found |= _schema_type(alt)
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        found |= _schema_type(spec()["components"]["schemas"][name])
    return found


def form_to_object(
    fields: dict[str, list[str]], files: dict[str, list[bytes]], schema_name: str
) -> dict[str, Any]:
    """Map a parsed multipart form onto the schema's object shape.

    ``fields``: text parts by name; ``files``: file parts by name (``image[]`` kept under its
    bracketed name and mapped to the array form of ``image``).
    """
    props = spec()["components"]["schemas"][schema_name]["properties"]
    obj: dict[str, Any] = {}
    for name, values in fields.items():
        if len(values) != 1:
            raise ValueError(f"text field {name!r} sent {len(values)} times")
        value = values[0]
        types = _schema_type(props.get(name, {}))
        if "integer" in types:
            obj[name] = int(value)
        elif "boolean" in types:
            if value not in ("true", "false"):
                raise ValueError(f"boolean field {name!r} sent as {value!r}")
            obj[name] = value == "true"
        else:
            obj[name] = value
    for name, parts in files.items():
        if name == "image[]":
            obj["image"] = ["<binary>"] * len(parts)
        elif len(parts) != 1:
            raise ValueError(f"file field {name!r} sent {len(parts)} times")
        else:
            obj[name] = "<binary>"
    return obj
