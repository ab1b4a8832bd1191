"""The `qa-audit` command: the desktop app by default, subcommands for scripting and admins.

Errors go to stderr with a non-zero exit. Passwords come from a prompt, --password-file
or QA_AUDIT_PASSWORD, never from an argument.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from qa_audit import __version__
from qa_audit.config import default_database, setup_logging
from qa_audit.domain.permissions import Actor, Role
from qa_audit.errors import FrameworkError, UserError

STANDARDS_DIR = Path(__file__).resolve().parent.parent / "standards"


def shipped_frameworks() -> list[Path]:
    """The framework files shipped with the app (the source tree's or the bundle's)."""
    candidates = [STANDARDS_DIR, Path(getattr(sys, "_MEIPASS", "")) / "standards"]
    for folder in candidates:
        files = sorted(folder.glob("*.yaml"))
        if files:
            return files
    return []


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qa-audit", description=(
        "Practice quality audits: case audits, practice observations and reflective "
        "supervision against published standards. With no command, opens the desktop app."))
    p.add_argument("--version", action="version", version=f"qa-audit {__version__}")
    p.add_argument("--db", help="database file or URL (default: QA_AUDIT_DB or the user data dir)")
    p.add_argument("--demo", action="store_true",
                   help="open the app on a throwaway demo database (credentials are printed)")
    p.add_argument("--demo-assessments", type=int, default=600, help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    v = sub.add_parser("validate", help="check framework YAML files")
    v.add_argument("files", nargs="+", type=Path)

    fw = sub.add_parser("frameworks", help="list or import framework versions")
    fws = fw.add_subparsers(dest="action", required=True)
    fws.add_parser("list", help="list stored framework versions")
    imp = fws.add_parser("import", help="import framework YAML files")
    imp.add_argument("files", nargs="+", type=Path)

    d = sub.add_parser("demo", help="create a demo database")
    d.add_argument("--assessments", type=int, default=2000)
    d.add_argument("--seed", type=int, default=1)

    e = sub.add_parser("export", help="export data")
    es = e.add_subparsers(dest="format", required=True)
    csv_p = es.add_parser("csv", help="assessments, ratings and actions as CSV")
    csv_p.add_argument("--out", type=Path, required=True, help="folder to write into")
    csv_p.add_argument("--user", help="export only what this user may see")
    csv_p.add_argument("--password-file", type=Path)

    u = sub.add_parser("users", help="manage accounts")
    us = u.add_subparsers(dest="action", required=True)
    ua = us.add_parser("add", help="add an account (password from prompt or file)")
    ua.add_argument("username")
    ua.add_argument("--name", required=True, help="display name")
    ua.add_argument("--role", required=True, choices=[r.value for r in Role])
    ua.add_argument("--team", help="team name")
    ua.add_argument("--password-file", type=Path)
    us.add_parser("list", help="list accounts")
    ud = us.add_parser("disable", help="disable an account")
    ud.add_argument("username")
    return p


def read_password(password_file: Path | None, prompt: str = "Password: ") -> str:
    if password_file is not None:
        return password_file.read_text("utf-8").rstrip("\r\n")
    env = os.environ.get("QA_AUDIT_PASSWORD")
    if env:
        return env
    if not sys.stdin.isatty():
        raise UserError("No password: use --password-file or QA_AUDIT_PASSWORD.")
    return getpass.getpass(prompt)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging()
    try:
        return _run(args)
    except FrameworkError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except UserError as exc:
        print(f"qa-audit: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    if args.command == "validate":
        return _validate(args.files)
    if args.command is None:
        return _gui(args)
    from qa_audit.services.store import Store

    store = Store.open(args.db or default_database())
    try:
        if args.command == "frameworks":
            return _frameworks(store, args)
        if args.command == "demo":
            return _demo(store, args.assessments, args.seed)
        if args.command == "export":
            return _export(store, args)
        if args.command == "users":
            return _users(store, args)
    finally:
        store.close()
    return 2


def _validate(files: list[Path]) -> int:
    from qa_audit.domain.loader import validate_files

    problems = validate_files(files)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"{len(files)} file(s) valid")
    return 0


def _frameworks(store: object, args: argparse.Namespace) -> int:
    from qa_audit.services import frameworks
    from qa_audit.services.accounts import system_actor
    from qa_audit.services.store import Store

    assert isinstance(store, Store)
    if args.action == "list":
        for info in frameworks.list_versions(store):
            print(f"{info.framework_id}\t{info.version}\t{info.short_hash}\t{info.title}")
        return 0
    failed = 0
    for path in args.files:
        try:
            result = frameworks.import_framework_file(store, system_actor(), path)
        except FrameworkError as exc:
            failed += 1
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        except UserError as exc:
            failed += 1
            print(f"{path}: {exc}", file=sys.stderr)
            continue
        word = "imported" if result.created else "already stored"
        v = result.version
        print(f"{word}: {v.framework_id} {v.version} ({v.short_hash}) {v.title}")
    return 1 if failed else 0


def _demo(store: object, assessments: int, seed: int) -> int:
    from qa_audit.services.demo import generate_demo
    from qa_audit.services.store import Store

    assert isinstance(store, Store)
    started = time.perf_counter()
    summary = generate_demo(store, assessments=assessments, seed=seed,
                            frameworks=shipped_frameworks())
    elapsed = time.perf_counter() - started
    print(summary.describe())
    print(f"generated in {elapsed:.1f} s")
    return 0


def _actor_from_args(store: object, username: str | None, password_file: Path | None
                     ) -> Actor | None:
    from qa_audit.services.accounts import sign_in
    from qa_audit.services.store import Store

    assert isinstance(store, Store)
    if not username:
        return None
    return sign_in(store, username, read_password(password_file))


def _export(store: object, args: argparse.Namespace) -> int:
    from qa_audit.services.exports import export_csv
    from qa_audit.services.store import Store

    assert isinstance(store, Store)
    actor = _actor_from_args(store, args.user, args.password_file)
    result = export_csv(store, actor, args.out)
    for path in result.files:
        print(f"wrote {path}")
    print(", ".join(f"{n} {k}" for k, n in result.counts.items()))
    return 0


def _users(store: object, args: argparse.Namespace) -> int:
    from qa_audit.services import accounts
    from qa_audit.services.store import Store

    assert isinstance(store, Store)
    admin = accounts.system_actor()
    if args.action == "list":
        for u in accounts.list_users(store):
            state = "" if u.active else "\t(disabled)"
            print(f"{u.username}\t{u.role.value}\t{u.team_name}\t{u.display_name}{state}")
        return 0
    if args.action == "disable":
        accounts.set_active(store, admin, args.username, False)
        print(f"disabled {args.username}")
        return 0
    team_id = None
    if args.team:
        teams = [t for t in accounts.list_org_units(store) if t.name == args.team]
        if not teams:
            raise UserError(f"No team called '{args.team}'.")
        team_id = teams[0].id
    password = read_password(args.password_file, "Password for the new account: ")
    user = accounts.add_user(store, admin, args.username, args.name, Role(args.role), password,
                             team_id)
    print(f"added {user.username} ({user.role.value})")
    return 0


def _gui(args: argparse.Namespace) -> int:
    from qa_audit.services.store import Store

    target = args.db or default_database()
    if args.demo:
        folder = Path(tempfile.mkdtemp(prefix="qa-audit-demo-"))
        target = str(folder / "demo.db")
        store = Store.open(target)
        from qa_audit.services.demo import DEMO_PASSWORD, generate_demo

        summary = generate_demo(store, assessments=args.demo_assessments, seed=1,
                                frameworks=shipped_frameworks())
        store.close()
        print(summary.describe())
        print(f"Demo database: {target}")
        print(f"Sign in as any of: {', '.join(summary.sample_usernames)} "
              f"with password: {DEMO_PASSWORD}")
    else:
        Path(target).parent.mkdir(parents=True, exist_ok=True) if "://" not in target else None
    from qa_audit.ui.app import run_app

    return run_app(target, demo=args.demo)
