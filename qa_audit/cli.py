"""The `qa-audit` command: the desktop app by default, subcommands for scripting and admins.

Errors go to stderr with a non-zero exit. Passwords come from a prompt, --password-file
or QA_AUDIT_PASSWORD, never from an argument.

Imports of services, reports and the UI are inside the commands that use them, on purpose:
`qa-audit` with no command paints the sign-in window before SQLAlchemy, SQLModel or
reportlab is loaded (checked by tests/e2e/test_start_up.py; loading them first costs about a
second), and `qa-audit validate` needs none of them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_audit import __version__
from qa_audit.config import default_database, setup_logging
from qa_audit.domain.permissions import Actor, Role
from qa_audit.domain.records import OrgUnitKind
from qa_audit.errors import FrameworkError, UserError
from qa_audit.resources import shipped_frameworks

if TYPE_CHECKING:
    from qa_audit.reports.model import Profile
    from qa_audit.services.database import Store

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qa-audit", description=(
        "Practice quality audits: case audits, practice observations and reflective "
        "supervision against published standards. With no command, opens the desktop app."))
    p.add_argument("--version", action="version", version=f"qa-audit {__version__}")
    p.add_argument("--db", help="database file or URL (default: QA_AUDIT_DB or the user data dir)")
    p.add_argument("--demo", action="store_true",
                   help="open the app on a throwaway demo database (credentials are printed)")
    p.add_argument("--demo-assessments", type=int, default=600, help=argparse.SUPPRESS)
    p.add_argument("--user", help="user to sign in as (pre-fills the sign-in dialog)")
    p.add_argument("--password-file", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--recovery-key-file", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--self-test", action="store_true", help=argparse.SUPPRESS)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="database file or URL (also accepted before the command)")
    common.add_argument("--user", default=argparse.SUPPRESS,
                        help="sign in as this user (password from a prompt, "
                        "--password-file or QA_AUDIT_PASSWORD)")
    common.add_argument("--password-file", type=Path, default=argparse.SUPPRESS,
                        help="file holding the password")
    common.add_argument("--recovery-key-file", type=Path, default=argparse.SUPPRESS,
                        help="unlock an encrypted database with its recovery key instead")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    v = sub.add_parser("validate", help="check framework YAML files")
    v.add_argument("files", nargs="+", type=Path)

    fw = sub.add_parser("frameworks", help="list or import framework versions")
    fws = fw.add_subparsers(dest="action", required=True)
    fws.add_parser("list", help="list stored framework versions", parents=[common])
    imp = fws.add_parser("import", help="import framework YAML files", parents=[common])
    imp.add_argument("files", nargs="+", type=Path)
    mv = fws.add_parser("move", parents=[common],
                        help="move a draft to a newer version of its framework: prints what "
                        "maps and what would be lost; changes nothing without --yes")
    mv.add_argument("assessment", help="the draft's id")
    mv.add_argument("--to", metavar="VERSION",
                    help="the version to move to (default: the newest imported after the "
                    "draft's own)")
    mv.add_argument("--yes", action="store_true", help="make the move after the preview")

    d = sub.add_parser("demo", help="create a demo database (encrypted; prints the accounts)",
                       parents=[common])
    d.add_argument("--assessments", type=int, default=2000)
    d.add_argument("--seed", type=int, default=1)

    e = sub.add_parser("export", help="export data")
    es = e.add_subparsers(dest="format", required=True)
    profiles = ["practitioner", "manager", "pseudonymised"]

    def copy_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--profile", choices=profiles, default=None,
                            help="whom the copy is for (default: practitioner for an FCA, "
                            "manager for others; pseudonymised: no names, case references "
                            "hashed)")
        parser.add_argument("--marking", default="OFFICIAL-SENSITIVE",
                            help="protective marking printed on the export")

    csv_p = es.add_parser("csv", help="assessments, ratings and actions as CSV",
                          parents=[common])
    csv_p.add_argument("--out", type=Path, required=True, help="folder to write into")
    copy_options(csv_p)
    xlsx_p = es.add_parser("xlsx", help="assessments, ratings and actions as one workbook",
                           parents=[common])
    xlsx_p.add_argument("--out", type=Path, required=True, help="workbook (.xlsx) to write")
    copy_options(xlsx_p)
    pdf_p = es.add_parser(
        "pdf", parents=[common],
        help="a reflective-supervision summary, session record, or period/team summary",
        description="One of --assessment, --session, --practitioner or --team. Period and "
        "team summaries cover --from to --to (default: the last three months).")
    what = pdf_p.add_mutually_exclusive_group(required=True)
    what.add_argument("--assessment", help="an assessment's id: its reflective-supervision "
                      "summary")
    what.add_argument("--session", help="a supervision session's id: its record")
    what.add_argument("--practitioner", metavar="USER",
                      help="a practitioner's username: their period summary")
    what.add_argument("--team", help="a team's name: its team summary")
    pdf_p.add_argument("--from", dest="date_from", type=_date, metavar="DATE",
                       help="first day (YYYY-MM-DD)")
    pdf_p.add_argument("--to", dest="date_to", type=_date, metavar="DATE",
                       help="last day (YYYY-MM-DD)")
    pdf_p.add_argument("--out", type=Path, required=True, help="PDF file to write")
    copy_options(pdf_p)

    u = sub.add_parser("users", help="manage accounts")
    us = u.add_subparsers(dest="action", required=True)
    ua = us.add_parser("add", help="add an account (password from prompt or file)",
                       parents=[common])
    ua.add_argument("username")
    ua.add_argument("--name", required=True, help="display name")
    ua.add_argument("--role", required=True, choices=[r.value for r in Role])
    ua.add_argument("--team", help="team name")
    ua.add_argument("--new-password-file", type=Path, help="file holding the new password")
    us.add_parser("list", help="list accounts", parents=[common])
    ud = us.add_parser("disable", help="disable an account", parents=[common])
    ud.add_argument("username")
    ue = us.add_parser("enable", help="enable a disabled account again (on an encrypted "
                       "database it then needs a new password: users reset)", parents=[common])
    ue.add_argument("username")
    ur = us.add_parser("reset", help="set a new password for an account", parents=[common])
    ur.add_argument("username")
    ur.add_argument("--new-password-file", type=Path, help="file holding the new password")

    b = sub.add_parser("backup", help="copy the database (stays encrypted)", parents=[common])
    b.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("restore", help="replace the database with a checked backup",
                       parents=[common])
    r.add_argument("backup", type=Path)
    rt = sub.add_parser("retention", help="delete or anonymise old finalised assessments",
                        parents=[common])
    rt.add_argument("--dry-run", action="store_true", help="list what would go; change nothing")
    rt.add_argument("--mode", choices=["anonymise", "delete"], default="anonymise")
    rt.add_argument("--months", type=int, help="change the retention period first")
    t = sub.add_parser("team", help="set up a team store on PostgreSQL")
    ts = t.add_subparsers(dest="action", required=True)
    ti = ts.add_parser(
        "init", parents=[common],
        help="create or upgrade a team store: migrations, roles, row-level security "
        "policies, and the first administrator",
        description="Run as the database's owner: --db postgresql://OWNER@HOST/DATABASE "
        "(the owner's password from PGPASSWORD or ~/.pgpass, as for psql). Safe to run "
        "again: it upgrades the schema and regenerates the policies.")
    ti.add_argument("--admin", required=True, help="the first administrator's username")
    ti.add_argument("--name", help="their display name (default: the username)")
    ti.add_argument("--new-password-file", type=Path,
                    help="file holding the administrator's password (or a prompt, or "
                    "QA_AUDIT_NEW_PASSWORD)")
    al = sub.add_parser("audit-log", help="check the audit log", parents=[common])
    al.add_argument("action", choices=["verify"])
    al.add_argument("--anchor", type=Path, action="append", default=[], metavar="FILE",
                    help="an export (PDF, CSV about.txt) whose embedded audit head to check "
                    "against the log (repeatable)")
    bd = sub.add_parser("bundle", help="send and receive records as signed, encrypted "
                        "files (no server needed)")
    bds = bd.add_subparsers(dest="action", required=True)
    bex = bds.add_parser("export", parents=[common],
                         help="write a bundle for one person: what you both may see, changed "
                         "since your last bundle to them")
    bex.add_argument("--to", required=True, metavar="USER", help="the recipient's username")
    bex.add_argument("--out", type=Path, required=True, help="bundle file to write")
    bex.add_argument("--assessment", action="append", metavar="ID",
                     help="send this assessment whole (repeatable) instead of what changed")
    bim = bds.add_parser("import", parents=[common],
                         help="preview a bundle; with --yes, import it (all or nothing)")
    bim.add_argument("file", type=Path)
    bim.add_argument("--yes", action="store_true", help="import after the preview")
    bim.add_argument("--trust-sender", metavar="FINGERPRINT",
                     help="first bundle from someone: their key's fingerprint, as they read "
                     "it to you")
    bim.add_argument("--conflicts", choices=["theirs", "mine"],
                     help="for records changed here and there: take theirs, or keep mine "
                     "(as an addendum to the assessment)")
    bkey = bds.add_parser("key", parents=[common],
                          help="write your key card (public keys) for people who send to you")
    bkey.add_argument("--out", type=Path, required=True)
    btr = bds.add_parser("trust", parents=[common],
                         help="trust someone's key card after comparing its fingerprint")
    btr.add_argument("file", type=Path)
    btr.add_argument("--fingerprint", required=True,
                     help="the fingerprint they read to you (must match the card)")
    btr.add_argument("--replace", action="store_true",
                     help="replace the keys trusted for them (they got new ones, e.g. after "
                     "a password reset)")
    sy = sub.add_parser(
        "sync", parents=[common],
        help="keep your own encrypted copy of a team store, and sync it",
        description="With --db LOCAL (default: one file per team store and person in the "
        "user data folder): if LOCAL does not exist, make your own encrypted copy of what "
        "you may see on the team store (keyed by your password; its recovery key is shown "
        "once); otherwise push what you wrote in it and pull what is new. Records changed "
        "on both sides are listed as conflicts, never overwritten: settle each with "
        "--resolve ID --keep-mine or --take-theirs.")
    sy.add_argument("--team-db", required=True, metavar="URL",
                    help="the team store: postgresql://HOST/DATABASE")
    sy.add_argument("--resolve", metavar="ID", help="settle this conflict (its id as listed)")
    choice = sy.add_mutually_exclusive_group()
    choice.add_argument("--keep-mine", dest="choice", action="store_const", const="keep_mine",
                        help="keep your version (as an addendum if the assessment is "
                        "finalised on the team store)")
    choice.add_argument("--take-theirs", dest="choice", action="store_const",
                        const="take_theirs", help="take the team store's version")
    enc = sub.add_parser("encrypt", help="move a clear-text database into an encrypted one",
                         parents=[common])
    enc.set_defaults(encrypt=True)
    _leads_commands(sub, common)
    return p


def _leads_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                    common: argparse.ArgumentParser) -> None:
    """`themes` and `moderation`: the quality leads' figures, for analysts."""
    th = sub.add_parser(
        "themes", parents=[common], help="graded assessments by team, standard, quarter, grade",
        description="Counts of graded assessments (N/A left out) and how many were at the "
        "scale's second-best grade or better, as the Themes view shows them; no one is named. "
        "CSV to --csv (or standard output), or a workbook with --xlsx.")
    th.add_argument("--by", default="team,standard",
                    help="comma-separated: team, standard, quarter, grade (default team,standard)")
    th.add_argument("--framework", help="a framework id (default: every framework)")
    th.add_argument("--version", dest="framework_version", help="one version of the framework")
    th.add_argument("--from", dest="date_from", type=_date, metavar="DATE")
    th.add_argument("--to", dest="date_to", type=_date, metavar="DATE")
    th.add_argument("--team", help="one team, by name")
    th.add_argument("--law-type", choices=["public", "private"])
    th.add_argument("--case-type")
    th.add_argument("--kind", choices=["case_audit", "practice_observation"])
    out = th.add_mutually_exclusive_group()
    out.add_argument("--csv", type=Path, metavar="OUT", help="CSV file to write")
    out.add_argument("--xlsx", type=Path, metavar="OUT", help="workbook to write")
    mo = sub.add_parser("moderation", help="moderation samples and agreement")
    ms = mo.add_subparsers(dest="action", required=True)
    ag = ms.add_parser("agreement", parents=[common],
                       help="exact, within-one and quadratic-weighted kappa per standard")
    ag.add_argument("--from", dest="date_from", type=_date, metavar="DATE")
    ag.add_argument("--to", dest="date_to", type=_date, metavar="DATE")
    ag.add_argument("--csv", type=Path, metavar="OUT", help="CSV file (default: standard output)")
    sa = ms.add_parser("sample", parents=[common],
                       help="draw a moderation sample for you to score blind")
    sa.add_argument("--percent", type=float, default=10.0,
                    help="of each team's eligible audits per quarter (default 10)")
    sa.add_argument("--seed", type=int, help="repeat an earlier draw (default: a new seed)")
    sa.add_argument("--from", dest="date_from", type=_date, metavar="DATE")
    sa.add_argument("--to", dest="date_to", type=_date, metavar="DATE")
    sa.add_argument("--framework", help="a framework id (default: every framework)")


def read_password(password_file: Path | None, prompt: str = "Password: ",
                  env: str | None = "QA_AUDIT_PASSWORD") -> str:
    if password_file is not None:
        return password_file.read_text("utf-8").rstrip("\r\n")
    value = os.environ.get(env) if env else None
    if value:
        return value
    if not sys.stdin.isatty():
        raise UserError("No password: use --password-file or QA_AUDIT_PASSWORD.")
    return getpass.getpass(prompt)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging()
    try:
        code = _run(args)
        sys.stdout.flush()  # here, where a closed pipe can be caught (not at exit)
        return code
    except FrameworkError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except UserError as exc:
        print(f"qa-audit: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            return _reader_gone()
        # A file the command was told to read or write (a folder for a file, a read-only
        # or missing folder, a full disk): one line, never a traceback.
        print(f"qa-audit: {_os_error_text(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _reader_gone() -> int:
    """The reader went away (`qa-audit users list | head`): stop quietly, as Unix tools
    do, instead of a traceback when Python flushes stdout at exit."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141


def _os_error_text(exc: OSError) -> str:
    import errno

    name = exc.filename if exc.filename is not None else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full, so {name or 'the file'} was not written; free some space."
    if isinstance(exc, IsADirectoryError):
        return f"{name} is a folder; give a file name."
    if isinstance(exc, NotADirectoryError):
        return f"{name}: part of this path is a file, not a folder."
    if isinstance(exc, FileNotFoundError):
        return f"{name} does not exist."
    if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        return f"{name} cannot be written or read here ({exc.strerror}); choose another place."
    return f"{name}: {exc.strerror or exc}" if name else str(exc.strerror or exc)


# Commands that may make a new database; every other one needs it to exist already, so a
# mistyped --db is named as such instead of silently creating an empty encrypted database.
CREATES_DATABASE = ("demo",)


def _existing_database(target: str) -> None:
    from qa_audit.store.files import sqlite_file

    path = sqlite_file(target)
    if path is None:
        return
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a database file; give the database's file "
                        "with --db.")
    if not path.exists():
        raise UserError(f"The database {path} does not exist. Check the --db path (only "
                        "the app's first run, 'qa-audit demo' and 'qa-audit encrypt' "
                        "create one).")


def _check_new_file(out: Path, what: str) -> None:
    from qa_audit.atomic_files import check_new_file

    check_new_file(out, what)


def _run(args: argparse.Namespace) -> int:
    if args.command == "validate":
        return _validate(args.files)
    if args.command is None:
        return _gui(args)
    if args.command == "encrypt":
        return _encrypt(args)
    if args.command == "sync":
        return _sync(args)
    from qa_audit.services.database import Store

    target = args.db or default_database()
    if args.command not in CREATES_DATABASE:
        _existing_database(target)
    if args.command == "restore" and args.backup.is_dir():
        raise UserError(f"{args.backup} is a folder; give the backup file itself.")
    store = Store.open(target)
    recovery = store.take_recovery_key()
    if recovery:
        print(f"A new encrypted database was created at {store.location}.\n"
              f"Recovery key (write it down and keep it safe; it is shown only once):\n"
              f"  {recovery}", file=sys.stderr)
    try:
        if args.command == "demo":
            if store.locked and not store.is_team_store:  # an existing encrypted file
                raise UserError(f"{store.location} already holds a database; demo data goes "
                                f"into a new one (give a new --db path).")
            return _demo(store, args.assessments, args.seed)
        if args.command == "team":
            return _team_init(store, args)
        if args.command == "bundle":
            return _bundle(store, args)
        actor = _actor(store, args)
        handler = {
            "frameworks": _frameworks, "export": _export, "users": _users,
            "backup": _backup, "restore": _restore, "retention": _retention,
            "audit-log": _audit_log, "themes": _themes, "moderation": _moderation,
        }[args.command]
        return handler(store, actor, args)
    finally:
        store.close()


def _actor(store: Store, args: argparse.Namespace) -> Actor:
    """Who is acting: the signed-in --user, the recovery key holder, or (on a new or a
    clear-text database, which anyone holding the file can read) the local system."""
    from qa_audit.services import accounts

    if args.user:
        actor = accounts.sign_in(store, args.user, read_password(args.password_file))
        if store.sign_in_notice:
            print(f"qa-audit: {store.sign_in_notice}", file=sys.stderr)
        return actor
    if args.recovery_key_file:
        store.unlock_with_recovery_key(args.recovery_key_file.read_text("utf-8"))
        return accounts.system_actor()
    if store.locked and store.is_team_store:
        raise UserError("Sign in to the team store: give --user NAME (password from a "
                        "prompt, --password-file or QA_AUDIT_PASSWORD).")
    if store.locked:
        raise UserError("The database is encrypted: give --user NAME (password from a prompt, "
                        "--password-file or QA_AUDIT_PASSWORD) or --recovery-key-file.")
    if not store.encrypted and store.path is not None:
        print("qa-audit: warning: this database is not encrypted; run 'qa-audit encrypt'.",
              file=sys.stderr)
    return accounts.system_actor()


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


def _frameworks(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    from qa_audit.services import frameworks

    if args.action == "list":
        for info in frameworks.list_versions(store):
            print(f"{info.framework_id}\t{info.version}\t{info.short_hash}\t{info.title}")
        return 0
    if args.action == "move":
        return _move_draft(store, actor, args)
    failed = 0
    for path in args.files:
        try:
            result = frameworks.import_framework_file(store, actor, path)
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


def _move_draft(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    import uuid

    from qa_audit.domain.version_move import Fate
    from qa_audit.services import framework_move

    try:
        assessment_id = uuid.UUID(args.assessment)
    except ValueError as exc:
        raise UserError(f"'{args.assessment}' is not an assessment id.") from exc
    newer = framework_move.newer_versions(store, actor, assessment_id)
    target = next((v for v in newer if args.to in (None, v.version)), None)
    if target is None:
        wanted = f"version {args.to}" if args.to else "newer version"
        offered = ", ".join(v.version for v in newer) or "none"
        raise UserError(f"No {wanted} of this draft's framework to move to (newer versions "
                        f"imported: {offered}; only the draft's author moves a draft).")
    preview = framework_move.preview_move(store, actor, assessment_id, target.id)
    plan = preview.plan
    print(f"From {preview.current.title} {preview.current.version} to version "
          f"{target.version}:")
    for title, moves in (("Maps", plan.of(Fate.MAPS)), ("New, ungraded", plan.of(Fate.NEW))):
        print(f"{title} ({len(moves)}): " + (", ".join(m.standard_id for m in moves) or "—"))
    losses = plan.losses()
    print(f"Would be lost ({len(losses)}):" + ("" if losses else " nothing"))
    for line in losses:
        print(f"  - {line}")
    if not args.yes:
        print("Nothing changed: run again with --yes to move.", file=sys.stderr)
        return 0
    framework_move.move_to_version(store, actor, assessment_id, target.id, seen=preview.seen)
    print(f"Moved to version {target.version}.")
    return 0


def _demo(store: Store, assessments: int, seed: int) -> int:
    from qa_audit.services.demo import DEMO_PASSWORD, generate_demo

    started = time.perf_counter()
    summary = generate_demo(store, assessments=assessments, seed=seed,
                            frameworks=shipped_frameworks())
    elapsed = time.perf_counter() - started
    print(summary.describe())
    print(f"generated in {elapsed:.1f} s")
    print(f"Sign in as any of: {', '.join(summary.sample_usernames)} "
          f"with password: {DEMO_PASSWORD}")
    return 0


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2026-03-31") from exc


def _profile(args: argparse.Namespace, actor: Actor) -> Profile:
    """Whom the copy is for: as asked, else a practitioner's copy for an FCA (as the app's
    export dialogs default) and a manager's for everyone else."""
    from qa_audit.reports.model import Profile

    if args.profile:
        return Profile(args.profile)
    return Profile.PRACTITIONER if actor.role is Role.FCA else Profile.MANAGER


def _export(store: Store, actor: Actor, args: argparse.Namespace) -> int:

    if args.format == "pdf":
        return _export_pdf(store, actor, args)
    from qa_audit.services.exports import export_csv, export_xlsx

    who = None if actor.user_id.int == 0 else actor
    profile = _profile(args, actor)
    if args.format == "csv" and args.out.exists() and not args.out.is_dir():
        raise UserError(f"{args.out} is a file; a CSV export is written into a folder.")
    if args.format == "xlsx":
        _check_new_file(args.out, "export")
        result = export_xlsx(store, who, args.out, profile, args.marking)
    else:
        result = export_csv(store, who, args.out, profile, args.marking)
    for path in result.files:
        print(f"wrote {path}")
    print(", ".join(f"{n} {k}" for k, n in result.counts.items()))
    return 0


def _id(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise UserError(f"'{value}' is not {what} id.") from exc


def _export_pdf(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    from qa_audit.services import accounts
    from qa_audit.services.documents import DocumentKind, PdfRequest, export_pdf

    if actor.user_id.int == 0:
        raise UserError("Give --user: a PDF is exported by, and for, a named person.")
    date_to = args.date_to or dt.date.today()
    date_from = args.date_from or date_to - dt.timedelta(days=91)
    if args.assessment:
        kind, target = DocumentKind.ASSESSMENT, _id(args.assessment, "an assessment")
    elif args.session:
        kind, target = DocumentKind.SESSION, _id(args.session, "a session")
    elif args.practitioner:
        user = next((u for u in accounts.list_users(store, actor)
                     if u.username == args.practitioner), None)
        if user is None:
            raise UserError(f"No account is called '{args.practitioner}'.")
        kind, target = DocumentKind.PERIOD, user.id
    else:
        teams = [u for u in accounts.list_org_units(store)
                 if u.kind is OrgUnitKind.TEAM and u.name.casefold() == args.team.casefold()]
        if len(teams) != 1:
            raise UserError(f"No team is called '{args.team}'." if not teams else
                            f"More than one team is called '{args.team}'.")
        kind, target = DocumentKind.TEAM, teams[0].id
    _check_new_file(args.out, "export")  # after the arguments, before any work
    out = export_pdf(store, actor, PdfRequest(kind, target, _profile(args, actor), args.marking,
                                              date_from, date_to), args.out)
    print(f"wrote {out}")
    return 0


def _users(store: Store, admin: Actor, args: argparse.Namespace) -> int:
    from qa_audit.services import accounts

    if args.action == "list":
        for u in accounts.list_users(store, admin):
            state = "" if u.active else "\t(disabled)"
            print(f"{u.username}\t{u.role.value}\t{u.team_name}\t{u.display_name}{state}")
        return 0
    if args.action == "disable":
        recovery = accounts.set_active(store, admin, args.username, False,
                                       progress=_rekey_progress())
        print(f"disabled {args.username}; the database was re-keyed, so old copies of the "
              "key file no longer open it")
        _new_recovery_key(recovery)
        return 0
    if args.action == "enable":
        accounts.set_active(store, admin, args.username, True)
        if accounts.needs_new_password(store, args.username):
            print(f"enabled {args.username}; disabling removed its key, so it needs a new "
                  f"password before it can sign in: qa-audit users reset {args.username}")
        else:
            print(f"enabled {args.username}")
        return 0
    if args.action == "reset":
        new = read_password(args.new_password_file, "New password: ", env=None)
        recovery = accounts.reset_password(store, admin, args.username, new,
                                           progress=_rekey_progress())
        print(f"new password set for {args.username}")
        _new_recovery_key(recovery)
        return 0
    accounts.check_username(args.username)  # before asking for a password
    team_id = _team_id(store, args.team) if args.team else None
    password = read_password(args.new_password_file, "Password for the new account: ",
                             env="QA_AUDIT_NEW_PASSWORD")
    user = accounts.add_user(store, admin, args.username, args.name, Role(args.role), password,
                             team_id)
    print(f"added {user.username} ({user.role.value})")
    return 0


def _rekey_progress() -> Callable[[int, int], None] | None:
    """Re-keying a large database takes a while: show how far it is on a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\rre-keying the database: {100 * done // max(total, 1)}%", end=end,
              file=sys.stderr, flush=True)

    return show


def _new_recovery_key(recovery: str | None) -> None:
    if recovery:
        print("The old recovery key no longer opens this database. New recovery key (write "
              f"it down and keep it safe; it is shown only once):\n  {recovery}")


def _team_id(store: Store, name: str) -> uuid.UUID:
    """The team called `name`; a region or service area of that name is refused as such."""
    from qa_audit.services import accounts

    units = accounts.list_org_units(store)
    named = [u for u in units if u.name.casefold() == name.casefold()]
    teams = [u for u in named if u.kind is OrgUnitKind.TEAM]
    if len(teams) == 1:
        return teams[0].id
    if teams:
        raise UserError(f"More than one team is called '{name}'.")
    if not named:
        raise UserError(f"No team called '{name}'.")
    unit = named[0]
    kind = unit.kind.replace("_", " ")
    below = sorted(u.name for u in units if u.kind is OrgUnitKind.TEAM and (
        u.parent_id == unit.id or (unit.kind is OrgUnitKind.REGION and u.region_id == unit.id)))
    if not below:
        raise UserError(f"'{unit.name}' is a {kind}, not a team, and has no teams yet.")
    raise UserError(f"'{unit.name}' is a {kind}, not a team; give a team's name, such as "
                    f"one of its teams: {', '.join(below)}.")


def _backup(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    from qa_audit.services.maintenance import backup

    _check_new_file(args.out, "backup")
    out = backup(store, actor, args.out)
    print(f"backup written to {out}")
    return 0


def _restore(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    from qa_audit.services.maintenance import restore

    restore(store, actor, args.backup)
    print(f"restored from {args.backup}")
    return 0


def _retention(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    from qa_audit.services import maintenance

    if args.months is not None and not args.dry_run:  # a dry run stores nothing
        maintenance.set_retention_months(store, actor, args.months)
    plan = maintenance.plan_retention(store, actor, mode=args.mode, months=args.months)
    months = args.months if args.months is not None else maintenance.retention_months(store)
    print(f"retention: {months} months; finalised before {plan.cutoff.isoformat()}: "
          f"{len(plan.assessment_ids)} assessment(s) to {plan.mode}")
    for assessment_id in plan.assessment_ids:
        print(f"  {assessment_id}")
    if args.dry_run:
        print("dry run: nothing changed")
        return 0
    done = maintenance.apply_retention(store, actor, plan)
    print(f"{plan.mode}d {done} assessment(s)")
    return 0


def _team_init(store: Store, args: argparse.Namespace) -> int:
    from qa_audit.services import accounts
    from qa_audit.services.team_store import init_team_store

    if not store.is_team_store or store.locked:
        raise UserError("team init needs a PostgreSQL database and its owner's login: "
                        "--db postgresql://OWNER@HOST/DATABASE")
    username = args.admin.strip().lower()
    password = None
    if username not in {u.username for u in accounts.list_users(store, accounts.system_actor())}:
        password = read_password(args.new_password_file,
                                 f"Password for the administrator {username}: ",
                                 env="QA_AUDIT_NEW_PASSWORD")
    report = init_team_store(store, username, args.name or username, password)
    print(f"team store ready at {report.location}: roles, row-level security policies and "
          f"triggers installed; {report.accounts} account(s)")
    print(f"administrator {username} " + ("created" if report.admin_created else
                                          "already existed (unchanged)"))
    print(f"Next: qa-audit users add NAME --name 'Full Name' --role ROLE --team TEAM "
          f"--db {_without_password(args.db)} --user {username}")
    return 0


def _without_password(url: str) -> str:
    from qa_audit.store.postgres import without_login

    return without_login(url).render_as_string(hide_password=True)


def _audit_log(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    from qa_audit.services.audit_log import verify

    report = verify(store, actor, args.anchor)
    for warning in report.warnings:
        print(f"qa-audit: warning: {warning}", file=sys.stderr)
    if report.intact:
        print(f"audit log intact: {report.events} events, every anchor agrees")
        return 0
    where = f" at event {report.broken_at}" if report.broken_at is not None else ""
    print(f"audit log BROKEN{where}:", file=sys.stderr)
    shown = 50
    for problem in report.problems[:shown]:
        print(f"  {problem}", file=sys.stderr)
    if len(report.problems) > shown:
        print(f"  … and {len(report.problems) - shown} more", file=sys.stderr)
    return 1


def _bundle(store: Store, args: argparse.Namespace) -> int:
    from qa_audit.exchange.apply import Resolution
    from qa_audit.services import accounts, bundles

    if not args.user:
        raise UserError("Give --user: a bundle is signed by, or opened for, a named person.")
    password = read_password(args.password_file)
    actor = accounts.sign_in(store, args.user, password)
    if args.action == "key":
        card = bundles.my_key_card(store, actor, password)
        from qa_audit.exchange.bundle import write_file

        write_file(args.out, (json.dumps(card.card(), indent=1) + "\n").encode())
        print(f"wrote {args.out}\nfingerprint: {card.fingerprint}\n(read it to the people "
              "who trust this card)")
        return 0
    if args.action == "trust":
        card = bundles.read_key_card(args.file)
        if _fingerprint(args.fingerprint) != _fingerprint(card.fingerprint):
            raise UserError(f"The card's fingerprint is {card.fingerprint}, not the one given: "
                            "it is not trusted.")
        bundles.trust_key_card(store, actor, card, replace=args.replace)
        print(f"trusted the keys of {card.username}")
        return 0
    if args.action == "export":
        ids = [_id(a, "an assessment") for a in args.assessment] if args.assessment else None
        result = bundles.export_bundle(store, actor, password, args.to, args.out, ids)
        print(f"wrote {result.path} for {result.recipient} (bundle {result.seq}): "
              + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.counts.items() if n))
        return 0
    preview = bundles.preview_bundle(store, actor, password, args.file)
    print(f"bundle {preview.seq} from {preview.sender_name}, made "
          f"{preview.created_at:%Y-%m-%d %H:%M} UTC")
    if not preview.sender_known:
        print(f"{preview.sender_name} is not known here yet; their key's fingerprint is\n"
              f"  {preview.sender_fingerprint}\ncompare it with them before trusting it "
              "(--trust-sender FINGERPRINT)")
    for kind, per in preview.counts.items():
        print(f"  {kind.replace('_', ' ')}: "
              + ", ".join(f"{n} {decision}" for decision, n in sorted(per.items())))
    for conflict in preview.conflicts:
        print(f"  CONFLICT {conflict.description}")
    for ignored in preview.ignored:
        print(f"  ignored {ignored}")
    if not args.yes:
        print("preview only: nothing imported (add --yes to import)")
        return 0
    if not preview.sender_known and (args.trust_sender is None or _fingerprint(
            args.trust_sender) != _fingerprint(preview.sender_fingerprint)):
        raise UserError("The sender is not trusted here: give --trust-sender with the "
                        "fingerprint they read to you. Nothing was imported.")
    imported = bundles.import_bundle(
        store, actor, password, args.file, trust_sender=not preview.sender_known,
        resolutions=Resolution(args.conflicts) if args.conflicts else None,
        previewed=preview.digest)
    print(f"imported: {imported.written} record(s) written")
    return 0


def _sync(args: argparse.Namespace) -> int:
    """`qa-audit sync`: make the personal copy, sync it, or settle one of its conflicts."""
    from qa_audit.services import accounts
    from qa_audit.services import sync as syncing
    from qa_audit.services.database import Store
    from qa_audit.store.files import key_file_for, sqlite_file
    from qa_audit.store.keyring import Keyring
    from qa_audit.store.postgres import without_login

    if args.resolve and not args.choice:
        raise UserError("Say how to settle it: --keep-mine or --take-theirs.")
    if args.choice and not args.resolve:
        raise UserError("--keep-mine and --take-theirs go with --resolve ID.")
    target = syncing.team_target(args.team_db)
    username = (getattr(args, "user", None) or "").strip().lower()
    if not username:
        raise UserError("Give --user NAME: a personal copy is made and synced as yourself "
                        "(password from a prompt, --password-file or QA_AUDIT_PASSWORD).")
    local_path = sqlite_file(args.db) if args.db else syncing.default_copy_path(target,
                                                                                username)
    if local_path is None:
        raise UserError("--db is your copy's file on this computer, not a URL; the team "
                        "store goes in --team-db.")
    if local_path.is_dir():
        raise UserError(f"{local_path} is a folder; give the file of your copy (it is made "
                        "if it does not exist).")
    password = read_password(args.password_file)
    progress = _sync_progress()
    if not local_path.exists():
        if args.resolve:
            raise UserError(f"There is no copy at {local_path} yet, so nothing to resolve.")
        team = Store.open(without_login(args.team_db).render_as_string(hide_password=False))
        try:
            actor = accounts.sign_in(team, username, password)
            made = syncing.create_copy(team, actor, password, local_path, progress=progress)
        finally:
            team.close()
        print(f"Your own copy of {target} was made at {local_path}: "
              f"{_counts(made.report.pulled) or 'nothing in your scope yet'}.")
        print("Recovery key of the copy (write it down and keep it safe; it is shown only "
              f"once):\n  {made.recovery_key}", file=sys.stderr)
        return 0
    keys = key_file_for(local_path)
    if keys.exists() and not Keyring.load(keys).has_account(username):
        raise UserError(f"{local_path} is not your copy: {username} has no account in it (it "
                        "belongs to another person, or is another database).")
    local = Store.open(local_path)
    try:
        me = accounts.sign_in(local, username, password)
        info = syncing.copy_info(local)
        if info is None:
            raise UserError(f"{local_path} is not a personal copy of a team store (it is a "
                            "database of its own); give another file with --db.")
        if info.team_target != target:
            raise UserError(f"{local_path} is a copy of another team store "
                            f"({info.team_target}), not of {target}.")
        team = Store.open(without_login(args.team_db).render_as_string(hide_password=False))
        try:
            actor = accounts.sign_in(team, username, password)
            if actor.user_id != me.user_id:
                raise UserError(f"{local_path} belongs to another account called {username}.")
            if args.resolve:
                syncing.resolve(local, team, actor, args.resolve,
                                syncing.ConflictChoice(args.choice))
                print(f"conflict {args.resolve} settled: "
                      + ("your version kept" if args.choice == "keep_mine"
                         else "the team store's version taken"))
                left = syncing.pending_conflicts(local, actor)
            else:
                report = syncing.sync(local, team, actor, progress=progress)
                print(f"synced {local_path} with {target}: pushed "
                      f"{_counts(report.pushed) or 'nothing'}; pulled "
                      f"{_counts(report.pulled) or 'nothing'}")
                left = report.conflicts
        finally:
            team.close()
    finally:
        local.close()
    if left:
        print(f"{len(left)} conflict(s) to settle (qa-audit sync --resolve ID --keep-mine | "
              "--take-theirs):")
        for conflict in left:
            print(f"  {conflict.id}  {conflict.label}\n      mine:   "
                  f"{conflict.mine_summary}\n      theirs: {conflict.theirs_summary}")
    return 0


def _counts(counts: dict[str, int] | Any) -> str:
    return ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(counts.items()) if n)


def _sync_progress() -> Callable[[int, int], None]:
    """A line per batch (a terminal: one line, rewritten)."""
    tty = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        if tty:
            print(f"\rsyncing: {done}/{total} records", end="\n" if done >= total else "",
                  file=sys.stderr, flush=True)
        else:
            print(f"sync: {done}/{total}", file=sys.stderr, flush=True)

    return show


def _fingerprint(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _encrypt(args: argparse.Namespace) -> int:
    from qa_audit.services.maintenance import encrypt_database

    if not args.user:
        raise UserError("Give --user with an administrator's account.")
    path = Path(args.db or default_database())
    _existing_database(str(path))
    result = encrypt_database(path, args.user, read_password(args.password_file))
    print(f"encrypted {path}; the clear-text original is kept at {result.backup} — delete it "
          "securely once you have checked the encrypted copy")
    print(f"Recovery key (keep it safe; shown once): {result.recovery_key}")
    if result.accounts_to_reset:
        print("These accounts need a new password before they can sign in "
              "(qa-audit users reset NAME): " + ", ".join(result.accounts_to_reset))
    return 0


def _gui(args: argparse.Namespace) -> int:
    # An existing encrypted database shows the sign-in window before the database layer is
    # loaded (qa_audit.ui.app), so nothing of it is imported here.
    target = args.db or default_database()
    if args.demo:
        from qa_audit.services.database import Store

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
    elif "://" not in target:
        if Path(target).is_dir():
            raise UserError(f"{target} is a folder, not a database file; give the database's "
                            "file with --db.")
        folder = Path(target).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".qa-audit-write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise UserError(
                f"The data folder {folder} cannot be written to ({exc.strerror}). Choose "
                "another place with --db PATH or QA_AUDIT_DB, or ask IT to fix its "
                "permissions.") from exc
    from qa_audit.ui.app import run_app

    if args.self_test:
        if not args.user:
            raise UserError("--self-test needs --user (and QA_AUDIT_PASSWORD).")
        return run_app(target, username=args.user,
                       self_test_password=read_password(args.password_file))
    username = args.user or ""
    if args.demo:
        from qa_audit.services.demo import DEMO_PASSWORD

        username = username or summary.sample_usernames[0]
        print(f"(The sign-in dialog is filled in with {username}; the password is "
              f"{DEMO_PASSWORD}.)")
    return int(run_app(target, demo=args.demo, username=username))


def _named_actor(actor: Actor, what: str) -> None:
    if actor.user_id.int == 0:
        raise UserError(f"Give --user: {what} are read by, and for, a named person.")


def _themes(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    from qa_audit.domain.framework import AssessmentKind
    from qa_audit.services import frameworks, themes

    _named_actor(actor, "themes")
    target = args.xlsx or args.csv
    if target is not None and target.is_dir():
        raise UserError(f"{target} is a folder: give a file name to save the table as.")
    by = tuple(part.strip() for part in args.by.split(",") if part.strip())
    ids = [args.framework] if args.framework else sorted(
        {v.framework_id for v in frameworks.latest_versions(store)})
    team = _team_id(store, args.team) if args.team else None
    header: list[str] = ["framework", *by, "graded", "good_or_better", "share", "too_few"]
    rows: list[tuple[object, ...]] = []
    for framework_id in ids:
        f = themes.ThemeFilter(framework_id, args.framework_version, args.date_from,
                               args.date_to, team_id=team, law_type=args.law_type,
                               case_type=args.case_type,
                               kind=AssessmentKind(args.kind) if args.kind else None)
        if len(ids) == 1 and (args.xlsx or args.csv):
            out = themes.export_table(store, actor, f, by, args.xlsx or args.csv)
            print(f"wrote {out}")
            return 0
        _, table = themes.themes_table(store, actor, f, by)
        rows += [(framework_id, *r) for r in table]
    if args.xlsx:
        from qa_audit.reports.tabular import write_xlsx

        write_xlsx(args.xlsx, [("Export", "qa_audit themes table (no one is named)")],
                   [("Themes", header, rows)])
        print(f"wrote {args.xlsx}")
    else:
        _table_out(args.csv, header, rows)
    return 0


def _table_out(path: Path | None, header: Sequence[str], rows: Sequence[Sequence[object]],
               what: str = "") -> None:
    """A table as a CSV file at `path` (saying so), or on standard output."""
    if path is None:
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
        return
    from qa_audit.reports.tabular import write_csv

    write_csv(path, header, rows)
    print(f"wrote {path}{what}")


def _moderation(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    from qa_audit.services import moderation

    _named_actor(actor, "moderation figures")
    if args.action == "sample":
        result = moderation.draw_sample(store, actor, moderation.SampleRules(
            args.percent, True, args.date_from, args.date_to, args.framework), args.seed)
        print(f"drew {len(result.picked)} of {result.eligible} eligible audits "
              f"(seed {result.seed}; draw {result.draw_id})")
        return 0
    report = moderation.agreement_report(store, actor, date_from=args.date_from,
                                         date_to=args.date_to)
    header, rows = moderation.agreement_table(report)
    if args.csv is not None and args.csv.is_dir():
        raise UserError(f"{args.csv} is a folder: give a file name to save the table as.")
    _table_out(args.csv, header, rows, f" ({report.moderations} moderations)")
    return 0
