"""The benchmark runner still runs (benchmarks are not tests: no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runner_prints_its_table(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--only", "pdf"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, check=True)
    out = done.stdout
    assert "figure" in out and "baseline" in out and "ratio" in out
    assert "page assessment PDF" in out and "error:" not in out
    assert ("1 of 1 budgets passed" in out) or ("1 missed" in out)
