"""The one interface the GUI and the CLI use to reach an engine."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from inpaint_desktop.api.types import (
    CancelToken,
    EditRequest,
    GenerateRequest,
    ImageResult,
    ModelInfo,
    ProgressCallback,
)


@runtime_checkable
class Backend(Protocol):
    """An image engine: OpenAI-compatible HTTP, or the built-in offline engine.

    Calls block the calling thread (the GUI calls them from a worker QThread). They report
    progress through ``progress`` (called on the calling thread) and stop promptly, raising
    ``CancelledError``, once ``cancel`` is triggered from any thread.
    """

    #: Short name shown in the UI ("OpenAI", "Built-in offline engine", ...).
    name: str

    def edit(
        self,
        request: EditRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> ImageResult: ...

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> ImageResult: ...

    def list_models(self) -> list[ModelInfo]: ...

    def close(self) -> None: ...
