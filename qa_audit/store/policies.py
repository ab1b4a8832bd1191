"""Setting up a team store on PostgreSQL: group roles and grants, the helper functions that
say who is asking, row-level security generated from the domain's permission matrix, the
server-side audit chain and the finalised-assessment guard.

Nothing here restates who may do what. Each case-content table says, per command, on
which grounds a row may be used: one of the domain's `Action`s on the row itself or on
the record it belongs to (a rating's assessment, an action's supervision session), or the
domain's owner rule. The policy is then the matrix's scopes for those actions, through
the same rules and translator as the app's own queries (`store/scope_policy.py`), with
the actor taken from the helper functions. Changing `domain/permissions.py` changes the
policies at the next `qa-audit team init` (which is safe to run again).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from qa_audit.domain.permissions import MATRIX, Action, Role
from qa_audit.domain.workflow import Status

from .postgres import APP_GROUP, group_role
from .scope import Kind
from .scope_policy import TABLE, condition, owner_condition, render
from .write_rules import HELPERS as WRITE_RULE_HELPERS
from .write_rules import statements as write_rule_statements

A = Action


@dataclass(frozen=True)
class Ground:
    """Why a person may touch a row: one of `actions` on the row itself (`through` None)
    or on the record of `kind` its `through` column points at."""

    kind: Kind
    actions: tuple[Action, ...]
    through: str | None = None


@dataclass(frozen=True)
class Owner:
    """The owner rule of the domain (an action's owner), on the row itself."""

    kind: Kind


Reason = Ground | Owner


@dataclass(frozen=True)
class Secured:
    """One case-content table and, per command, the grounds on which a person may use it
    (none: no app role may)."""

    table: str
    select: tuple[Reason, ...]
    insert: tuple[Reason, ...] = ()
    update: tuple[Reason, ...] = ()
    delete: tuple[Reason, ...] = ()


ASSESSMENT, SESSION = Kind.ASSESSMENT, Kind.SUPERVISION_SESSION
_VIEW = Ground(ASSESSMENT, (A.VIEW_ASSESSMENT,), "assessment_id")
_EDIT = Ground(ASSESSMENT, (A.EDIT_ASSESSMENT,), "assessment_id")
_RESPOND = Ground(ASSESSMENT, (A.RESPOND, A.RETURN_FOR_CHANGES), "assessment_id")
_IN_SESSION = Ground(SESSION, (A.VIEW_SUPERVISION,), "session_id")
_RECORDING = Ground(SESSION, (A.RECORD_SUPERVISION,), "session_id")

SECURED: tuple[Secured, ...] = (
    Secured("assessment",
            select=(Ground(ASSESSMENT, (A.VIEW_ASSESSMENT,)),),
            insert=(Ground(ASSESSMENT, (A.CREATE_ASSESSMENT,)),),
            update=(Ground(ASSESSMENT, (A.EDIT_ASSESSMENT, A.SUBMIT, A.FINALISE, A.RESPOND,
                                        A.RETURN_FOR_CHANGES, A.SEND_TO_MODERATION,
                                        A.MODERATE)),)),
    Secured("rating", select=(_VIEW,),
            insert=(Ground(ASSESSMENT, (A.CREATE_ASSESSMENT, A.EDIT_ASSESSMENT),
                           "assessment_id"),),
            update=(_EDIT,), delete=(_EDIT,)),
    Secured("response", select=(_VIEW,), insert=(_RESPOND,), update=(_RESPOND,)),
    # The supervisor's reply to the practitioner's reasons, written before finalising.
    Secured("response_reply", select=(_VIEW,),
            insert=(Ground(ASSESSMENT, (A.FINALISE,), "assessment_id"),),
            update=(Ground(ASSESSMENT, (A.FINALISE,), "assessment_id"),)),
    # A moderator's outcome on a finalised audit is added as their addendum.
    Secured("addendum", select=(_VIEW,),
            insert=(Ground(ASSESSMENT, (A.ADD_ADDENDUM, A.MODERATE), "assessment_id"),)),
    Secured("moderation", select=(Ground(ASSESSMENT, (A.MODERATE,), "assessment_id"),),
            insert=(Ground(ASSESSMENT, (A.MODERATE, A.SEND_TO_MODERATION),
                           "assessment_id"),),
            update=(Ground(ASSESSMENT, (A.MODERATE,), "assessment_id"),)),
    Secured("supervision_session",
            select=(Ground(SESSION, (A.VIEW_SUPERVISION,)),),
            insert=(Ground(SESSION, (A.RECORD_SUPERVISION,)),),
            update=(Ground(SESSION, (A.RECORD_SUPERVISION, A.SIGN_SUPERVISION)),)),
    Secured("session_assessment", select=(_IN_SESSION,), insert=(_RECORDING,),
            delete=(_RECORDING,)),
    Secured("action_item",
            select=(_VIEW, _IN_SESSION, Owner(Kind.ACTION)),
            insert=(_EDIT, _RECORDING),
            update=(Ground(ASSESSMENT, (A.EDIT_ASSESSMENT, A.COMPLETE_ACTION),
                           "assessment_id"),
                    Ground(SESSION, (A.RECORD_SUPERVISION, A.COMPLETE_ACTION), "session_id"),
                    Owner(Kind.ACTION)),
            delete=(_EDIT, _RECORDING)),
    # A case is seen by those who manage its team's cases, and wherever an assessment
    # about it is seen (its reference is on the assessment).
    Secured("case_file",
            select=(Ground(Kind.CASE, (A.MANAGE_CASES,)),
                    Ground(ASSESSMENT, (A.VIEW_ASSESSMENT,), "case_id")),
            insert=(Ground(Kind.CASE, (A.MANAGE_CASES,)),),
            update=(Ground(Kind.CASE, (A.MANAGE_CASES,)),)),
)
CASE_CONTENT_TABLES = tuple(s.table for s in SECURED)
# Actions on the tables that hold no case content, for the grants of each role's group.
SYSTEM_TABLE_WRITES: dict[str, tuple[tuple[str, ...], tuple[Action, ...]]] = {
    "user_account": (("INSERT", "UPDATE"), (A.MANAGE_USERS,)),
    "org_unit": (("INSERT", "UPDATE"), (A.MANAGE_TEAMS,)),
    "framework_version": (("INSERT",), (A.IMPORT_FRAMEWORK,)),
    # A record of a sample drawn (its rules and the ids picked; no case content).
    "sample_draw": (("INSERT",), (A.DRAW_CASE_SAMPLE, A.MODERATE)),
}
# Per-database settings: the pseudonymisation secret is added by the first export.
SETTING_WRITES = ("INSERT",)


def roles_with(action: Action) -> list[Role]:
    return [role for role in Role if action in MATRIX[role]]


def reason_sql(reason: Reason, table: str, command: str) -> str:
    if isinstance(reason, Owner):
        return render(owner_condition(reason.kind))
    inner = render(condition(reason.actions, reason.kind))
    if reason.through is None:
        return inner
    parent = TABLE[reason.kind]
    if command == "SELECT" and _reads_as_parent(reason, parent):
        # Reading the parent inside a policy is itself filtered by the parent's SELECT
        # policy, which is this very condition: saying it again would have the server
        # evaluate it twice for every row.
        inner = "true"
    # A row points at the record whose rule decides (a rating at its assessment; a case
    # the other way round: an assessment points at it).
    if table == "case_file":
        link = f"{parent}.{reason.through} = {table}.id"
    else:
        link = f"{parent}.id = {table}.{reason.through}"
    return f"EXISTS (SELECT 1 FROM {parent} WHERE {link} AND ({inner}))"


def _reads_as_parent(reason: Ground, parent: str) -> bool:
    own = next(s for s in SECURED if s.table == parent).select
    return own == (Ground(reason.kind, reason.actions),)


def using(secured: Secured, reasons: tuple[Reason, ...], command: str) -> str:
    if not reasons:
        return "false"
    return " OR ".join(f"({reason_sql(r, secured.table, command)})" for r in reasons)


def policy_statements(secured: Secured) -> list[str]:
    t = secured.table
    out = [f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
           f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY"]
    for command, reasons in (("SELECT", secured.select), ("INSERT", secured.insert),
                             ("UPDATE", secured.update), ("DELETE", secured.delete)):
        name = f"qa_{t}_{command.lower()}"
        cond = using(secured, reasons, command)
        if command in ("SELECT", "DELETE"):
            clause = f"USING ({cond})"
        elif command == "INSERT":
            clause = f"WITH CHECK ({cond})"
        else:
            clause = f"USING ({cond}) WITH CHECK ({cond})"
        out += [f"DROP POLICY IF EXISTS {name} ON {t}",
                f"CREATE POLICY {name} ON {t} FOR {command} TO {APP_GROUP} {clause}"]
    return out


def _helpers() -> list[str]:
    """SECURITY DEFINER functions mapping a login role to its user row (the user table
    itself stays readable, but this keeps the policies short and index-friendly)."""
    fn = """CREATE OR REPLACE FUNCTION {name}(login name) RETURNS {type}
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$ {body} $$"""
    user = "FROM user_account u WHERE u.username = login AND u.active"
    return [
        fn.format(name="qa_user_id", type="uuid", body=f"SELECT u.id {user}"),
        fn.format(name="qa_user_role", type="text", body=f"SELECT u.role {user}"),
        fn.format(name="qa_user_team", type="uuid", body=f"SELECT u.team_id {user}"),
        fn.format(name="qa_user_region", type="uuid",
                  body="SELECT o.region_id FROM user_account u JOIN org_unit o "
                       "ON o.id = u.team_id WHERE u.username = login AND u.active"),
    ]


def _login_functions() -> list[str]:
    """Creating, re-passwording and disabling people's login roles, allowed to an
    administrator (a role with MANAGE_USERS in the matrix) or the store's owner, so no app
    role needs CREATEROLE. `session_user` is the person connected (inside a SECURITY
    DEFINER function `current_user` is the owner)."""
    managers = ", ".join(f"'{r.value}'" for r in roles_with(A.MANAGE_USERS))
    roles = ", ".join(f"'{r.value}'" for r in Role)
    guard = f"""
        IF NOT (qa_user_role(session_user) IN ({managers})
                OR session_user = current_user
                OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)) THEN
            RAISE EXCEPTION 'Only an administrator can manage accounts.'
                USING ERRCODE = 'insufficient_privilege';
        END IF;"""
    return [
        f"""CREATE OR REPLACE FUNCTION qa_audit_create_login(login text, verifier text,
                app_role text) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN {guard}
            IF app_role NOT IN ({roles}) THEN
                RAISE EXCEPTION 'Unknown role %', app_role;
            END IF;
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
                RAISE EXCEPTION 'The name % is already taken on this database server; '
                    'choose another username.', login;
            END IF;
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', login, verifier,
                           'qa_audit_' || app_role);
        END $$""",
        f"""CREATE OR REPLACE FUNCTION qa_audit_set_password(login text, verifier text)
            RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            IF login <> session_user THEN {guard}
            END IF;
            IF qa_user_id(login) IS NULL AND NOT EXISTS (
                    SELECT 1 FROM user_account WHERE username = login) THEN
                RAISE EXCEPTION 'No account %', login;
            END IF;
            EXECUTE format('ALTER ROLE %I PASSWORD %L', login, verifier);
        END $$""",
        f"""CREATE OR REPLACE FUNCTION qa_audit_set_login(login text, enabled boolean)
            RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN {guard}
            IF NOT EXISTS (SELECT 1 FROM user_account WHERE username = login) THEN
                RAISE EXCEPTION 'No account %', login;
            END IF;
            EXECUTE format('ALTER ROLE %I %s', login,
                           CASE WHEN enabled THEN 'LOGIN' ELSE 'NOLOGIN' END);
        END $$""",
    ]


GENESIS = "0" * 64


def _audit_chain() -> list[str]:
    """The server computes each event's sequence number, time and hash (the same digest as
    `services.audit_log`), one event at a time, so a client cannot choose or fork them and a
    missing sequence number means a removed event."""
    return [
        f"""CREATE OR REPLACE FUNCTION qa_audit_event_chain() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            last_seq integer;
            last_hash text;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtext('qa_audit_event_chain'));
            SELECT seq, hash INTO last_seq, last_hash FROM audit_event
                ORDER BY seq DESC LIMIT 1;
            NEW.seq := coalesce(last_seq, 0) + 1;
            NEW.at := date_trunc('microseconds', clock_timestamp() AT TIME ZONE 'UTC');
            NEW.prev_hash := coalesce(last_hash, '{GENESIS}');
            NEW.hash := encode(sha256(convert_to(concat_ws(chr(31),
                NEW.prev_hash,
                NEW.id::text,
                to_char(NEW.at, 'YYYY-MM-DD"T"HH24:MI:SS')
                    || CASE WHEN extract(microseconds FROM NEW.at)::bigint % 1000000 = 0
                            THEN '' ELSE to_char(NEW.at, '.US') END
                    || '+00:00',
                coalesce(NEW.actor_id::text, ''),
                NEW.action, NEW.entity, NEW.entity_id), 'UTF8')), 'hex');
            RETURN NEW;
        END $$""",
        "DROP TRIGGER IF EXISTS qa_audit_event_chain ON audit_event",
        """CREATE TRIGGER qa_audit_event_chain BEFORE INSERT ON audit_event
            FOR EACH ROW EXECUTE FUNCTION qa_audit_event_chain()""",
    ]


def _audit_log_policies() -> list[str]:
    """Who reads which events: those who may view the audit log, all of them; everyone
    else the events about their own account and what they did themselves (the sign-in
    notice says who set their password and how often the account was used since). A
    person adds events only as themselves (or as nobody: a refused sign-in). ENABLE
    without FORCE: the owner's chain trigger reads the whole log."""
    viewers = ", ".join(f"'{r.value}'" for r in roles_with(A.VIEW_AUDIT_LOG))
    me = "(SELECT qa_user_id(current_user))"
    return [
        "ALTER TABLE audit_event ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE audit_event NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS qa_audit_event_select ON audit_event",
        f"""CREATE POLICY qa_audit_event_select ON audit_event FOR SELECT TO {APP_GROUP}
            USING ((SELECT qa_user_role(current_user)) IN ({viewers})
                   OR audit_event.actor_id = {me} OR audit_event.actor_id IS NULL
                   OR (audit_event.entity = 'user'
                       AND audit_event.entity_id = {me}::text))""",
        "DROP POLICY IF EXISTS qa_audit_event_insert ON audit_event",
        f"""CREATE POLICY qa_audit_event_insert ON audit_event FOR INSERT TO {APP_GROUP}
            WITH CHECK (audit_event.actor_id IS NULL OR audit_event.actor_id = {me})""",
    ]


def _finalised_guard() -> list[str]:
    """No person (a login with a user row) changes or removes a finalised assessment or
    its ratings; corrections are addenda. The owner (retention, migrations) is not a
    person and is not stopped."""
    finalised = Status.FINALISED.value
    refuse = ("RAISE EXCEPTION 'This assessment is finalised and cannot be changed; add an "
              "addendum instead.' USING ERRCODE = 'P0001'")
    return [
        # Finalising records its time and content hash once, just after the status changes.
        f"""CREATE OR REPLACE FUNCTION qa_audit_finalised_assessment() RETURNS trigger
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
        DECLARE
            probe assessment;
        BEGIN
            IF OLD.status = '{finalised}' AND qa_user_id(current_user) IS NOT NULL THEN
                IF TG_OP = 'UPDATE' THEN
                    probe := NEW;
                    probe.content_hash := OLD.content_hash;
                    probe.finalised_at := OLD.finalised_at;
                    probe.row_version := OLD.row_version;  -- the mapper's counter moves
                    IF probe IS NOT DISTINCT FROM OLD
                       AND (OLD.content_hash IS NULL
                            OR NEW.content_hash IS NOT DISTINCT FROM OLD.content_hash)
                       AND (OLD.finalised_at IS NULL
                            OR NEW.finalised_at IS NOT DISTINCT FROM OLD.finalised_at) THEN
                        RETURN NEW;
                    END IF;
                END IF;
                {refuse};
            END IF;
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION qa_assessment_is_draft(assessment_id uuid)
            RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT EXISTS (SELECT 1 FROM assessment a WHERE a.id = assessment_id
                           AND a.status = '{Status.DRAFT.value}') $$""",
        f"""CREATE OR REPLACE FUNCTION qa_assessment_finalised(assessment_id uuid)
            RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT EXISTS (SELECT 1 FROM assessment a WHERE a.id = assessment_id
                           AND a.status = '{finalised}') $$""",
        f"""CREATE OR REPLACE FUNCTION qa_audit_finalised_rating() RETURNS trigger
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
        BEGIN
            IF qa_user_id(current_user) IS NOT NULL AND (
                    (TG_OP <> 'INSERT' AND qa_assessment_finalised(OLD.assessment_id))
                    OR (TG_OP <> 'DELETE' AND qa_assessment_finalised(NEW.assessment_id)))
                    THEN
                {refuse};
            END IF;
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$""",
        "DROP TRIGGER IF EXISTS qa_audit_finalised ON assessment",
        """CREATE TRIGGER qa_audit_finalised BEFORE UPDATE OR DELETE ON assessment
            FOR EACH ROW EXECUTE FUNCTION qa_audit_finalised_assessment()""",
        "DROP TRIGGER IF EXISTS qa_audit_finalised ON rating",
        """CREATE TRIGGER qa_audit_finalised BEFORE INSERT OR UPDATE OR DELETE ON rating
            FOR EACH ROW EXECUTE FUNCTION qa_audit_finalised_rating()""",
    ]


def _roles() -> list[str]:
    out = [f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_GROUP}') THEN
            CREATE ROLE {APP_GROUP} NOLOGIN;
        END IF; END $$"""]
    for role in Role:
        group = group_role(role.value)
        out.append(f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') THEN
                CREATE ROLE {group} NOLOGIN IN ROLE {APP_GROUP};
            END IF; END $$""")
    return out


def _grants() -> list[str]:
    everything = ", ".join((*CASE_CONTENT_TABLES, *SYSTEM_TABLE_WRITES, "setting",
                            "audit_event", "alembic_version"))
    out = [
        f"REVOKE ALL ON {everything} FROM PUBLIC, {APP_GROUP}",
        f"GRANT USAGE ON SCHEMA public TO {APP_GROUP}",
        # Case content: every app role may try; row-level security decides which rows.
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(CASE_CONTENT_TABLES)} "
        f"TO {APP_GROUP}",
        f"GRANT SELECT ON {', '.join(SYSTEM_TABLE_WRITES)}, setting, alembic_version "
        f"TO {APP_GROUP}",
        f"GRANT {', '.join(SETTING_WRITES)} ON setting TO {APP_GROUP}",
        # The audit log: append only (no UPDATE, DELETE or TRUNCATE for anyone but the
        # owner); which events a person reads is the policy's (`_audit_log_policies`).
        f"GRANT SELECT, INSERT ON audit_event TO {APP_GROUP}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_GROUP}",
    ]
    for role in Role:
        group = group_role(role.value)
        for table, (commands, actions) in SYSTEM_TABLE_WRITES.items():
            if any(action in MATRIX[role] for action in actions):
                out.append(f"GRANT {', '.join(commands)} ON {table} TO {group}")
    for fn in ("qa_user_id(name)", "qa_user_role(name)", "qa_user_team(name)",
               "qa_user_region(name)", "qa_assessment_finalised(uuid)",
               "qa_assessment_is_draft(uuid)",
               "qa_audit_create_login(text, text, text)",
               "qa_audit_set_password(text, text)", "qa_audit_set_login(text, boolean)",
               *WRITE_RULE_HELPERS):
        out += [f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC",
                f"GRANT EXECUTE ON FUNCTION {fn} TO {APP_GROUP}"]
    return out


def statements() -> list[str]:
    """Everything `team init` runs after the migrations, in order; safe to run again."""
    out = [*_roles(), *_helpers(), *_login_functions(), *_audit_chain(),
           *_audit_log_policies(), *_finalised_guard(), *write_rule_statements()]
    for secured in SECURED:
        out += policy_statements(secured)
    return out + _grants()


def install(conn: Connection) -> None:
    """Roles, grants, functions, triggers and policies, in the caller's transaction."""
    for statement in statements():
        conn.execute(text(statement.replace(":", r"\:")))

