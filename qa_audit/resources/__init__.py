"""Where the app's own files are: in the source tree, or inside a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_ROOT = PACKAGE_DIR.parent.parent


def bundle_root() -> Path | None:
    """The unpacked bundle folder when running as a built app, else None."""
    root = getattr(sys, "_MEIPASS", None)
    return Path(root) if root else None


def resource(*parts: str) -> Path:
    """A file under qa_audit/resources (icons, fonts)."""
    return PACKAGE_DIR.joinpath(*parts)


def icon_path() -> Path:
    return resource("icons", "qa-audit.png")


def standards_dir() -> Path:
    """The shipped frameworks: the bundle's copy, or the source tree's `standards/`."""
    root = bundle_root()
    if root is not None and (root / "standards").is_dir():
        return root / "standards"
    return _SOURCE_ROOT / "standards"


def shipped_frameworks() -> list[Path]:
    """The framework YAML files shipped with the app, in a stable order."""
    return sorted(standards_dir().glob("*.yaml"))
