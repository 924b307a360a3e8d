"""The job list: one row per job with status, elapsed time, upload progress, preview and Cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from inpaint_desktop.gui.send.jobs import JobOutcome, JobQueue, JobState

_THUMB = 56


class JobRow(QWidget):
    """One job: preview thumbnail, prompt, status line, upload bar, Cancel."""

    def __init__(self, queue: JobQueue, job_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"job-{job_id}")
        self._queue, self.job_id = queue, job_id
        job = queue.jobs[job_id]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.preview = QLabel(fixedWidth=_THUMB, fixedHeight=_THUMB)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #2b2b2b; color: #aaa;")
        self.preview.setText(job.spec.kind)
        layout.addWidget(self.preview)
        text = QVBoxLayout()
        prompt = job.spec.prompt or "(no prompt)"
        self.title = QLabel(prompt if len(prompt) < 48 else prompt[:45] + "…")
        self.title.setToolTip(job.spec.prompt)
        self.status = QLabel(objectName="status", wordWrap=True)
        # Long prompts and messages never push the Cancel button out of the panel.
        for label in (self.title, self.status):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.bar = QProgressBar(maximumHeight=8, textVisible=False)
        text.addWidget(self.title)
        text.addWidget(self.status)
        text.addWidget(self.bar)
        layout.addLayout(text, 1)
        self.cancel_button = QPushButton("Cancel", objectName="cancel")
        self.cancel_button.clicked.connect(lambda: queue.cancel(job_id))
        layout.addWidget(self.cancel_button)
        self.refresh()

    def refresh(self) -> None:
        job = self._queue.jobs[self.job_id]
        self.status.setText(f"{job.status} · {job.elapsed():.1f} s")
        active = job.state in (JobState.QUEUED, JobState.RUNNING)
        self.cancel_button.setVisible(active)
        if job.upload_total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * job.upload_done / job.upload_total))
        elif job.state is JobState.RUNNING:
            self.bar.setRange(0, 0)  # busy
        self.bar.setVisible(active)
        colours = {JobState.FAILED: "#b00020", JobState.CANCELLED: "#777", JobState.DONE: "#1b6e20"}
        self.status.setStyleSheet(f"color: {colours.get(job.state, 'palette(text)')};")

    def show_preview(self, image: QImage) -> None:
        # QPixmap only here, on the GUI thread.
        pix = QPixmap.fromImage(image).scaled(_THUMB, _THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(pix)


class JobListPanel(QScrollArea):
    """All jobs of the session, newest first."""

    def __init__(self, queue: JobQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("job_list")
        self.setWidgetResizable(True)
        # Rows wrap their text instead of widening the panel.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._queue = queue
        inner = QWidget()
        self._layout = QVBoxLayout(inner)
        self._layout.addStretch(1)
        self.setWidget(inner)
        self.rows: dict[str, JobRow] = {}
        self._empty = QLabel("No jobs yet. Paint a mask, type a prompt and press Send.", wordWrap=True)
        self._layout.insertWidget(0, self._empty)
        queue.job_added.connect(self._add)
        queue.job_changed.connect(self._changed)
        queue.job_partial.connect(self._partial)
        queue.job_finished.connect(self._finished)

    def _add(self, job_id: str) -> None:
        self._empty.hide()
        row = JobRow(self._queue, job_id)
        self.rows[job_id] = row
        self._layout.insertWidget(0, row)

    def _changed(self, job_id: str) -> None:
        if row := self.rows.get(job_id):
            row.refresh()

    def _partial(self, job_id: str, _index: int, image: QImage) -> None:
        if row := self.rows.get(job_id):
            row.show_preview(image)

    def _finished(self, job_id: str, outcome: JobOutcome) -> None:
        row = self.rows.get(job_id)
        variants = outcome.variants
        if row and variants:
            first = variants[0]
            row.show_preview(first.thumb if first.thumb is not None else first.raw)
