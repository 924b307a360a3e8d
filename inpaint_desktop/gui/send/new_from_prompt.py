"""File > New from Prompt: generate images, pick one, open it as a new document.

Models that offer them can return an animated GIF or an SVG: the preview plays the GIF and draws the
SVG with QtSvg from the bytes as returned (which the results library keeps as ``.gif``/``.svg``);
opening one as a document paints on its first frame or its rendering.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QBuffer, QByteArray, QSize, Qt
from PySide6.QtGui import QIcon, QMovie, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inpaint_desktop.core.availability import ModelOffer
from inpaint_desktop.core.models import CapabilityTable
from inpaint_desktop.gui.common.vector import SvgError, is_gif, is_svg, render_svg
from inpaint_desktop.gui.results.variant import Variant
from inpaint_desktop.gui.send.jobs import JobFailure, JobOutcome, JobQueue
from inpaint_desktop.gui.send.params import ParamsPanel, model_caps
from inpaint_desktop.pipeline.job import JobSpec

PREVIEW_PX = 256


class GenerationHost(Protocol):
    """What the dialog needs from the Send workflow (which implements it)."""

    @property
    def table(self) -> CapabilityTable: ...

    @property
    def queue(self) -> JobQueue: ...

    @property
    def offers(self) -> list[ModelOffer]:
        """The models offered now (shutdown dates and the server's list applied)."""
        ...

    def is_offline(self) -> bool: ...

    def submit_generation(self, spec: JobSpec) -> None: ...

    def open_generated(self, data: bytes) -> None:
        """Open a generated image (its encoded bytes) as the new photo to paint on."""

OFFLINE_GENERATION_NOTE = (
    "Generating a new image needs an OpenAI-compatible backend: the built-in offline engine can only "
    "fill painted regions of an existing photo. Choose OpenAI-compatible in the Send panel."
)


class NewFromPromptDialog(QDialog):
    """Prompt + output options; variants return through the shared job queue."""

    def __init__(self, flow: GenerationHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New from Prompt")
        self._flow = flow
        self._job_id: str | None = None
        self._variants: list[Variant] = []
        self._movie: QMovie | None = None
        self._movie_buffer: QBuffer | None = None
        layout = QVBoxLayout(self)
        self.prompt = QPlainTextEdit(objectName="gen_prompt")
        self.prompt.setPlaceholderText("Describe the image to create…")
        layout.addWidget(self.prompt)
        self.params = ParamsPanel(model_caps(flow.table, generate=True, offers=flow.offers), self,
                                  generate=True, default=flow.table.default_model)
        layout.addWidget(self.params)
        self.note = QLabel(objectName="gen_note", wordWrap=True)
        layout.addWidget(self.note)
        self.generate_button = QPushButton("Generate", objectName="generate")
        layout.addWidget(self.generate_button)
        self.choices = QListWidget(objectName="gen_choices")
        self.choices.setViewMode(QListWidget.ViewMode.IconMode)
        self.choices.setIconSize(QSize(128, 128))
        layout.addWidget(self.choices)
        # The chosen variant as returned: a GIF plays, an SVG is drawn by QtSvg at the preview's size.
        self.preview = QLabel(objectName="gen_preview", alignment=Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedSize(PREVIEW_PX, PREVIEW_PX)
        self.preview.setVisible(False)
        layout.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton("Open as new document", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setEnabled(False)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self._open)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.generate_button.clicked.connect(self.generate)
        self.choices.currentRowChanged.connect(lambda r: self.open_button.setEnabled(r >= 0))
        self.choices.currentRowChanged.connect(self._show_preview)
        flow.queue.job_finished.connect(self._on_finished)
        flow.queue.job_failed.connect(self._on_failed)
        self._update_offline()

    def _update_offline(self) -> None:
        offline = self._flow.is_offline()
        self.note.setText(OFFLINE_GENERATION_NOTE if offline else "")
        self.generate_button.setEnabled(not offline)

    def generate(self) -> None:
        prompt = self.prompt.toPlainText().strip()
        if not prompt:
            self.note.setText("Type a prompt first.")
            return
        spec = JobSpec(JobQueue.new_job_id(), "generate", prompt, self.params.params())
        self._job_id = spec.job_id
        self._flow.submit_generation(spec)
        self.note.setText("Generating… (see the Jobs panel for progress and Cancel)")

    def _on_finished(self, job_id: str, outcome: JobOutcome) -> None:
        if job_id != self._job_id:
            return
        for v in outcome.variants:
            self._variants.append(v)
            pix = QPixmap.fromImage(v.thumb if v.thumb is not None else v.raw).scaled(
                128, 128, Qt.AspectRatioMode.KeepAspectRatio)
            kind = " (GIF)" if is_gif(v.raw_bytes) else " (SVG)" if is_svg(v.raw_bytes) else ""
            self.choices.addItem(QListWidgetItem(QIcon(pix), f"Variant {v.index + 1}{kind}"))
        if self.choices.count():
            self.choices.setCurrentRow(0)
        self.note.setText("Pick a variant and open it to start painting.")

    def _on_failed(self, job_id: str, failure: JobFailure) -> None:
        if job_id == self._job_id:
            self.note.setText(f"Generation failed: {failure.message}")

    def _stop_movie(self) -> None:
        if self._movie is not None:
            self._movie.stop()
            self.preview.setMovie(None)
            self._movie = self._movie_buffer = None

    def _show_preview(self, row: int) -> None:
        self._stop_movie()
        if not 0 <= row < len(self._variants):
            self.preview.setVisible(False)
            return
        variant = self._variants[row]
        data = variant.raw_bytes
        # Raster results are seen in the list's icons; the preview is for what icons cannot show.
        self.preview.setVisible(is_svg(data) or is_gif(data))
        if is_svg(data):
            try:
                self.preview.setPixmap(QPixmap.fromImage(render_svg(data, PREVIEW_PX)))
            except SvgError as exc:
                self.preview.setText(str(exc))
            return
        if is_gif(data):
            # QMovie reads from a device that must live as long as the movie.
            self._movie_buffer = QBuffer(self)
            self._movie_buffer.setData(QByteArray(data))
            self._movie = QMovie(self._movie_buffer, QByteArray(b"gif"), self)
            box = QSize(PREVIEW_PX, PREVIEW_PX)
            self._movie.setScaledSize(variant.raw.size().scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
            self.preview.setMovie(self._movie)
            self._movie.start()

    def _open(self) -> None:
        row = self.choices.currentRow()
        if row < 0:
            return
        self._stop_movie()
        self._flow.open_generated(self._variants[row].raw_bytes)
        self.accept()
