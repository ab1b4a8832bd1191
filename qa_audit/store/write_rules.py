"""What a person may change inside a row they may write, enforced by the team store.

Row-level security (`store/policies.py`) says which rows a person may write; it cannot say
which columns, nor which status a row may move to. So an FCA allowed to move an assessment
about her from "with practitioner" to "responded" could also, with `psql`, rewrite its
grades, mark it finalised or make herself its author. These triggers close that: each
secured table's columns are split into the parts that one writer writes, and a change to a
part needs that writer's ground, taken from the domain (`permissions.MATRIX` through the
same scope translator as the policies; `workflow.TRANSITIONS` for status):

- an assessment's identity (who wrote it, about whom, which case and team) never changes;
  its status moves only by a workflow step the person may take on it; its content changes
  only by someone who may edit it, while it is a draft or returned;
- its grades change only while it is editable; a response is its practitioner's alone and
  frozen once signed; the supervisor's reply is its author's, until finalisation;
- an action's text, owner and due date are written by whoever may edit its assessment (or
  record its supervision session); its owner only marks it done or open again;
- a supervision record's notes are its recorders', the practitioner's reflection hers; a
  signature is set only by its signer; a record signed by both is closed.

The store's owner (migrations, retention) is not a person and is not stopped, as for the
finalised guard. A refusal is SQLSTATE 42501 (insufficient privilege), which the app
already reports as "outside what your role may do".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Table, text

from qa_audit.domain.permissions import Action
from qa_audit.domain.workflow import TRANSITIONS, Status

from .scope import Kind
from .scope_policy import TABLE, condition, render
from .tables import (
    ActionItem,
    Assessment,
    Rating,
    Response,
    ResponseReply,
    SupervisionSession,
)

A = Action
EDITABLE = tuple(s.value for s in Status if s.editable)
# Moved by any change the row's writers make (versions, change times).
FREE = frozenset({"row_version", "updated_at"})


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def may(actions: Iterable[Action], kind: Kind, record_id: str) -> str:
    """SQL: the person may take one of `actions` on the record of `kind` with this id, read
    as it stands before the change (a BEFORE trigger sees the old row in the table)."""
    table = TABLE[kind]
    return (f"EXISTS (SELECT 1 FROM {table} WHERE {table}.id = {record_id} AND "
            f"({render(condition(tuple(actions), kind))}))")


def _changed(columns: Iterable[str]) -> str:
    names = sorted(columns)
    if not names:
        return "false"
    old = ", ".join(f"OLD.{c}" for c in names)
    new = ", ".join(f"NEW.{c}" for c in names)
    return f"ROW({old}, NULL) IS DISTINCT FROM ROW({new}, NULL)"


@dataclass(frozen=True)
class Part:
    """Columns one writer writes, and what must hold (SQL over OLD/NEW and `me`, the person's
    user id) for a change to any of them."""

    name: str
    columns: frozenset[str]
    guard: str


@dataclass(frozen=True)
class Rules:
    table: str
    fixed: frozenset[str]  # never changed by a person
    parts: tuple[Part, ...]  # the rest: each column in exactly one part (or FREE)
    on_insert: str = ""  # SQL over NEW that a person's new row must satisfy
    on_delete: str = ""  # SQL over OLD that must hold for a person to remove a row


def _rest(model: type, *taken: Iterable[str]) -> frozenset[str]:
    used = set(FREE).union(*map(set, taken))
    return frozenset(c.name for c in _table(model).columns if c.name not in used)


def _transitions() -> str:
    steps = [f"(OLD.status = '{t.source.value}' AND NEW.status = '{t.target.value}' AND "
             f"{may((t.action,), Kind.ASSESSMENT, 'OLD.id')})" for t in TRANSITIONS]
    return "(" + " OR ".join(steps) + ")"


def _assessment() -> Rules:
    fixed = frozenset({"id", "kind", "author_id", "subject_id", "case_id", "team_id",
                       "region_id", "created_at"})
    status = Part("status", frozenset({"status"}), _transitions())
    # Set by the one who submits (the service writes the status first, then the time).
    submitted = Part("submission time", frozenset({"submitted_at"}),
                     f"NEW.status = '{Status.SUBMITTED.value}' AND "
                     f"{may((A.SUBMIT,), Kind.ASSESSMENT, 'OLD.id')}")
    finalised = Part("finalisation record", frozenset({"finalised_at", "content_hash"}),
                     f"NEW.status = '{Status.FINALISED.value}'")
    content = _rest(Assessment, fixed, status.columns, submitted.columns, finalised.columns)
    edit = Part("content", content,
                f"OLD.status IN ({_quoted(EDITABLE)}) AND "
                f"{may((A.EDIT_ASSESSMENT,), Kind.ASSESSMENT, 'OLD.id')}")
    return Rules("assessment", fixed, (status, submitted, finalised, edit))


def _rating() -> Rules:
    editable = "qa_assessment_editable({row}.assessment_id)"
    grades = Part("grades", _rest(Rating, {"id", "assessment_id"}), editable.format(row="OLD"))
    return Rules("rating", frozenset({"id", "assessment_id"}), (grades,),
                 on_insert=editable.format(row="NEW"), on_delete=editable.format(row="OLD"))


def _response() -> Rules:
    fixed = frozenset({"id", "assessment_id", "fca_id"})
    open_ = (f"qa_assessment_status({{row}}.assessment_id) IN "
             f"({_quoted((Status.SUBMITTED, Status.RETURNED, Status.RESPONDED))})")
    mine = "{row}.fca_id = me"
    body = Part("response", _rest(Response, fixed),
                f"OLD.signed_at IS NULL AND {mine.format(row='OLD')} AND "
                f"{open_.format(row='OLD')}")
    return Rules("response", fixed, (body,),
                 on_insert=f"{mine.format(row='NEW')} AND {open_.format(row='NEW')}",
                 on_delete="false")


def _reply() -> Rules:
    fixed = frozenset({"assessment_id"})
    open_ = f"qa_assessment_status({{row}}.assessment_id) <> '{Status.FINALISED.value}'"
    body = Part("reply", _rest(ResponseReply, fixed),
                f"NEW.author_id = me AND {open_.format(row='OLD')}")
    return Rules("response_reply", fixed, (body,),
                 on_insert=f"NEW.author_id = me AND {open_.format(row='NEW')}",
                 on_delete="false")


def _action_item() -> Rules:
    """Marking done (or open again) and the practitioner's agreement are left to the
    row-level policy (the owner's rule, COMPLETE_ACTION, editing the assessment); the
    action itself is written by whoever writes its assessment or supervision record."""
    fixed = frozenset({"id", "created_at"})
    marking = Part("completion", frozenset({"status", "completed_on", "agreed"}), "true")

    def writes(row: str) -> str:
        edit = may((A.EDIT_ASSESSMENT,), Kind.ASSESSMENT, f"{row}.assessment_id")
        record = may((A.RECORD_SUPERVISION,), Kind.SUPERVISION_SESSION, f"{row}.session_id")
        on_assessment = (f"({row}.assessment_id IS NOT NULL AND "
                         f"qa_assessment_editable({row}.assessment_id) AND {edit})")
        in_session = (f"({row}.session_id IS NOT NULL AND "
                      f"NOT qa_session_closed({row}.session_id) AND {record})")
        return f"({on_assessment} OR {in_session})"

    content = Part("action", _rest(ActionItem, fixed, marking.columns),
                   f"{writes('OLD')} AND {writes('NEW')}")
    return Rules("action_item", fixed, (marking, content),
                 on_insert=writes("NEW"), on_delete=writes("OLD"))


def _session() -> Rules:
    fixed = frozenset({"id", "supervisor_id", "fca_id", "created_at"})
    reflection = Part("practitioner's reflection", frozenset({"fca_reflection"}),
                      "me = OLD.fca_id")
    # A signature is set only by its signer; withdrawing one (a change to what it
    # covered) may come with either person's change.
    signatures = Part("signatures", frozenset({"supervisor_signed_at", "fca_signed_at"}),
                      "(NEW.supervisor_signed_at IS NULL OR NEW.supervisor_signed_at "
                      "IS NOT DISTINCT FROM OLD.supervisor_signed_at OR me = OLD.supervisor_id)"
                      " AND (NEW.fca_signed_at IS NULL OR NEW.fca_signed_at IS NOT DISTINCT "
                      "FROM OLD.fca_signed_at OR me = OLD.fca_id)")
    notes = Part("notes", _rest(SupervisionSession, fixed, reflection.columns,
                                signatures.columns),
                 may((A.RECORD_SUPERVISION,), Kind.SUPERVISION_SESSION, "OLD.id"))
    return Rules("supervision_session", fixed, (reflection, signatures, notes),
                 on_delete="false")


def rules() -> tuple[Rules, ...]:
    return (_assessment(), _rating(), _response(), _reply(), _action_item(), _session())


def _refuse(what: str) -> str:
    text = what.replace("'", "''")
    return (f"RAISE EXCEPTION '{text}' USING ERRCODE = 'insufficient_privilege', "
            f"TABLE = TG_TABLE_NAME")


def _closed_session(rules: Rules) -> str:
    if rules.table != "supervision_session":
        return ""
    return f"""
            IF OLD.supervisor_signed_at IS NOT NULL AND OLD.fca_signed_at IS NOT NULL THEN
                {_refuse("This supervision record is signed by both and cannot be changed.")};
            END IF;"""


def trigger_function(rules: Rules) -> str:
    t = rules.table
    checks = [f"""
            IF {_changed(rules.fixed)} THEN
                {_refuse(f"Who and what a {t} row is about cannot be changed.")};
            END IF;"""]
    for part in rules.parts:
        checks.append(f"""
            IF {_changed(part.columns)} AND NOT coalesce(({part.guard}), false) THEN
                {_refuse(f"You may not change the {part.name} of this {t} row.")};
            END IF;""")
    insert = (f"""
        IF TG_OP = 'INSERT' AND NOT coalesce(({rules.on_insert}), false) THEN
            {_refuse(f"You may not add this {t} row.")};
        END IF;""" if rules.on_insert else "")
    delete = (f"""
        IF TG_OP = 'DELETE' AND NOT coalesce(({rules.on_delete}), false) THEN
            {_refuse(f"You may not remove this {t} row.")};
        END IF;""" if rules.on_delete else "")
    return f"""CREATE OR REPLACE FUNCTION qa_audit_write_rules_{t}() RETURNS trigger
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
        DECLARE
            me uuid := qa_user_id(current_user);
        BEGIN
            IF me IS NULL THEN  -- the store's owner, not a person
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            END IF;{insert}{delete}
            IF TG_OP = 'UPDATE' THEN{_closed_session(rules)}{''.join(checks)}
            END IF;
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$"""


HELPERS = ("qa_assessment_status(uuid)", "qa_assessment_editable(uuid)",
           "qa_session_closed(uuid)", "qa_finalised_total()")


def _helpers() -> list[str]:
    """Facts of a parent row read past the reader's own policies (an FCA sees no drafts,
    but her action may belong to one)."""
    fn = """CREATE OR REPLACE FUNCTION {name}(record_id uuid) RETURNS {type}
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            {body} $$"""
    return [
        # How many finalised assessments there are (a count, no content): `audit-log
        # verify` says how many of them the person verifying could not check.
        """CREATE OR REPLACE FUNCTION qa_finalised_total() RETURNS bigint
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT count(*) FROM assessment WHERE content_hash IS NOT NULL
                AND content_hash <> 'anonymised' $$""",
        fn.format(name="qa_assessment_status", type="text",
                  body="SELECT a.status FROM assessment a WHERE a.id = record_id"),
        fn.format(name="qa_assessment_editable", type="boolean",
                  body=f"SELECT EXISTS (SELECT 1 FROM assessment a WHERE a.id = record_id "
                       f"AND a.status IN ({_quoted(EDITABLE)}))"),
        fn.format(name="qa_session_closed", type="boolean",
                  body="SELECT EXISTS (SELECT 1 FROM supervision_session s WHERE "
                       "s.id = record_id AND s.supervisor_signed_at IS NOT NULL AND "
                       "s.fca_signed_at IS NOT NULL)"),
    ]


def finalised_total(conn: Connection) -> int:
    """The team store's count of finalised assessments, whoever asks (see `_helpers`)."""
    return int(conn.execute(text("SELECT qa_finalised_total()")).scalar_one())


def statements() -> list[str]:
    out = _helpers()
    for r in rules():
        events = ["UPDATE"]
        if r.on_insert:
            events.insert(0, "INSERT")
        if r.on_delete:
            events.append("DELETE")
        out += [trigger_function(r),
                f"DROP TRIGGER IF EXISTS qa_audit_write_rules ON {r.table}",
                f"CREATE TRIGGER qa_audit_write_rules BEFORE {' OR '.join(events)} ON "
                f"{r.table} FOR EACH ROW EXECUTE FUNCTION qa_audit_write_rules_{r.table}()"]
    return out
