"""The File > Open Recent list, kept in QSettings (window state, not user preferences)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

KEY = "recent_files"
MAX_RECENT = 10


class RecentFiles:
    """Most recent first, no duplicates, at most ``MAX_RECENT`` entries."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings or QSettings()

    def paths(self) -> list[Path]:
        raw = self._settings.value(KEY, [])
        if isinstance(raw, str):  # QSettings returns a lone string for one-item lists on some backends
            raw = [raw]
        if not isinstance(raw, list):
            return []
        return [Path(p) for p in raw if isinstance(p, str) and p]

    def add(self, path: Path) -> None:
        resolved = str(Path(path).resolve())
        items = [resolved] + [str(p) for p in self.paths() if str(p) != resolved]
        self._store(items[:MAX_RECENT])

    def remove(self, path: Path) -> None:
        self._store([str(p) for p in self.paths() if p != path])

    def clear(self) -> None:
        self._store([])

    def _store(self, items: list[str]) -> None:
        self._settings.setValue(KEY, items)
        self._settings.sync()

    def fill_menu(self, menu: QMenu, open_path: Callable[[Path], None]) -> None:
        """Rebuild ``menu`` (called on aboutToShow, so the list is always current)."""
        menu.clear()
        paths = self.paths()
        for index, path in enumerate(paths, start=1):
            action = menu.addAction(f"&{index % 10} {path.name}" if index <= 10 else path.name)
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: open_path(p))
        if not paths:
            menu.addAction("No recent files").setEnabled(False)
            return
        menu.addSeparator()
        menu.addAction("Clear Recent Files").triggered.connect(self.clear)
