"""Turn the text fields of an edit form into an ``EditRequest``, refusing what the API would refuse."""

from __future__ import annotations

import re

from inpaint_desktop.api.types import EditRequest, ImageFile
from inpaint_desktop.core.rules import MAX_PARTIAL_IMAGES, MAX_PROMPT_CHARS, probe_image, sniff_mime
from inpaint_desktop.engine.codec import unreadable_reason
from inpaint_desktop.server.multipart import Form, FormError

_INT_FIELDS = ("n", "output_compression", "partial_images")
_BOOL_FIELDS = ("stream",)
_ENUMS: dict[str, tuple[str, ...]] = {
    "quality": ("standard", "low", "medium", "high", "auto"),
    "output_format": ("png", "jpeg", "webp"),
    "background": ("transparent", "opaque", "auto"),
    "moderation": ("auto", "low"),
    "input_fidelity": ("high", "low"),
}
KNOWN_FIELDS = frozenset({"prompt", "model", "size", "user", "response_format", *_INT_FIELDS,
                          *_BOOL_FIELDS, *_ENUMS})


_INTEGER = re.compile(r"^-?[0-9]{1,12}$")  # ASCII only: str.isdigit() also accepts '¹' or '٣'


def _int(name: str, value: str) -> int:
    text = value.strip()
    if not _INTEGER.match(text):
        raise FormError(f"Invalid type for '{name}': expected an integer, but got a string instead.",
                        code="invalid_type", param=name)
    return int(text)


def _bool(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise FormError(f"Invalid type for '{name}': expected a boolean ('true' or 'false').",
                    code="invalid_type", param=name)


def edit_request(form: Form) -> EditRequest:
    """Check the form's fields and files and build the request the engine runs."""
    fields = form.fields
    for name in fields:
        if name not in KNOWN_FIELDS:
            raise FormError(f"Unknown parameter: '{name}'.", code="unknown_parameter", param=name)
    model = fields.get("model") or None
    if "response_format" in fields:
        # Only dall-e models take it, and this server can only answer base64 (no hosted URLs).
        if not (model or "").startswith("dall-e"):
            raise FormError("Unknown parameter: 'response_format'.", code="unknown_parameter",
                            param="response_format")
        if fields["response_format"] != "b64_json":
            raise FormError("This server returns images as base64 only: use response_format=b64_json.",
                            code="invalid_value", param="response_format")
    images = form.images()
    if not images:
        raise FormError("Missing required parameter: 'image'.", code="missing_required_parameter",
                        param="image")
    prompt = fields.get("prompt")
    if prompt is None or not prompt.strip():
        raise FormError("Missing required parameter: 'prompt'.", code="missing_required_parameter",
                        param="prompt")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise FormError(f"Invalid 'prompt': string too long. Expected a string with maximum length "
                        f"{MAX_PROMPT_CHARS}, but got a string with length {len(prompt)} instead.",
                        code="string_above_max_length", param="prompt")
    for name, allowed in _ENUMS.items():
        if name in fields and fields[name] not in allowed:
            raise FormError(f"Invalid value: '{fields[name][:80]}'. Supported values are: "
                            + ", ".join(f"'{a}'" for a in allowed) + ".", code="invalid_value", param=name)
    ints = {name: _int(name, fields[name]) for name in _INT_FIELDS if name in fields}
    stream = _bool("stream", fields["stream"]) if "stream" in fields else False
    partial = ints.get("partial_images")
    if partial is not None and not 0 <= partial <= MAX_PARTIAL_IMAGES:
        raise FormError(f"partial_images must be between 0 and {MAX_PARTIAL_IMAGES} (got {partial}).",
                        code="invalid_value", param="partial_images")
    files = [_checked_file(part.name, bytes(part.data), part.filename, part.content_type) for part in images]
    mask_part = form.mask()
    mask = None if mask_part is None else _checked_file(
        "mask", bytes(mask_part.data), mask_part.filename, mask_part.content_type)
    return EditRequest(
        images=tuple(files), prompt=prompt, model=model or "", mask=mask, n=ints.get("n", 1),
        size=fields.get("size"), quality=fields.get("quality"), output_format=fields.get("output_format"),
        output_compression=ints.get("output_compression"), background=fields.get("background"),
        moderation=fields.get("moderation"), input_fidelity=fields.get("input_fidelity"), stream=stream,
        partial_images=partial, user=fields.get("user"),
    )


def _checked_file(name: str, data: bytes, filename: str, mime: str) -> ImageFile:
    param = "mask" if name == "mask" else "image"
    sniffed = sniff_mime(data)
    if sniffed is None:
        raise FormError(f"Invalid image file '{filename}': it is not a PNG, JPEG or WebP image.",
                        code="invalid_image_format", param=param)
    if sniffed != mime:
        raise FormError(f"Invalid image file '{filename}': it was sent as {mime} but its content is "
                        f"{sniffed}.", code="invalid_image_format", param=param)
    if name != "mask":
        # Reference images are not decoded by the engine (and only their beginning is kept when
        # large), but an unreadable one is refused as the API would.
        try:
            probe_image(data)
        except ValueError as exc:
            raise FormError(f"Invalid image file '{filename}': it could not be read "
                            f"({unreadable_reason(exc)}).", code="invalid_image",
                            param=param) from None
    return ImageFile(data=data, filename=filename, mime=mime)
