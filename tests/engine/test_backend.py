"""LocalBackend end to end: encoded requests in, encoded variants out, decoded and checked pixel by pixel."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image

from inpaint_desktop.api.backend import Backend
from inpaint_desktop.api.errors import CancelledError, UnsupportedOperationError, ValidationError
from inpaint_desktop.api.types import CancelToken, EditRequest, GenerateRequest, ImageFile, Progress
from inpaint_desktop.engine.backend import LocalBackend
from inpaint_desktop.engine.inpaint import DEFAULT_METHOD
from tests.conftest import DATA


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def _decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _mask(hole: np.ndarray) -> bytes:
    alpha = np.where(hole, 0, 255).astype(np.uint8)
    return _png(np.dstack([np.zeros((*hole.shape, 3), np.uint8), alpha]))


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return np.asarray(Image.open(DATA / "chelsea.png").convert("RGB"))


@pytest.fixture(scope="module")
def hole(photo: np.ndarray) -> np.ndarray:
    hole = np.zeros(photo.shape[:2], bool)
    hole[90:140, 140:210] = True  # the left eye
    return hole


def _request(photo: np.ndarray, hole: np.ndarray, **kw: object) -> EditRequest:
    return EditRequest(images=(ImageFile.from_bytes(_png(photo), "photo.png"),), prompt="a closed eye",
                       model=str(kw.pop("model", "gpt-image-2")),
                       mask=ImageFile.from_bytes(_mask(hole), "mask.png"), **kw)  # type: ignore[arg-type]


def test_it_is_a_backend_named_for_the_user() -> None:
    backend = LocalBackend()
    assert isinstance(backend, Backend)
    assert backend.name == "Built-in offline engine"
    assert DEFAULT_METHOD in [m.id for m in backend.list_models()]
    backend.close()


def test_edit_fills_only_the_hole_and_labels_the_variant(photo: np.ndarray, hole: np.ndarray) -> None:
    result = LocalBackend().edit(_request(photo, hole))
    assert len(result.images) == 1 and result.labels == ("harmonic (membrane) fill, coarse-to-fine",)
    assert (result.size, result.output_format, result.background) == ("451x300", "png", "opaque")
    assert result.usage is None and result.created > 0
    out = np.asarray(_decode(result.images[0]))
    assert out.shape == photo.shape
    assert np.array_equal(out[~hole], photo[~hole])
    assert np.abs(out[hole].astype(int) - photo[hole].astype(int)).mean() > 5  # the eye is gone


def test_variants_differ_and_repeats_say_so(photo: np.ndarray, hole: np.ndarray) -> None:
    result = LocalBackend().edit(_request(photo, hole, n=10, model="offline-telea"))
    assert result.labels[0].startswith("Telea") and len(result.labels) == 10
    pictures = [np.asarray(_decode(b))[hole].astype(int) for b in result.images]
    for i in range(9):
        for j in range(i):
            assert np.abs(pictures[i] - pictures[j]).mean() > 0.5, (result.labels[i], result.labels[j])
        assert "duplicate" not in result.labels[i]
    assert "duplicate of variant 1" in result.labels[9] and result.images[9] == result.images[0]


def test_size_and_formats(photo: np.ndarray, hole: np.ndarray) -> None:
    backend = LocalBackend()
    resized = backend.edit(_request(photo, hole, size="256x128"))
    assert _decode(resized.images[0]).size == (256, 128) and resized.size == "256x128"
    small = backend.edit(_request(photo, hole, output_format="jpeg", output_compression=40)).images[0]
    best = backend.edit(_request(photo, hole, output_format="jpeg")).images[0]
    assert _decode(small).format == "JPEG" and len(small) < len(best)
    lossless = backend.edit(_request(photo, hole, output_format="webp")).images[0]
    assert _decode(lossless).format == "WEBP"
    assert np.array_equal(np.asarray(_decode(lossless).convert("RGB"))[~hole], photo[~hole])
    lossy = backend.edit(_request(photo, hole, output_format="webp", output_compression=50)).images[0]
    assert len(lossy) < len(lossless)


def test_rgba_input_backgrounds(photo: np.ndarray, hole: np.ndarray) -> None:
    alpha = np.full(photo.shape[:2], 255, np.uint8)
    alpha[:, 300:] = 0
    rgba = np.dstack([photo, alpha])
    backend = LocalBackend()
    auto = backend.edit(_request(rgba, hole))
    assert auto.background == "transparent"
    out = np.asarray(_decode(auto.images[0]))
    assert out.shape[2] == 4 and np.array_equal(out[~hole], rgba[~hole])
    assert out[hole][:, 3].min() == 255  # the hole is in the opaque part: it stays opaque
    opaque = backend.edit(_request(rgba, hole, background="opaque"))
    flat = np.asarray(_decode(opaque.images[0]))
    assert flat.shape[2] == 3 and np.all(flat[:, 300:][~hole[:, 300:]] == 255)  # over white
    as_jpeg = backend.edit(_request(rgba, hole, output_format="jpeg"))
    assert as_jpeg.background == "opaque"
    rgb_transparent = backend.edit(_request(photo, hole, background="transparent"))
    assert np.asarray(_decode(rgb_transparent.images[0])).shape[2] == 4


@pytest.mark.parametrize(("change", "param", "words"), [
    ({"mask": None}, "mask", "fills only painted regions"),
    ({"n": 0}, "n", "between 1 and 10"),
    ({"size": "huge"}, "size", "WIDTHxHEIGHT"),
    ({"output_format": "gif"}, "output_format", "png, jpeg, webp"),
    ({"output_compression": 50}, "output_compression", "jpeg and webp"),
    ({"output_format": "jpeg", "background": "transparent"}, "background", "png or webp"),
    ({"quality": "ultra"}, "quality", "low, medium, high"),
])
def test_bad_options_name_the_field(photo: np.ndarray, hole: np.ndarray, change: dict, param: str,
                                    words: str) -> None:
    request = dataclasses.replace(_request(photo, hole), **change)
    with pytest.raises(ValidationError) as info:
        LocalBackend().edit(request)
    assert info.value.param == param and words in info.value.message


def test_bad_masks_and_images_are_explained(photo: np.ndarray, hole: np.ndarray) -> None:
    backend = LocalBackend()
    grey_mask = ImageFile.from_bytes(_png(np.where(hole, 0, 255).astype(np.uint8)), "m.png")
    cases = [
        (dataclasses.replace(_request(photo, hole), mask=grey_mask), "no alpha channel"),
        (dataclasses.replace(_request(photo, hole), mask=ImageFile.from_bytes(_mask(hole[:100]), "m.png")),
         "the image is 451x300"),
        (dataclasses.replace(_request(photo, hole), mask=ImageFile.from_bytes(_mask(hole & False), "m.png")),
         "nothing to fill"),
        (dataclasses.replace(_request(photo, hole), mask=ImageFile.from_bytes(_mask(hole | True), "m.png")),
         "covers the whole image"),
        (dataclasses.replace(_request(photo, hole),
                             images=(ImageFile(b"\x89PNG\r\n\x1a\nnot really", "x.png", "image/png"),)),
         "could not be read"),
        (dataclasses.replace(_request(photo, hole), images=(ImageFile(b"GIF89a", "x.gif", "image/gif"),)),
         "not a PNG, JPEG or WebP"),
    ]
    for request, words in cases:
        with pytest.raises(ValidationError, match=words):
            backend.edit(request)


def test_generation_is_refused_offline() -> None:
    with pytest.raises(UnsupportedOperationError, match="not supported offline"):
        LocalBackend().generate(GenerateRequest(prompt="a cat", model="gpt-image-2"))


def test_progress_and_cancel_between_variants(photo: np.ndarray, hole: np.ndarray) -> None:
    token = CancelToken()
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if p.kind == "waiting" and p.done == 2:
            token.cancel()

    with pytest.raises(CancelledError):
        LocalBackend().edit(_request(photo, hole, n=5), progress=progress, cancel=token)
    steps = [p for p in seen if p.total == 5]
    assert [p.done for p in steps] == [0, 1, 2]
    assert "Filling variant 3 of 5" in steps[-1].message
    already = CancelToken()
    already.cancel()
    with pytest.raises(CancelledError):
        LocalBackend().edit(_request(photo, hole), cancel=already)


def test_streamed_requests_report_coarse_previews(photo: np.ndarray, hole: np.ndarray) -> None:
    seen: list[Progress] = []
    LocalBackend().edit(_request(photo, hole, stream=True, partial_images=2), progress=seen.append)
    partials = [p for p in seen if p.kind == "partial"]
    assert [p.index for p in partials] == [0, 1]
    for p in partials:
        assert p.image is not None
        preview = np.asarray(_decode(p.image))
        assert np.array_equal(preview[~hole], photo[~hole])


def test_labels_say_when_a_method_fell_back_or_gave_the_same_picture(photo: np.ndarray) -> None:
    hole = np.zeros(photo.shape[:2], bool)
    hole[10:290, 10:440] = True  # no hole-free region of that size exists to copy from
    result = LocalBackend().edit(_request(photo, hole, n=2, model="offline-exemplar"))
    assert "exemplar" in result.labels[0] and "the harmonic fill was used there" in result.labels[0]
    assert result.labels[1].startswith("harmonic") and "the same picture as variant 1" in result.labels[1]
    assert result.images[0] == result.images[1]
