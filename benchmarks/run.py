"""Measure every performance budget of DESIGN.md section 10 against raw baselines.

    python benchmarks/run.py          # 100,000 assessments (about 1.5 million ratings)
    python benchmarks/run.py --quick  # 5,000 assessments, fewer repeats

Builds its own demo databases (encrypted and clear-text) in a temporary folder, measures
each figure and its baseline in this same run, and prints: figure, ours, baseline, ratio,
budget, pass/MISS. Benchmarks are not tests: nothing here is asserted in the test suite.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import figures_app  # noqa: F401  (registers figures)
import figures_exchange  # noqa: F401  (registers figures)
import figures_storage  # noqa: F401  (registers figures)
import figures_sync  # noqa: F401  (registers figures)
import figures_team_store  # noqa: F401  (registers figures)
import figures_themes  # noqa: F401  (registers figures)
from harness import FIGURES, Context, Result, table


def _measure(ctx: Context, only: str | None, results: list[Result]) -> None:
    for fn in FIGURES:
        name = fn.__name__
        if only and only not in name:
            continue
        t0 = time.perf_counter()
        try:
            result = fn(ctx)
        except Exception as exc:
            result = Result(name, [float("nan")], None, "—", note=f"error: {exc}")
        results.append(result)
        print(f"  measured {name} in {time.perf_counter() - t0:.1f} s", file=sys.stderr,
              flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, few repeats")
    parser.add_argument("--only", help="run only figures whose name contains this")
    parser.add_argument("--pg-url", help="the team store figures on this already loaded "
                        "demo database (the owner's postgresql://... URL) instead of a new "
                        "cluster loaded by the run")
    args = parser.parse_args()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="qa-audit-bench-") as tmp:
        ctx = Context(quick=args.quick, workdir=Path(tmp), pg_url=args.pg_url)
        try:
            _measure(ctx, args.only, results)
        finally:
            for cleanup in reversed(ctx.cleanups):  # e.g. stop the team store's server
                cleanup()
    print(table(results))
    judged = [r for r in results if r.judged]
    missed = [r.name for r in judged if not r.passed]
    print(f"\n{len(judged) - len(missed)} of {len(judged)} budgets passed, {len(missed)} missed"
          + (f": {', '.join(missed)}" if missed else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
