"""The Tools panel: tool buttons, brush size and hardness, mask operations, overlay style.

Every button here triggers the same QAction as its menu entry and shortcut, so the three never
disagree; sliders follow the canvas (its ``brush_changed`` / ``overlay_changed`` signals) and
write back through the canvas setters.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inpaint_desktop.gui.editor.canvas import Canvas
from inpaint_desktop.gui.editor.tools import BrushSettings

MIN_SIZE, MAX_SIZE = 1, 2000
# Actions whose panel control is a slider rather than a button.
SLIDER_ACTIONS = ("smaller", "larger", "softer", "harder", "opacity_up", "opacity_down")
_SLIDER_STEPS = 1000


def size_to_slider(size: float) -> int:
    """Brush diameter -> slider position on a log scale (fine control of small brushes)."""
    size = min(MAX_SIZE, max(MIN_SIZE, size))
    return round(math.log(size / MIN_SIZE) / math.log(MAX_SIZE / MIN_SIZE) * _SLIDER_STEPS)


def slider_to_size(position: int) -> float:
    return MIN_SIZE * (MAX_SIZE / MIN_SIZE) ** (position / _SLIDER_STEPS)


class ToolPanel(QWidget):
    """Side panel bound to a canvas and the window's named actions."""

    def __init__(self, canvas: Canvas, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.named_actions = actions
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._tools_box())
        layout.addWidget(self._brush_box())
        layout.addWidget(self._mask_box())
        layout.addWidget(self._overlay_box())
        layout.addWidget(self._view_box())
        layout.addStretch(1)
        canvas.brush_changed.connect(self._sync_brush)
        canvas.overlay_changed.connect(self._sync_overlay)
        self._sync_brush()
        self._sync_overlay()

    # -- building -----------------------------------------------------------------------------
    def _button(self, name: str) -> QToolButton:
        button = QToolButton(objectName=f"btn_{name}")
        button.setDefaultAction(self.named_actions[name])
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return button

    def _grid(self, names: list[str], columns: int) -> QGridLayout:
        grid = QGridLayout()
        grid.setSpacing(3)
        for i, name in enumerate(names):
            grid.addWidget(self._button(name), i // columns, i % columns)
        return grid

    def _tools_box(self) -> QGroupBox:
        box = QGroupBox("Tool")
        layout = QVBoxLayout(box)
        layout.addLayout(self._grid(["brush", "eraser", "rect", "lasso", "polygon", "finish_polygon"], 3))
        layout.addLayout(self._grid(["undo", "redo"], 2))
        return box

    def _brush_box(self) -> QGroupBox:
        box = QGroupBox("Brush")
        form = QFormLayout(box)
        self.size_slider = QSlider(Qt.Orientation.Horizontal, objectName="brush_size_slider")
        self.size_slider.setRange(0, _SLIDER_STEPS)
        self.size_spin = QSpinBox(objectName="brush_size_spin")
        self.size_spin.setRange(MIN_SIZE, MAX_SIZE)
        self.size_spin.setSuffix(" px")
        self.size_spin.setToolTip("Brush diameter in image pixels ([ and ], Ctrl+wheel, Alt+right-drag)")
        row = QHBoxLayout()
        row.addWidget(self.size_slider, 1)
        row.addWidget(self.size_spin)
        form.addRow("Size", row)
        self.hardness_slider = QSlider(Qt.Orientation.Horizontal, objectName="brush_hardness_slider")
        self.hardness_slider.setRange(0, 100)
        self.hardness_slider.setToolTip("100 % = hard edge; lower values fade the edge ({ and })")
        self.hardness_label = QLabel()
        self.hardness_label.setMinimumWidth(40)
        row = QHBoxLayout()
        row.addWidget(self.hardness_slider, 1)
        row.addWidget(self.hardness_label)
        form.addRow("Hardness", row)
        self.size_slider.valueChanged.connect(lambda v: self._set_size(slider_to_size(v)))
        self.size_spin.valueChanged.connect(lambda v: self._set_size(float(v)))
        self.hardness_slider.valueChanged.connect(self._set_hardness)
        return box

    def _mask_box(self) -> QGroupBox:
        box = QGroupBox("Mask")
        layout = QVBoxLayout(box)
        layout.addLayout(self._grid(["fill", "clear", "invert"], 3))
        self.edge_spin = QSpinBox(objectName="edge_px")
        self.edge_spin.setRange(1, 500)
        self.edge_spin.setValue(8)
        self.edge_spin.setSuffix(" px")
        self.edge_spin.setToolTip("How far Grow, Shrink and Feather move or soften the mask's edge")
        row = QHBoxLayout()
        row.addWidget(QLabel("By"))
        row.addWidget(self.edge_spin, 1)
        layout.addLayout(row)
        layout.addLayout(self._grid(["grow", "shrink", "feather"], 3))
        layout.addLayout(self._grid(["import_mask", "export_mask"], 2))
        return box

    def _overlay_box(self) -> QGroupBox:
        box = QGroupBox("Overlay")
        form = QFormLayout(box)
        self.color_button = QPushButton(objectName="overlay_color")
        self.color_button.setToolTip("Colour of the mask overlay")
        self.color_button.clicked.connect(self.named_actions["overlay_color"].trigger)
        form.addRow("Colour", self.color_button)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal, objectName="overlay_opacity")
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.valueChanged.connect(
            lambda v: self.canvas.set_overlay_style(self.canvas.overlay_color, v / 100.0)
        )
        form.addRow("Opacity", self.opacity_slider)
        form.addRow(self._grid(["overlay", "api_view"], 2))
        return box

    def _view_box(self) -> QGroupBox:
        box = QGroupBox("View")
        box.setLayout(self._grid(["fit", "actual", "zoom_in", "zoom_out"], 4))
        return box

    # -- canvas <-> widgets -------------------------------------------------------------------
    def _set_size(self, size: float) -> None:
        self.canvas.set_brush(BrushSettings(size=round(size), hardness=self.canvas.brush.hardness))

    def _set_hardness(self, value: int) -> None:
        self.canvas.set_brush(BrushSettings(size=self.canvas.brush.size, hardness=value / 100.0))

    def _sync_brush(self) -> None:
        brush = self.canvas.brush
        for widget, value in (
            (self.size_slider, size_to_slider(brush.size)),
            (self.size_spin, round(brush.size)),
            (self.hardness_slider, round(brush.hardness * 100)),
        ):
            widget.blockSignals(True)  # avoid feeding a rounded value back into the canvas
            widget.setValue(value)
            widget.blockSignals(False)
        self.hardness_label.setText(f"{brush.hardness * 100:.0f} %")

    def _sync_overlay(self) -> None:
        color = self.canvas.overlay_color
        text = "#000000" if color.lightness() > 140 else "#ffffff"
        self.color_button.setText(color.name())
        self.color_button.setStyleSheet(f"background: {color.name()}; color: {text};")
        self.opacity_slider.blockSignals(True)
        self.opacity_slider.setValue(round(self.canvas.overlay_opacity * 100))
        self.opacity_slider.blockSignals(False)


def choose_overlay_color(canvas: Canvas, parent: QWidget | None) -> None:
    """Open a colour picker (non-blocking) that recolours the overlay when a colour is chosen."""
    dialog = QColorDialog(QColor(canvas.overlay_color), parent)
    dialog.setWindowTitle("Overlay colour")
    dialog.colorSelected.connect(lambda c: canvas.set_overlay_style(c, canvas.overlay_opacity))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
