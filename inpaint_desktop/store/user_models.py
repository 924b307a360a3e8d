"""The user's own ``models.json``: model entries, prices and dates merged over the packaged table.

It lives in the user's config folder beside ``settings.json``, so a new model or a changed price
needs no new release. A broken file never stops the app: ``load_model_table`` returns the packaged
table with whatever in the file could be used, and ``problems`` names the file and each bad key.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_dir

from inpaint_desktop.core.models import CapabilityTable, load_user_capabilities
from inpaint_desktop.store.settings import APP_DIR_NAME

USER_MODELS_FILE = "models.json"


def user_models_path() -> Path:
    return Path(user_config_dir(APP_DIR_NAME, appauthor=False)) / USER_MODELS_FILE


def load_model_table(path: str | os.PathLike[str] | None = None) -> CapabilityTable:
    """The packaged table with the user's file merged over it (``path``, else the config folder's)."""
    return load_user_capabilities(Path(path) if path is not None else user_models_path())
