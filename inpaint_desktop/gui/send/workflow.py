"""The Send workflow: the Send, Jobs, References and Results panels around one job queue.

It reads the editor's document, freezes it into a job, queues it and hands the variants to the
results panel. What it needs from the window around it is declared in ``SendHost``; the window's
composition (docks, menus) is in ``gui.wiring``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from inpaint_desktop.api.backend import Backend
from inpaint_desktop.api.config import DEFAULT_BASE_URL, is_openai_url
from inpaint_desktop.core.availability import ModelOffer, offer_models
from inpaint_desktop.core.imaging import LoadedImage
from inpaint_desktop.core.rules import probe_image
from inpaint_desktop.gui.common.loader import BackgroundLoader
from inpaint_desktop.gui.common.message_bar import Level
from inpaint_desktop.gui.common.qimage import array_to_qimage
from inpaint_desktop.gui.editor.document import Document
from inpaint_desktop.gui.results.model import BaseChoice
from inpaint_desktop.gui.results.panel import ResultsStrip
from inpaint_desktop.gui.send.job_list import JobListPanel
from inpaint_desktop.gui.send.jobs import JobFailure, JobOutcome, JobQueue
from inpaint_desktop.gui.send.panel import OFFLINE, OPENAI, SendPanel
from inpaint_desktop.gui.send.params import Caps, model_caps
from inpaint_desktop.gui.send.references import ReferencesPanel
from inpaint_desktop.gui.send.support import (
    ServerModels,
    api_key_configured,
    list_image_models,
    loaded_from_qimage,
    make_backend,
)
from inpaint_desktop.pipeline.job import JobSpec
from inpaint_desktop.pipeline.preflight import Preflight, edit_preflight, offline_preflight
from inpaint_desktop.pipeline.upload import plan_upload
from inpaint_desktop.store.results import ResultsLibrary
from inpaint_desktop.store.settings import Settings
from inpaint_desktop.store.user_models import load_model_table


class SendHost(Protocol):
    """What the Send workflow needs from the window around it (``MainWindow`` implements it)."""

    def show_message(self, text: str, level: Level = "error", details: str | None = None) -> None: ...

    def show_status(self, text: str, timeout_ms: int = 0) -> None: ...

    def confirm_discard(self, what: str = ...) -> bool:
        """Ask before replacing a mask with unsaved changes; True to go ahead."""
        ...

    def update_settings(self, **changes: object) -> None:
        """Change and save user preferences (the window owns the settings file: one writer)."""
        ...

    def dialog_parent(self) -> QWidget: ...


# The preflight follows the mask while painting, at most this often (ms).
PREFLIGHT_DELAY_MS = 200


class SendWorkflow(QObject):
    """Owns the job queue and the Send-related panels of one window."""

    def __init__(self, host: SendHost, document: Document, loader: BackgroundLoader, *, settings: Settings,
                 library: ResultsLibrary | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.host, self.document = host, document
        # The packaged model table with the user's models.json over it (problems reported below).
        self.table = load_model_table()
        self.base_url: str | None = settings.base_url
        self.allow_insecure_http = settings.allow_insecure_http
        # The configured server's image models and their shutdown dates, once it has listed them.
        self._server_models: ServerModels | None = None
        self.offers: list[ModelOffer] = self._offers()
        self.models: dict[str, Caps] = model_caps(self.table, offers=self.offers)
        self.panel = SendPanel(self.models, default_model=self.table.default_model)
        self.references = ReferencesPanel()
        self.results = ResultsStrip()
        # Offline unless a key or a server is configured: a fresh machine does its main job at once.
        choice = OPENAI if api_key_configured() or self.base_url else OFFLINE
        self.panel.set_backend_choice(choice)
        self.queue = JobQueue(self._backend_factory(choice), library=library or _library(settings),
                              parent=self)
        self.jobs_panel = JobListPanel(self.queue)
        self.session_cost = 0.0
        self._originals: dict[str, QImage | None] = {}
        self._sources: dict[str, str] = {}  # job id -> the name of the picture it was sent from
        self._original_cache: tuple[object, QImage] | None = None
        self._models_from: set[str] = set()
        self.loader = loader
        if choice == OPENAI:
            self.refresh_models()
        self.queue.job_finished.connect(self._on_finished)
        self.queue.job_failed.connect(self._on_failed)
        self.queue.job_cancelled.connect(self._forget)
        self.panel.send_requested.connect(self.send)
        self.panel.backend_changed.connect(self._on_backend_changed)
        self.panel.params.changed.connect(self.update_cost)
        self.panel.crop.toggled.connect(self.update_cost)
        self.panel.prompt.textChanged.connect(self._schedule_cost)
        self.references.changed.connect(self.update_cost)
        self.panel.settings_requested.connect(self.open_api_settings)
        self.results.use_as_base.connect(self.use_as_base)
        self._cost_timer = QTimer(self)
        self._cost_timer.setSingleShot(True)
        self._cost_timer.setInterval(PREFLIGHT_DELAY_MS)
        self._cost_timer.timeout.connect(self.update_cost)
        document.image_changed.connect(self._schedule_cost)
        document.mask_changed.connect(self._schedule_cost)
        self.update_cost()
        if self.table.problems:
            self._report_table_problems()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)

    # -- backend --------------------------------------------------------------------------
    def _backend_factory(self, choice: str) -> Callable[[], Backend]:
        def factory() -> Backend:
            # Read when the worker builds the backend, so a changed base URL takes effect.
            return make_backend(choice, self.base_url, allow_insecure_http=self.allow_insecure_http,
                                capabilities=self.table)

        return factory

    def _report_table_problems(self) -> None:
        problems = self.table.problems
        where = problems[0].file
        self.message(f"{len(problems)} entr{'y' if len(problems) == 1 else 'ies'} of {where} could not be "
                     "used; the rest of it and the built-in model table are.", "warning",
                     "\n".join(str(p) for p in problems))

    def _offers(self) -> list[ModelOffer]:
        """The models to offer now: shutdown dates (OpenAI's API) and the server's own list applied."""
        official = is_openai_url(self.base_url or DEFAULT_BASE_URL)
        return offer_models(self.table, self._server_models, official=official, today=_dt.date.today())

    def _apply_offers(self) -> None:
        self.offers = self._offers()
        self.models = model_caps(self.table, offers=self.offers)
        self.panel.set_api_models(self.models)
        self.update_cost()

    def _on_backend_changed(self, choice: str) -> None:
        self.queue.set_backend_factory(self._backend_factory(choice))
        self.update_cost()
        if choice == OPENAI:
            self.refresh_models()

    def refresh_models(self) -> None:
        """Read the server's model list (``GET /v1/models``) in the background, once per URL.

        Its ids and shutdown dates decide what is offered (see ``core.availability``). OpenAI's own
        list needs a key; a server that is slow, has no list or sends a malformed one leaves the
        table's view in place and a quiet note in the status bar.
        """
        base_url = self.base_url
        url = base_url or DEFAULT_BASE_URL
        if url in self._models_from or (is_openai_url(url) and not api_key_configured()):
            return
        self._models_from.add(url)
        allow_insecure_http = self.allow_insecure_http

        def done(models: ServerModels) -> None:
            if base_url != self.base_url:
                return  # the URL changed meanwhile; that URL's own refresh will follow
            self._server_models = models
            self._apply_offers()

        def failed(message: str, _details: str) -> None:
            self._models_from.discard(url)  # try again next time
            self.host.show_status("The server's model list is not available; the built-in list is used "
                                  f"({message})", 8000)

        self.loader.submit(lambda: list_image_models(base_url, allow_insecure_http=allow_insecure_http),
                           done, failed)

    def open_api_settings(self) -> None:
        from inpaint_desktop.gui.send.api_settings import ApiSettingsDialog

        dialog = ApiSettingsDialog(self.host.dialog_parent(), base_url=self.base_url,
                                   allow_insecure_http=self.allow_insecure_http)
        if dialog.exec():
            changed = (dialog.base_url() or None) != self.base_url
            self.base_url = dialog.base_url() or None
            self.allow_insecure_http = dialog.allow_insecure_http()
            self._save_base_url()
            if changed:
                self._server_models = None  # that list belonged to the other server
                self._apply_offers()
            if api_key_configured() or self.base_url:
                self.panel.set_backend_choice(OPENAI)
            self._on_backend_changed(self.panel.backend_choice())

    def _save_base_url(self) -> None:
        self.host.update_settings(base_url=self.base_url, allow_insecure_http=self.allow_insecure_http)

    # -- sending --------------------------------------------------------------------------
    def message(self, text: str, level: Level = "error", details: str = "") -> None:
        self.host.show_message(text, level, details or None)

    def send(self) -> JobSpec | None:
        """Freeze the document, prompt and parameters into a job and queue it (GUI thread, cheap)."""
        if self.document.is_empty():
            self.message("Open an image first (File > Open), then paint the region to change.", "warning")
            return None
        prompt = self.panel.prompt_text()
        offline = self.panel.backend_choice() == OFFLINE
        if not prompt and not offline:
            self.message("Type a prompt describing the final image before sending.", "warning")
            return None
        snap = self.document.snapshot()
        mask: np.ndarray | None = snap.mask
        if not snap.mask.any():
            if offline:
                self.message("Paint the region to fill first: the offline engine fills only masked areas.",
                             "warning")
                return None
            mask = None
        image = snap.image.array
        params = self.panel.params.params()
        plan = box = None
        if offline:
            params = replace(params, partial_images=0)
        else:
            try:
                plan, box = plan_upload(self.table.get(params.model), image.shape[1], image.shape[0],
                                        size=params.size, mask=mask, crop=self.panel.crop.isChecked())
            except ValueError as exc:
                self.message(f"Cannot send: {exc}", "warning")
                return None
        spec = JobSpec(JobQueue.new_job_id(), "edit", prompt, params, image, mask,
                       self.references.files(), plan=plan, box=box,
                       source_bytes=snap.image.source_bytes)
        self._originals[spec.job_id] = self._original_qimage(snap.image)
        self._sources[spec.job_id] = self.document.title
        self.queue.submit(spec)
        self.panel.remember_prompt(prompt)
        # A mask that was sent is saved (with the job, in the results library): nothing to discard.
        self.document.mark_saved()
        return spec

    def _original_qimage(self, loaded: LoadedImage) -> QImage:
        # Jobs sent from the same photo share one copy of it (a 24 MP photo is ~100 MB as a QImage).
        if self._original_cache is None or self._original_cache[0] is not loaded:
            self._original_cache = (loaded, array_to_qimage(loaded.array))
        return self._original_cache[1]

    def is_offline(self) -> bool:
        return self.panel.backend_choice() == OFFLINE

    def open_generated(self, data: bytes) -> None:
        """A generated image becomes the photo to paint on (decoded on the thread pool)."""
        from inpaint_desktop.gui.send.support import loaded_from_bytes

        if not self.host.confirm_discard("Opening the generated image"):
            return
        self.loader.submit(
            lambda: loaded_from_bytes(data), self.document.set_image,
            lambda msg, details: self.message(f"Could not open the result: {msg}", "error", details),
        )

    def submit_generation(self, spec: JobSpec) -> None:
        self._originals[spec.job_id] = None
        self.queue.submit(spec)

    def _schedule_cost(self, *_args: object) -> None:
        self._cost_timer.start()

    def update_cost(self) -> None:
        """Refresh the preflight: what Send uploads and what it is estimated to cost."""
        self.panel.show_preflight(self.preflight(), f"Session total: ${self.session_cost:.3f}")

    def preflight(self) -> Preflight:
        photo = None if self.document.is_empty() else self.document.size()
        if self.is_offline():
            return offline_preflight(photo)
        return edit_preflight(params=self.panel.params.params(), table=self.table, photo=photo,
                              mask=self.document.mask, crop=self.panel.crop.isChecked(),
                              references=self._reference_sizes(), prompt=self.panel.prompt_text())

    def _reference_sizes(self) -> list[tuple[int, int]]:
        sizes = []
        for part in self.references.files():
            try:
                info = probe_image(part.data)
            except ValueError:
                continue
            sizes.append((info.width, info.height))
        return sizes

    # -- results --------------------------------------------------------------------------
    def _on_finished(self, job_id: str, outcome: JobOutcome) -> None:
        cost = outcome.report.cost_usd
        if cost:
            self.session_cost += cost
        self.update_cost()
        if outcome.report.save_error:
            self.message("The result is shown but could not be saved.", "error", outcome.report.save_error)
        job = self.queue.jobs[job_id]
        if job.spec.kind == "edit":
            # The strip holds the original from here on; the workflow forgets it.
            self.results.add_variants(job_id, outcome.variants, self._originals.pop(job_id, None),
                                      job.spec.prompt, source=self._sources.pop(job_id, ""))
        rid = outcome.report.result.request_id
        cost_note = f", ${cost:.3f}" if cost else ""
        elapsed = outcome.report.elapsed_s
        self.panel.cost.setToolTip(f"Last call: {len(outcome.variants)} image(s) in {elapsed:.1f} s"
                                   f"{cost_note}{f', request {rid}' if rid else ''}")

    def _forget(self, job_id: str) -> None:
        self._originals.pop(job_id, None)
        self._sources.pop(job_id, None)

    def _on_failed(self, job_id: str, failure: JobFailure) -> None:
        self._forget(job_id)
        rid = f" (request id {failure.request_id})" if failure.request_id else ""
        # The mask and the prompt stay in the document and the prompt box: nothing to restore.
        self.message(f"Send failed: {failure.message}{rid}", "error", failure.details)

    def new_from_prompt(self) -> None:
        from inpaint_desktop.gui.send.new_from_prompt import NewFromPromptDialog

        dialog = NewFromPromptDialog(self, self.host.dialog_parent())
        dialog.show()
        self._new_dialog = dialog

    def use_as_base(self, choice: BaseChoice) -> None:
        """Keep iterating on a result: it becomes the picture to paint on, as one undoable step.

        Asks first only when the mask has changes that were neither sent nor exported.
        """
        if not self.host.confirm_discard("Using the result as the new base"):
            return
        self.document.replace_image(loaded_from_qimage(choice.image), name=choice.name)
        # Nothing of the new base is unsaved yet (it is a saved result with an empty mask).
        self.document.mark_saved()

    def close(self) -> None:
        self.queue.close()


def _library(settings: Settings) -> ResultsLibrary:
    return ResultsLibrary(Path(settings.results_dir).expanduser() if settings.results_dir else None)
