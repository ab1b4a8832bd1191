"""Build the qa_audit desktop app with PyInstaller, then smoke-test the built program.

    python build_installer.py            # onedir build in dist/qa-audit/, then smoke test
    python build_installer.py --onefile  # a single executable dist/qa-audit(.exe)
    python build_installer.py --smoke-only  # test an existing build

The smoke test runs the *built* program headless (QT_QPA_PLATFORM=offscreen): --version,
validate on the shipped frameworks, a demo database, a PDF export read back with pypdf,
and the main window opened and closed. Any failure exits non-zero.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SPEC = ROOT / "packaging" / "qa-audit.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
DEMO_PASSWORD_ENV = "QA_AUDIT_PASSWORD"


def build(onefile: bool) -> Path:
    env = {**os.environ, "QA_AUDIT_ONEFILE": "1" if onefile else "0"}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(DIST), "--workpath", str(WORK), str(SPEC)],
        check=True, env=env, cwd=ROOT,
    )
    elapsed = time.perf_counter() - started
    program = executable(onefile)
    size = _size(program if onefile else program.parent)
    print(f"built {program} in {elapsed:.0f} s; bundle size {size / 2**20:.1f} MiB")
    return program


def executable(onefile: bool) -> Path:
    name = "qa-audit.exe" if sys.platform == "win32" else "qa-audit"
    return DIST / name if onefile else DIST / "qa-audit" / name


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    # Symbolic links (the Qt libraries have some) point into the bundle: count files once.
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _run(program: Path, *args: str, env: dict[str, str]) -> str:
    print("smoke:", program.name, *args)
    result = subprocess.run([str(program), *args], capture_output=True, text=True, env=env,
                            timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"smoke test failed: {' '.join(args)} exited {result.returncode}\n"
                         f"{result.stdout}\n{result.stderr}")
    return result.stdout


def smoke_test(program: Path) -> None:
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory(prefix="qa-audit-smoke-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QA_AUDIT_HOME": str(home / "home")}
        env.pop("QA_AUDIT_DB", None)
        out = _run(program, "--version", env=env)
        assert "qa-audit" in out, out
        standards = sorted((ROOT / "standards").glob("*.yaml"))
        _run(program, "validate", *map(str, standards), env=env)
        db = home / "demo.db"
        out = _run(program, "demo", "--db", str(db), "--assessments", "60", "--seed", "2",
                   env=env)
        user = _demo_user(out)
        env[DEMO_PASSWORD_ENV] = _demo_password(out)
        ids = _run(program, "--db", str(db), "export", "csv", "--out", str(home / "csv"),
                   "--user", user, env=env)
        assert "assessments.csv" in ids
        assessment_id = _first_assessment(home / "csv" / "assessments.csv")
        pdf = home / "summary.pdf"
        _run(program, "--db", str(db), "export", "pdf", "--assessment", assessment_id,
             "--out", str(pdf), "--user", user, env=env)
        text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
        assert "OFFICIAL-SENSITIVE" in text, "PDF has no protective marking"
        out = _run(program, "--db", str(db), "--self-test", "--user", user, env=env)
        assert "main window opened and closed" in out, out
        assert "PDF preview rendered 1 page(s)" in out, out
        period_pdf = home / "period.pdf"
        _run(program, "--db", str(db), "export", "pdf", "--practitioner", user,
             "--from", "2000-01-01", "--to", "2100-01-01", "--out", str(period_pdf),
             "--user", user, env=env)
        assert PdfReader(period_pdf).pages, "no period summary"
    print("smoke test passed")


def check_own_files(bundle: Path) -> None:
    """Every file of resources/ (icons, fonts and their licences, style sheet, .desktop)
    is in the bundle where `qa_audit.resources` looks for it."""
    wanted = [p.relative_to(ROOT / "resources") for p in (ROOT / "resources").rglob("*")
              if p.is_file()]
    placed = next((d for d in (bundle / "_internal" / "qa_audit" / "resources",
                               bundle / "qa_audit" / "resources") if d.is_dir()), None)
    missing = [str(p) for p in wanted if placed is None or not (placed / p).is_file()]
    if missing:
        raise SystemExit(f"bundle lacks the app's own files: {', '.join(missing)}")
    print(f"bundle holds the {len(wanted)} files of resources/")


def _demo_user(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("Sign in as any of:"):
            return line.split(":", 1)[1].split(" with password")[0].split(",")[0].strip()
    raise SystemExit("smoke test failed: demo printed no accounts\n" + output)


def _demo_password(output: str) -> str:
    for line in output.splitlines():
        if "with password:" in line:
            return line.rsplit("with password:", 1)[1].strip()
    raise SystemExit("smoke test failed: demo printed no password\n" + output)


def _first_assessment(csv_path: Path) -> str:
    import csv

    with csv_path.open(encoding="utf-8-sig") as fh:
        fh.readline()  # the first line is the protective marking and the copy's audience
        row = next(csv.DictReader(fh))
    return row["assessment_id"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onefile", action="store_true", help="build one executable file")
    parser.add_argument("--smoke-only", action="store_true", help="test an existing build")
    args = parser.parse_args()
    if not args.smoke_only:
        shutil.rmtree(DIST / "qa-audit", ignore_errors=True)
        program = build(args.onefile)
    else:
        program = executable(args.onefile)
    if not args.onefile:
        check_own_files(program.parent)
    smoke_test(program)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
