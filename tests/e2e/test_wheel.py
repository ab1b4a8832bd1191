"""The top-level resources/ folder (icons, fonts with their licences, style sheet, .desktop
file) is installed as package data: a wheel built from the source tree carries every file,
and code imported from that wheel finds and loads them through importlib.resources."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _own_files() -> set[str]:
    """Every file of resources/, as the wheel must hold it (under qa_audit/resources/)."""
    return {"qa_audit/resources/" + p.relative_to(ROOT / "resources").as_posix()
            for p in (ROOT / "resources").rglob("*") if p.is_file()}


@pytest.mark.slow
def test_a_built_wheel_carries_and_finds_the_apps_own_files(tmp_path: Path) -> None:
    expected = _own_files()
    assert {"qa_audit/resources/fonts/DejaVuSans.ttf", "qa_audit/resources/fonts/LICENSE-Noto.txt",
            "qa_audit/resources/icons/qa-audit.png", "qa_audit/resources/style.qss",
            "qa_audit/resources/qa-audit.desktop"} <= expected
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w",
         str(tmp_path / "dist")], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("qa_audit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    assert expected <= names, sorted(expected - names)
    assert not any(n.startswith("resources/") for n in names)  # inside the package only

    # Imported from the unpacked wheel (not this checkout): the files are found there, the
    # PDF font loads and the style sheet has every colour filled in.
    probe = f"""
import sys
sys.path.insert(0, {str(tmp_path / "site")!r})
import qa_audit.resources as r
assert r.__file__.startswith({str(tmp_path / "site")!r}), r.__file__
from reportlab.pdfbase.ttfonts import TTFont
font = TTFont("Probe", str(r.resource("fonts", "NotoSansArabic-Regular.ttf")))
from qa_audit.ui.palette import style_sheet
sheet = style_sheet()
assert "$" not in sheet and "#1d4e89" in sheet, sheet
print(r.resources_dir(), font.face.name.decode() if isinstance(font.face.name, bytes)
      else font.face.name)
"""
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr[-3000:]
    folder, font_name = ran.stdout.split()
    assert Path(folder) == tmp_path / "site" / "qa_audit" / "resources"
    assert "Noto" in font_name
