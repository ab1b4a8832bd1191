"""Paths (platformdirs) and user settings with a schema_version and migrations."""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP = "qa-audit"
SETTINGS_VERSION = 1


def _base() -> Path | None:
    home = os.environ.get("QA_AUDIT_HOME")
    return Path(home) if home else None


def data_dir() -> Path:
    base = _base()
    return base / "data" if base else Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    base = _base()
    return base / "config" if base else Path(platformdirs.user_config_dir(APP, appauthor=False))


def log_dir() -> Path:
    base = _base()
    return base / "logs" if base else Path(platformdirs.user_log_dir(APP, appauthor=False))


def default_database() -> str:
    """`QA_AUDIT_DB` if set, else qa-audit.db in the user data dir."""
    return os.environ.get("QA_AUDIT_DB") or str(data_dir() / "qa-audit.db")


@dataclass
class Settings:
    """User preferences kept in settings.json; older files are migrated on load."""

    schema_version: int = SETTINGS_VERSION
    protective_marking: str = "OFFICIAL-SENSITIVE"
    autosave_seconds: float = 1.5
    idle_lock_minutes: int = 10
    last_database: str = ""
    recent_exports: list[str] = field(default_factory=list)
    # Keep a copy on this computer? ("keep" or "declined"), by the copy's path (one per
    # team store and person; see qa_audit.ui.sync_status).
    copy_choices: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or config_dir() / "settings.json"
        try:
            raw: dict[str, Any] = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return cls()
        raw = migrate_settings(raw)
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def save(self, path: Path | None = None) -> None:
        path = path or config_dir() / "settings.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), "utf-8")
        tmp.replace(path)


def migrate_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring an older settings dict up to SETTINGS_VERSION, one step at a time."""
    version = int(raw.get("schema_version", 0))
    if version < 1:
        # version 0 (unversioned) called the marking "marking"
        if "marking" in raw:
            raw["protective_marking"] = raw.pop("marking")
        version = 1
    raw["schema_version"] = version
    return raw


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Rotating log in the platform log dir. Log records carry ids and actions only."""
    try:
        directory = log_dir()
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    path = directory / "qa-audit.log"
    root = logging.getLogger("qa_audit")
    root.setLevel(level)
    for old in list(root.handlers):
        if isinstance(old, logging.handlers.RotatingFileHandler):
            if Path(old.baseFilename) == path:
                return path
            stop_logging()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path


def stop_logging() -> None:
    """Close the log file (tests, and before the app exits)."""
    root = logging.getLogger("qa_audit")
    for handler in list(root.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            root.removeHandler(handler)
            handler.close()
