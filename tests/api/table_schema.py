"""The official spec, with the values newer models accept added from the capability table.

The spec file in tests/data predates gpt-image-2.5/2.6: it lacks ``complexity``, the ``xhigh``/``max``
qualities and the ``gif``/``svg`` output formats. Rather than loosening the schema check, the enums
are extended with exactly the values the packaged table lists (and ``complexity`` is added with the
table's values), so every other rule of the spec still applies to every request.

The spec also says nothing about which model takes which optional field; ``model_problems`` checks
that against the table the way the real API refuses (gpt-image-2 and ``input_fidelity`` gives
``invalid_input_fidelity_model``; a field a model does not take gives ``unknown_parameter``).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from inpaint_desktop.core.models import load_capabilities
from tests.openapi_schema import spec

_URI = "urn:openai-images-openapi-extended"
REQUEST_SCHEMAS = ("CreateImageEditRequest", "CreateImageRequest")


def _table_values() -> dict[str, set[str]]:
    table = load_capabilities()
    out: dict[str, set[str]] = {"quality": set(), "complexity": set(), "edit_formats": set(),
                                "generate_formats": set()}
    for model_id in table.ids():
        caps = table.get(model_id)
        out["quality"] |= set(caps.qualities)
        out["complexity"] |= set(caps.complexities)
        out["edit_formats"] |= set(caps.formats)
        out["generate_formats"] |= set(caps.formats_for(generate=True))
    return out


def _extend(enum_holder: dict[str, Any], values: set[str]) -> None:
    enum_holder["enum"] = [*enum_holder["enum"], *sorted(values - set(enum_holder["enum"]))]


@cache
def extended_spec() -> dict[str, Any]:
    data = copy.deepcopy(spec())
    schemas = data["components"]["schemas"]
    values = _table_values()
    for name, formats in (("CreateImageEditRequest", values["edit_formats"]),
                          ("CreateImageRequest", values["generate_formats"]),
                          ("ImagesResponse", values["generate_formats"])):
        props = schemas[name]["properties"]
        _extend(props["quality"], values["quality"])
        _extend(props["output_format"], formats)
        if name != "ImagesResponse":
            props["complexity"] = {"type": "string", "enum": sorted(values["complexity"]), "nullable": True,
                                   "description": "Added from the capability table (gpt-image-2.6)."}
    return data


@cache
def _validator(schema_name: str) -> jsonschema.Draft202012Validator:
    registry: Registry = Registry().with_resource(
        _URI, Resource.from_contents(extended_spec(), default_specification=DRAFT202012))
    return jsonschema.Draft202012Validator({"$ref": f"{_URI}#/components/schemas/{schema_name}"},
                                           registry=registry)


def errors(instance: Any, schema_name: str) -> list[str]:
    """Schema errors, plus any field the (extended) schema does not define: the API refuses those."""
    found = [e.message for e in _validator(schema_name).iter_errors(instance)]
    props = extended_spec()["components"]["schemas"][schema_name]["properties"]
    if isinstance(instance, dict):
        found += [f"unknown_parameter: {k}" for k in instance if k not in props]
    return found


def validate(instance: Any, schema_name: str) -> None:
    _validator(schema_name).validate(instance)


_OPTIONAL = ("quality", "size", "output_format", "output_compression", "background", "moderation",
             "input_fidelity", "stream", "partial_images", "user", "complexity")


def model_problems(obj: dict[str, Any], *, generate: bool) -> list[str]:
    """Fields a listed model does not take, refused as the real API refuses them."""
    model = obj.get("model")
    if not isinstance(model, str):
        return []
    caps = load_capabilities().get(model)
    if not caps.known:
        return []  # a gateway's own model: only the spec applies
    accepted = caps.params_for(generate=generate)
    out = []
    for name in _OPTIONAL:
        if name in obj and name not in accepted:
            code = "invalid_input_fidelity_model" if name == "input_fidelity" else "unknown_parameter"
            out.append(f"{code}: {model} does not take {name}")
    allowed = {"quality": caps.qualities, "complexity": caps.complexities,
               "output_format": caps.formats_for(generate=generate), "input_fidelity": caps.input_fidelities}
    for name, values in allowed.items():
        if name in obj and name in accepted and obj[name] not in values:
            out.append(f"invalid_value: {model} does not take {name}={obj[name]!r}")
    return out
