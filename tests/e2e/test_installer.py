"""The installer build and its smoke test (slow: about a minute)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_build_and_smoke_test(tmp_path: Path) -> None:
    assert importlib.util.find_spec("PyInstaller") is not None, "install the dev extra"
    result = subprocess.run([sys.executable, str(ROOT / "build_installer.py")],
                            capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "smoke test passed" in result.stdout
    assert "bundle size" in result.stdout
