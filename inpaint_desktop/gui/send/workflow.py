"""Wires the Send workflow into a main window: panels, job queue, results, menu actions.

``install_send_workflow(window, document)`` is the single integration point used by ``app.py``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QFrame, QMainWindow, QScrollArea, QWidget

from inpaint_desktop.api.backend import Backend
from inpaint_desktop.core.models import load_capabilities, looks_like_image_model
from inpaint_desktop.core.rules import probe_image
from inpaint_desktop.gui.common.loader import BackgroundLoader
from inpaint_desktop.gui.results.panel import ResultsStrip
from inpaint_desktop.gui.send.job_list import JobListPanel
from inpaint_desktop.gui.send.jobs import JobFailure, JobOutcome, JobQueue
from inpaint_desktop.gui.send.panel import OFFLINE, OPENAI, SendPanel
from inpaint_desktop.gui.send.params import Caps, model_caps
from inpaint_desktop.gui.send.references import ReferencesPanel
from inpaint_desktop.gui.send.support import (
    api_key_configured,
    estimate,
    image_array,
    loaded_from_qimage,
    make_backend,
    qimage_from_array,
)
from inpaint_desktop.pipeline.job import JobSpec
from inpaint_desktop.pipeline.upload import plan_upload
from inpaint_desktop.store.results import ResultsLibrary
from inpaint_desktop.store.settings import Settings, load_settings, save_settings

# Models listed by another copy of this app's own server (``inpaint-desktop serve``).
OWN_SERVER = "inpaint-desktop"
# The preflight follows the mask while painting, at most this often (ms).
PREFLIGHT_DELAY_MS = 200


class SendWorkflow(QObject):
    """Owns the job queue and the Send-related panels of one window."""

    def __init__(self, window: Any, document: Any, *, settings: Settings | None = None,
                 library: ResultsLibrary | None = None) -> None:
        super().__init__(window)
        settings = settings if settings is not None else load_settings()
        self.window, self.document, self.settings = window, document, settings
        self.table = load_capabilities()
        self.models: dict[str, Caps] = model_caps(self.table)
        self.base_url: str | None = settings.base_url
        self.allow_insecure_http = settings.allow_insecure_http
        self.panel = SendPanel(self.models)
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
        self._original_cache: tuple[object, QImage] | None = None
        self._models_from: set[str] = set()
        self.loader = getattr(window, "loader", None) or BackgroundLoader(self)
        self.docks: tuple[Any, Any] | None = None
        self.results_dock: Any = None
        self._shown = False
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
        window.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)

    # -- backend --------------------------------------------------------------------------
    def _backend_factory(self, choice: str):
        def factory() -> Backend:
            # Read when the worker builds the backend, so a changed base URL takes effect.
            return make_backend(choice, self.base_url, allow_insecure_http=self.allow_insecure_http)

        return factory

    def _on_backend_changed(self, choice: str) -> None:
        if hasattr(self, "queue"):
            self.queue.set_backend_factory(self._backend_factory(choice))
            self.update_cost()
            if choice == OPENAI:
                self.refresh_models()

    def refresh_models(self) -> None:
        """Add the image models the server lists (``GET /v1/models``) to the model choice, once per URL.

        Only for a configured server (a gateway, a colleague's server, ``inpaint-desktop serve``): the
        official API's image models are in the capability table already. Runs in the background; a
        server that cannot be reached keeps the built-in table.
        """
        base_url = self.base_url
        if not base_url or base_url in self._models_from:
            return
        self._models_from.add(base_url)

        def fetch() -> list[str]:
            backend = make_backend(OPENAI, base_url, allow_insecure_http=self.allow_insecure_http)
            try:
                return [m.id for m in backend.list_models()
                        if looks_like_image_model(m.id) or m.owned_by == OWN_SERVER]
            finally:
                backend.close()

        def done(ids: list[str]) -> None:
            if base_url != self.base_url:
                return  # the URL changed meanwhile; that URL's own refresh will follow
            self.table = load_capabilities().with_ids(ids, keep_all=True)
            self.models = model_caps(self.table)
            self.panel.set_api_models(self.models)
            self.update_cost()

        def failed(message: str, _details: str) -> None:
            self._models_from.discard(base_url)  # try again next time
            status = getattr(self.window, "statusBar", None)
            if callable(status):
                status().showMessage(f"Could not list the server's models: {message}", 8000)

        self.loader.submit(fetch, done, failed)

    def open_api_settings(self) -> None:
        from inpaint_desktop.gui.send.api_settings import ApiSettingsDialog

        dialog = ApiSettingsDialog(self.window if isinstance(self.window, QWidget) else None,
                                   base_url=self.base_url, allow_insecure_http=self.allow_insecure_http)
        if dialog.exec():
            self.base_url = dialog.base_url() or None
            self.allow_insecure_http = dialog.allow_insecure_http()
            self._save_base_url()
            if api_key_configured() or self.base_url:
                self.panel.set_backend_choice(OPENAI)
            self._on_backend_changed(self.panel.backend_choice())

    def _save_base_url(self) -> None:
        changes = {"base_url": self.base_url, "allow_insecure_http": self.allow_insecure_http}
        update = getattr(self.window, "update_settings", None)
        if update is not None:  # the window owns the settings file: one writer, no lost changes
            update(**changes)
            return
        try:
            save_settings(load_settings().with_changes(**changes))
        except OSError as exc:
            self.message(f"Could not save the base URL: {exc}", "warning")

    # -- sending --------------------------------------------------------------------------
    def message(self, text: str, level: str = "error", details: str = "") -> None:
        bar = getattr(self.window, "message_bar", None)
        if bar is not None:
            bar.show_message(text, level, details)

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
        mask = snap.mask
        if not mask.any():
            if offline:
                self.message("Paint the region to fill first: the offline engine fills only masked areas.",
                             "warning")
                return None
            mask = None
        image = image_array(snap.image)
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
        self._originals[spec.job_id] = self._original_qimage(snap.image, image)
        self.queue.submit(spec)
        self.panel.remember_prompt(prompt)
        return spec

    def _original_qimage(self, loaded: object, array: Any) -> QImage:
        # Jobs sent from the same photo share one copy of it (a 24 MP photo is ~100 MB as a QImage).
        if self._original_cache is None or self._original_cache[0] is not loaded:
            self._original_cache = (loaded, qimage_from_array(array))
        return self._original_cache[1]

    def is_offline(self) -> bool:
        return self.panel.backend_choice() == OFFLINE

    def open_generated(self, data: bytes) -> None:
        """A generated image becomes the photo to paint on (decoded on the thread pool)."""
        from inpaint_desktop.gui.send.support import loaded_from_bytes

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
        session = f"Session total: ${self.session_cost:.3f}"
        if self.panel.backend_choice() == OFFLINE:
            self.panel.set_cost_text("Free (offline)", session, self._offline_preflight())
            return
        params = self.panel.params.params()
        refs = self._reference_sizes()
        if self.document.is_empty():
            self.panel.set_cost_text("Open a photo to see the cost", session)
            return
        width, height = self.document.size()
        try:
            plan, box = plan_upload(self.table.get(params.model), width, height, size=params.size,
                                    mask=self.document.mask, crop=self.panel.crop.isChecked())
        except ValueError as exc:
            self.panel.set_cost_text("Cannot send", session, str(exc))
            return
        est = estimate(params, self.table, plan.upload, refs, self.panel.prompt_text())
        if est is None or (est.total_usd == 0 and est.note.startswith("no price")):
            text = "Cost: no price data for this model"
            tip = est.note if est else ""
        else:
            text = f"Estimated ${est.total_usd:.3f}"
            tip = (f"{est.input_tokens} input + {est.output_tokens} output tokens"
                   + (f" ({est.note})" if est.note else ""))
        parts = []
        bw, bh = box[2] - box[0], box[3] - box[1]
        what = f"{bw}x{bh} crop of the photo" if (bw, bh) != (width, height) else "the photo"
        if plan.is_identity:
            parts.append(f"Uploads {what} at {plan.upload[0]}x{plan.upload[1]}")
        else:
            parts.append(f"Uploads {what} fitted to {plan.upload[0]}x{plan.upload[1]} "
                         "(results are mapped back to full size)")
        parts.append("with the mask" if self.document.mask.any() else "without a mask (whole image)")
        if refs:
            parts.append(f"+ {len(refs)} reference image(s)")
        parts.append(f"× {params.n} variant(s)")
        self.panel.set_cost_text(text, session, " ".join(parts) + ".", tip)

    def _offline_preflight(self) -> str:
        if self.document.is_empty():
            return ""
        width, height = self.document.size()
        return f"Fills the painted area of the {width}x{height} photo on this computer; nothing is uploaded."

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
        cost = outcome.cost_usd
        if cost:
            self.session_cost += cost
        self.update_cost()
        if outcome.save_error:
            self.message("The result is shown but could not be saved.", "error", outcome.save_error)
        job = self.queue.jobs[job_id]
        if job.spec.kind == "edit":
            # The strip holds the original from here on; the workflow forgets it.
            self.results.add_variants(job_id, outcome.variants, self._originals.pop(job_id, None),
                                      job.spec.prompt)
        rid = outcome.result.request_id
        cost_note = f", ${cost:.3f}" if cost else ""
        self.panel.cost.setToolTip(f"Last call: {len(outcome.variants)} image(s) in {outcome.elapsed_s:.1f} s"
                                   f"{cost_note}{f', request {rid}' if rid else ''}")

    def _forget(self, job_id: str) -> None:
        self._originals.pop(job_id, None)

    def _on_failed(self, job_id: str, failure: JobFailure) -> None:
        self._forget(job_id)
        rid = f" (request id {failure.request_id})" if failure.request_id else ""
        # The mask and the prompt stay in the document and the prompt box: nothing to restore.
        self.message(f"Send failed: {failure.message}{rid}", "error", failure.details)

    def new_from_prompt(self) -> None:
        from inpaint_desktop.gui.send.new_from_prompt import NewFromPromptDialog

        parent = self.window if isinstance(self.window, QWidget) else None
        dialog = NewFromPromptDialog(self, parent)
        dialog.show()
        self._new_dialog = dialog

    def use_as_base(self, image: QImage) -> None:
        """Keep iterating on a result: it becomes the photo to paint on (the mask starts empty)."""
        confirm = getattr(self.window, "confirm_discard", None)
        if confirm is not None and not confirm("Using the result as the new base"):
            return
        self.document.set_image(loaded_from_qimage(image))

    # -- lifetime -------------------------------------------------------------------------
    def _proportion_docks(self) -> None:
        """Give the Send panel most of the right column and the results a third of the height.

        Dock sizes only take once the window has its real size, so this runs when it is first shown.
        """
        if self.docks is None or self.results_dock is None:
            return
        send, jobs = self.docks
        height = self.window.height()
        self.window.resizeDocks([send, jobs], [max(300, height - 220), 180], Qt.Orientation.Vertical)
        self.window.resizeDocks([self.results_dock], [max(240, int(height * 0.42))], Qt.Orientation.Vertical)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Show and not self._shown:
            self._shown = True
            QTimer.singleShot(0, self._proportion_docks)
        if watched is self.window and event.type() == QEvent.Type.Close:
            # The window may still refuse to close (unsaved mask); decide once it has.
            QTimer.singleShot(0, self._close_if_hidden)
        return False

    def _close_if_hidden(self) -> None:
        if not self.window.isVisible():
            self.close()

    def close(self) -> None:
        self.queue.close()


def _library(settings: Settings) -> ResultsLibrary:
    return ResultsLibrary(Path(settings.results_dir).expanduser() if settings.results_dir else None)


def install_send_workflow(window: Any, document: Any, *, settings: Settings | None = None,
                          library: ResultsLibrary | None = None) -> SendWorkflow:
    """Add the Send, Jobs, Results and References panels, File > New from Prompt and Ctrl+Enter."""
    flow = SendWorkflow(window, document, settings=settings, library=library)
    right = Qt.DockWidgetArea.RightDockWidgetArea
    bottom = Qt.DockWidgetArea.BottomDockWidgetArea
    # The Send panel scrolls rather than squeezing its rows on short screens.
    scroll = QScrollArea()
    scroll.setObjectName("send_scroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(flow.panel)
    scroll.setMinimumWidth(flow.panel.sizeHint().width() + 24)
    send = window.add_side_panel(scroll, "Send", right)
    jobs = window.add_side_panel(flow.jobs_panel, "Jobs", right)
    refs = window.add_side_panel(flow.references, "Reference images", right)
    if isinstance(window, QMainWindow):
        window.tabifyDockWidget(jobs, refs)
        jobs.raise_()
        # The right column runs the full height; results sit under the canvas.
        window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        flow.docks = (send, jobs)
    flow.results_dock = window.add_side_panel(flow.results, "Results", bottom)
    send_action = QAction("Send", window)
    send_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    send_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    send_action.triggered.connect(flow.send)
    window.addAction(send_action)
    new_action = QAction("New from Prompt…", window)
    new_action.setObjectName("new_from_prompt")
    new_action.triggered.connect(flow.new_from_prompt)
    menu_bar = window.menuBar()
    file_menu = next((a.menu() for a in menu_bar.actions() if a.menu() and
                      a.text().replace("&", "") == "File"), None)
    if file_menu is None:
        file_menu = menu_bar.addMenu("&File")
    actions = file_menu.actions()
    file_menu.insertAction(actions[1] if len(actions) > 1 else None, new_action)
    flow.send_action, flow.new_action = send_action, new_action
    return flow
