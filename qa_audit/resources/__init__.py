"""Where the app's own files are: icons, fonts with their licences, the style sheet and the
.desktop file live in the top-level `resources/` folder beside `qa_audit/`, where a designer
finds them. Building a wheel copies them into this package (see `setup.py`), and the
PyInstaller build puts them in the same place, so an installed app finds them here, through
`importlib.resources`; a source checkout (and an editable install) reads `resources/`."""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_ROOT = PACKAGE_DIR.parent.parent


def bundle_root() -> Path | None:
    """The unpacked bundle folder when running as a built app, else None."""
    root = getattr(sys, "_MEIPASS", None)
    return Path(root) if root else None


def resources_dir() -> Path:
    """The folder holding `fonts/`, `icons/`, `style.qss` and `qa-audit.desktop`."""
    installed = Path(str(files(__name__)))
    if (installed / "fonts").is_dir():
        return installed
    return _SOURCE_ROOT / "resources"


def resource(*parts: str) -> Path:
    """A file of the app's own: `resource("fonts", "DejaVuSans.ttf")`."""
    return resources_dir().joinpath(*parts)


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
