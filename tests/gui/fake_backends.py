"""An in-process ``Backend`` base for job-queue tests: subclasses write ``edit``; the rest is inert."""

from __future__ import annotations

from inpaint_desktop.api.types import GenerateRequest, ImageResult, ModelInfo


class EditOnlyBackend:
    """Implements the parts of the Backend protocol a test does not exercise."""

    name = "test backend"

    def generate(self, request: GenerateRequest, *, progress=None, cancel=None) -> ImageResult:
        raise NotImplementedError

    def list_models(self) -> list[ModelInfo]:
        return []

    def close(self) -> None:
        pass
