"""What one job is: the request parameters and the frozen snapshot of everything it sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from inpaint_desktop.api.types import EditRequest, GenerateRequest, ImageFile, OutputOptions, output_options
from inpaint_desktop.core.compose import Box
from inpaint_desktop.core.geometry import SizePlan

JobKind = Literal["edit", "generate"]


@dataclass(frozen=True, kw_only=True)
class EditParams(OutputOptions):
    """The output options the user picked (``None`` means "let the server decide": not sent).

    ``partial_images`` > 0 streams that many previews; ``input_fidelity`` applies to edits only.
    ``model`` has no default: the capability table names the default model, and the callers (the
    Send panel, the command line) read it from there.
    """

    partial_images: int = 0
    input_fidelity: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "stream"}

    def edit_request(self, *, images: tuple[ImageFile, ...], prompt: str, mask: ImageFile | None,
                     size: str | None) -> EditRequest:
        return EditRequest(images=images, prompt=prompt, mask=mask, input_fidelity=self.input_fidelity,
                           **self._wire(size))

    def generate_request(self, *, prompt: str, size: str | None) -> GenerateRequest:
        return GenerateRequest(prompt=prompt, **self._wire(size))

    def _wire(self, size: str | None) -> dict[str, Any]:
        # Previews are asked for by streaming; ``size`` is what the size plan sends.
        wire = output_options(self)
        wire.update(size=size, stream=self.partial_images > 0, partial_images=self.partial_images or None)
        return wire


@dataclass(frozen=True)
class JobSpec:
    """Everything one job needs, frozen when it is queued.

    ``image`` is an RGB/RGBA uint8 array and ``mask`` an 8-bit array (255 = edit); both are
    private copies, so painting after Send cannot change what is sent. ``box`` is the part of the
    photo that is uploaded (the whole photo, or a crop around the mask) and ``plan`` how that part is
    fitted to a size the model accepts; ``None`` sends the photo as it is. ``source_bytes`` are the
    photo's original file bytes, uploaded unchanged when nothing needs resizing or cropping.
    ``protect`` builds the protected composite (the original outside the mask) of every variant.
    """

    job_id: str
    kind: JobKind
    prompt: str
    params: EditParams
    image: np.ndarray | None = field(default=None, repr=False)
    mask: np.ndarray | None = field(default=None, repr=False)
    references: tuple[ImageFile, ...] = field(default=(), repr=False)
    plan: SizePlan | None = None
    box: Box | None = None
    source_bytes: bytes | None = field(default=None, repr=False)
    protect: bool = True

    @property
    def original_size(self) -> tuple[int, int] | None:
        if self.image is None:
            return None
        return int(self.image.shape[1]), int(self.image.shape[0])

    @property
    def upload_box(self) -> Box | None:
        if self.image is None:
            return None
        return self.box or (0, 0, int(self.image.shape[1]), int(self.image.shape[0]))

    @property
    def cropped(self) -> bool:
        size = self.original_size
        return size is not None and self.upload_box != (0, 0, *size)

    @property
    def sends_as_is(self) -> bool:
        """True when the photo goes up exactly as it is (no crop, no resize, no padding)."""
        return not self.cropped and (self.plan is None or self.plan.is_identity)

    def request_meta(self) -> dict[str, object]:
        """What the sidecar records of the request (an allow-list: never a header or a key)."""
        meta: dict[str, object] = {"prompt": self.prompt, "kind": self.kind, **self.params.as_dict()}
        meta["reference_count"] = len(self.references)
        if self.original_size:
            meta["original_size"] = "{}x{}".format(*self.original_size)
        if self.plan is not None:
            meta["upload_size"] = "{}x{}".format(*self.plan.upload)
        if self.cropped:
            meta["crop_box"] = list(self.upload_box or ())
        return meta
