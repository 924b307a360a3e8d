"""What is sent: validation before any byte leaves, and the exact form/JSON fields per model.

Every refusal is a ``ValidationError`` whose ``param`` names the field and whose message says
what is wrong and what is allowed. A parameter the caller set that the model does not accept (per
the capability table) is refused, never dropped silently; ``suggest_fixes`` offers to drop it.
``response_format`` is never sent.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import Any, Literal

from PIL import Image

from inpaint_desktop.api.errors import ValidationError
from inpaint_desktop.api.types import EditRequest, GenerateRequest, ImageFile
from inpaint_desktop.core import rules
from inpaint_desktop.core.models import ModelCaps

_MODERATION = ("auto", "low")
_LOSSY = ("jpeg", "webp")
_ALPHA_FORMATS = ("png", "webp")
# Output formats that cannot be streamed (an animated GIF arrives whole).
_NO_STREAM_FORMATS = ("gif",)

# Request attribute -> wire name, in the order they are sent.
_OPTIONAL = ("size", "quality", "complexity", "output_format", "output_compression", "background",
             "moderation", "input_fidelity", "stream", "partial_images", "user")


def _fail(param: str, message: str) -> ValidationError:
    return ValidationError(f"{param}: {message}", param=param)


def _given(request: EditRequest | GenerateRequest) -> list[str]:
    """The optional parameters the caller set (``stream`` only when true)."""
    out = []
    for name in _OPTIONAL:
        value = getattr(request, name, None)
        if value is None or (name == "stream" and not value):
            continue
        out.append(name)
    return out


def _unaccepted(request: EditRequest | GenerateRequest, caps: ModelCaps) -> list[str]:
    accepted = caps.params_for(generate=isinstance(request, GenerateRequest))
    return [name for name in _given(request) if name not in accepted]


def _check_accepted(request: EditRequest | GenerateRequest, caps: ModelCaps) -> None:
    for name in _unaccepted(request, caps):
        where = "on generations" if isinstance(request, GenerateRequest) else "on edits"
        if name in caps.params:
            where = "on edits (only on generations)"
        raise _fail(name, f"{caps.id} does not accept {name} {where}; leave it out"
                          + ("" if caps.known else " (the model is not in the capability table, so "
                             "only the basic parameters are sent to it)"))


def _check_common(request: EditRequest | GenerateRequest, caps: ModelCaps) -> None:
    if not request.model or not request.model.strip():
        raise _fail("model", "is empty; choose a model")
    if not request.prompt or not request.prompt.strip():
        raise _fail("prompt", "is empty; describe the whole final image")
    if len(request.prompt) > rules.MAX_PROMPT_CHARS:
        raise _fail("prompt", f"is {len(request.prompt):,} characters; "
                              f"the limit is {rules.MAX_PROMPT_CHARS:,}")
    max_n = min(rules.MAX_N, int(caps.max_n))
    if not 1 <= request.n <= max_n:
        raise _fail("n", f"must be between 1 and {max_n} for {caps.id} (got {request.n})")
    if request.size is not None and request.size != "auto":
        problems = caps.size_problems(request.size)
        if problems:
            raise _fail("size", f"{request.size} is not accepted: " + "; ".join(problems))
    _check_accepted(request, caps)
    if request.quality is not None and request.quality not in caps.qualities:
        raise _fail("quality", f"{request.quality!r} is not one of {', '.join(caps.qualities)} for {caps.id}")
    if request.complexity is not None and request.complexity not in caps.complexities:
        raise _fail("complexity", f"{request.complexity!r} is not one of {', '.join(caps.complexities)} "
                                  f"for {caps.id}")
    fmt = request.output_format
    formats = caps.formats_for(generate=isinstance(request, GenerateRequest))
    if fmt is not None and fmt not in formats:
        raise _fail("output_format", f"{fmt!r} is not one of {', '.join(formats)} for {caps.id}"
                                     + ("" if isinstance(request, GenerateRequest) else " edits"))
    if fmt in _NO_STREAM_FORMATS and request.stream:
        raise _fail("stream", f"{fmt} output cannot be streamed; leave out previews")
    if request.output_compression is not None:
        if not 0 <= request.output_compression <= 100:
            raise _fail("output_compression", f"must be 0-100 (got {request.output_compression})")
        if fmt not in _LOSSY:
            raise _fail("output_compression",
                        f"applies only to jpeg or webp output (format is {fmt or 'png'})")
    if request.background is not None:
        if request.background not in (caps.backgrounds or ("auto",)):
            raise _fail("background", f"{request.background!r} is not one of {', '.join(caps.backgrounds)}")
        if request.background == "transparent" and (fmt or "png") not in _ALPHA_FORMATS:
            raise _fail("background", "transparent needs png or webp output (format is jpeg)")
    if request.moderation is not None and request.moderation not in _MODERATION:
        raise _fail("moderation", f"must be auto or low (got {request.moderation!r})")
    if request.partial_images is not None:
        if not 0 <= request.partial_images <= rules.MAX_PARTIAL_IMAGES:
            raise _fail("partial_images",
                        f"must be 0-{rules.MAX_PARTIAL_IMAGES} (got {request.partial_images})")
        if request.partial_images > 0 and not request.stream:
            raise _fail("partial_images", "previews need stream=true")


def _check_file(part: ImageFile, param: str, limit: int, limit_text: str) -> rules.ImageInfo:
    if part.size == 0:
        raise _fail(param, f"{part.filename} is empty")
    mime = rules.sniff_mime(part.data)
    if mime not in rules.UPLOAD_MIMES:
        raise _fail(param, f"{part.filename} is not a PNG, JPEG or WebP file")
    if part.size >= limit:
        raise _fail(param, f"{part.filename} is {part.size / 1024 / 1024:.1f} MB; the limit is {limit_text}")
    try:
        info = rules.probe_image(part.data)
    except ValueError as exc:
        raise _fail(param, f"{part.filename}: {exc}") from None
    if problem := rules.upload_pixel_problem(info):
        raise _fail(param, f"{part.filename} is too large: {problem}")
    return info


def validate_edit(request: EditRequest, caps: ModelCaps) -> None:
    """Raise ``ValidationError`` (``param`` = the field) unless the API would accept ``request``."""
    if not request.images:
        raise _fail("image", "no image given; an edit needs at least one")
    if len(request.images) > rules.MAX_IMAGES:
        raise _fail("image", f"{len(request.images)} images given; the limit is {rules.MAX_IMAGES}")
    _check_common(request, caps)
    first = None
    for i, part in enumerate(request.images):
        info = _check_file(part, "image", rules.MAX_IMAGE_BYTES, "50 MB per image")
        if i == 0:
            first = info
    if request.mask is not None:
        info = _check_file(request.mask, "mask", rules.MAX_MASK_BYTES, "4 MB for the mask")
        if info.mime != "image/png":
            raise _fail("mask", f"{request.mask.filename} must be a PNG file")
        if not info.has_alpha:
            raise _fail("mask", "has no alpha channel (alpha 0 marks where to edit); "
                                "convert a black-and-white mask to alpha first")
        assert first is not None
        if (info.width, info.height) != (first.width, first.height):
            raise _fail("mask", f"is {info.width}x{info.height} but the first image is "
                                f"{first.width}x{first.height}; they must be the same size")
    if request.input_fidelity is not None and request.input_fidelity not in caps.input_fidelities:
        raise _fail("input_fidelity", f"{request.input_fidelity!r} is not one of "
                                      f"{' or '.join(caps.input_fidelities)} for {caps.id}")


def validate_generate(request: GenerateRequest, caps: ModelCaps) -> None:
    """Raise ``ValidationError`` (``param`` = the field) unless the API would accept ``request``."""
    _check_common(request, caps)


def _text(value: Any) -> str:
    # Form values are text: booleans as true/false, integers as decimal strings.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _optional_values(
    request: EditRequest | GenerateRequest, accepted: frozenset[str]
) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name in _OPTIONAL:
        value = getattr(request, name, None)
        if value is None or name not in accepted:
            continue
        if name == "stream" and not value:
            continue  # false is the default; sending it adds nothing
        if name == "partial_images" and not request.stream:
            continue
        out.append((name, value))
    return out


@dataclass(frozen=True)
class FilePart:
    """One file part of the multipart body."""

    name: str  # "image", "image[]" or "mask"
    filename: str
    content_type: str
    data: bytes


_EXTENSIONS = {"image/png": ("png",), "image/jpeg": ("jpg", "jpeg"), "image/webp": ("webp",)}


def _file_part(name: str, part: ImageFile) -> FilePart:
    # The server checks the content type and the extension: both follow the bytes, not the caller.
    mime = rules.sniff_mime(part.data) or part.mime
    stem, _, ext = part.filename.rpartition(".")
    if not stem:
        stem, ext = part.filename or name.strip("[]"), ""
    allowed = _EXTENSIONS.get(mime)
    filename = part.filename if allowed is None or ext.lower() in allowed else f"{stem}.{allowed[0]}"
    return FilePart(name, filename, mime, part.data)


def edit_fields(request: EditRequest, caps: ModelCaps) -> tuple[list[tuple[str, str]], list[FilePart]]:
    """The text fields and file parts of the multipart edit, exactly as they are sent."""
    text = [("model", request.model), ("prompt", request.prompt), ("n", _text(request.n))]
    text += [(name, _text(value)) for name, value in _optional_values(request, frozenset(caps.edit_params))]
    # One image goes as "image"; several as repeated "image[]" (a repeated bare "image" is refused).
    name = "image" if len(request.images) == 1 else "image[]"
    files = [_file_part(name, p) for p in request.images]
    if request.mask is not None:
        files.append(_file_part("mask", request.mask))
    return text, files


def generate_json(request: GenerateRequest, caps: ModelCaps) -> dict[str, Any]:
    """The JSON body of a generation."""
    body: dict[str, Any] = {"model": request.model, "prompt": request.prompt, "n": request.n}
    body.update(_optional_values(request, frozenset(caps.params)))
    return body


FixKind = Literal["reencode_image", "mask_from_bw", "drop_compression", "format_for_transparency",
                  "drop_param"]
# Parameters whose value the model may not take; dropping one lets the server use its default.
_DROPPABLE_VALUES = ("quality", "complexity", "input_fidelity", "moderation")


@dataclass(frozen=True)
class Fix:
    """A safe change that would make the request acceptable, offered to the user (never applied silently)."""

    kind: FixKind
    param: str
    message: str
    index: int = 0


def suggest_fixes(request: EditRequest | GenerateRequest, caps: ModelCaps) -> list[Fix]:
    """Safe automatic fixes for common mistakes; apply the chosen ones with ``apply_fix``."""
    fixes: list[Fix] = []
    if isinstance(request, EditRequest):
        for i, part in enumerate(request.images):
            if rules.sniff_mime(part.data) is None and _decodes(part.data):
                fixes.append(Fix("reencode_image", "image", f"re-encode {part.filename} as PNG", i))
        if request.mask is not None and _decodes(request.mask.data):
            info = rules.probe_image(request.mask.data)
            if not info.has_alpha or info.mime != "image/png":
                fixes.append(Fix("mask_from_bw", "mask",
                                 "use the black-and-white mask as alpha (black = edit, white = keep)"))
    if request.output_compression is not None and request.output_format not in _LOSSY:
        fixes.append(Fix("drop_compression", "output_compression",
                         "leave out compression (it applies only to jpeg/webp)"))
    if request.background == "transparent" and request.output_format == "jpeg":
        fixes.append(Fix("format_for_transparency", "output_format",
                         "send png instead of jpeg (transparency)"))
    for name in _unaccepted(request, caps):
        fixes.append(Fix("drop_param", name, f"leave out {name} ({caps.id} does not accept it)"))
    allowed = {"quality": caps.qualities, "complexity": caps.complexities,
               "input_fidelity": caps.input_fidelities, "moderation": _MODERATION}
    accepted = caps.params_for(generate=isinstance(request, GenerateRequest))
    for name in _DROPPABLE_VALUES:
        value = getattr(request, name, None)
        if value is not None and name in accepted and value not in allowed[name]:
            fixes.append(Fix("drop_param", name, f"leave out {name} {value!r} ({caps.id} does not offer it; "
                                                 "the server's default applies)"))
    return fixes


def _decodes(data: bytes) -> bool:
    try:
        rules.probe_image(data)
    except ValueError:
        return False
    return True


def mask_from_bw(data: bytes, name: str = "mask.png") -> ImageFile:
    """A black-and-white (or greyscale) picture as an RGBA PNG mask with the grey as alpha."""
    with Image.open(io.BytesIO(data)) as img:
        grey = img.convert("L")
    rgba = grey.convert("RGBA")
    rgba.putalpha(grey)
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    return ImageFile.from_bytes(buf.getvalue(), name)


def _reencode_png(part: ImageFile) -> ImageFile:
    with Image.open(io.BytesIO(part.data)) as img:
        img.load()
        buf = io.BytesIO()
        img.save(buf, "PNG")
    return ImageFile.from_bytes(buf.getvalue(), part.filename)


def apply_fix(request: EditRequest | GenerateRequest, fix: Fix) -> EditRequest | GenerateRequest:
    """``request`` with ``fix`` applied (a new frozen value)."""
    if fix.kind == "drop_compression":
        return replace(request, output_compression=None)
    if fix.kind == "format_for_transparency":
        return replace(request, output_format="png")
    if fix.kind == "drop_param":
        if fix.param == "stream":
            return replace(request, stream=False, partial_images=None)
        dropped: dict[str, Any] = {fix.param: None}
        return replace(request, **dropped)
    assert isinstance(request, EditRequest)
    if fix.kind == "mask_from_bw":
        assert request.mask is not None
        return replace(request, mask=mask_from_bw(request.mask.data, request.mask.filename))
    images = list(request.images)
    images[fix.index] = _reencode_png(images[fix.index])
    return replace(request, images=tuple(images))
