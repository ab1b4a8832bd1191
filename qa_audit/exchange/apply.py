"""Applying exchange records to a database: first a plan (the preview), then its writes.

Rules (DESIGN §6), for each record against this database's copy and the version last
exchanged with the sender (`known`):

- a record we do not have is added when it comes from its writer;
- the same version is unchanged (if the content differs, both sides wrote it: conflict);
- an older version changes nothing;
- a newer version replaces ours when it comes from the record's writer, unless ours also
  changed since the last exchange: then it is a conflict for the person to resolve (take
  theirs, or keep mine), never overwritten silently;
- another person's newer version is taken only where the domain lets them write that
  part: a workflow step they may take (an FCA's respond or return changes the status), an
  action they may mark done, the practitioner's reflection on a supervision record;
- fields are never merged; a finalised assessment is never changed.

Who may do what is asked of `domain.permissions` and `domain.workflow`, never re-typed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Connection, Table, delete, select, update
from sqlmodel import Session

from qa_audit.domain.framework import framework_from_dict
from qa_audit.domain.permissions import Action, Actor, Role, Target
from qa_audit.domain.permissions import allowed as _allowed
from qa_audit.domain.workflow import TRANSITIONS, Status, may_mark_action
from qa_audit.errors import BundleRejected
from qa_audit.store.bulk import insert_records, insert_tuples, storage_value
from qa_audit.store.tables import ExchangeKnown
from qa_audit.store.types import utcnow

from .records import (
    ACTION,
    ADDENDUM,
    ASSESSMENT,
    CASE,
    COMMENT,
    FRAMEWORK,
    LINK,
    ORG_UNIT,
    RATING,
    REFERENCE_KINDS,
    RESPONSE,
    SESSION,
    USER,
    Payload,
    columns,
    decode,
    encode,
    python_type,
    stored,
    to_storage,
    versions_map,
)

# Asked once per (person, action, facts): thousands of records share a few such facts.
allowed = lru_cache(maxsize=4096)(_allowed)

KNOWN: Table = ExchangeKnown.__table__  # type: ignore[attr-defined]
CHUNK = 500

# What someone other than a record's writer may change, by the domain's leave (checked
# per record below): an assessment's status by a workflow step, an action's completion by
# its owner (and its agreement by the practitioner responding), a supervision record's
# practitioner part. `row_version` and `updated_at` move with any change.
STEP_FIELDS = frozenset({"status", "updated_at", "row_version"})
ACTION_OWNER_FIELDS = frozenset({"status", "completed_on", "agreed", "row_version"})
# The parts each writer of a supervision record writes; `updated_at` moves with any change.
SESSION_NOTES = frozenset({"held_on", "team_id", "what_happened", "reflection", "analysis",
                           "action_plan", "supervisor_signed_at", "updated_at"})
SESSION_REFLECTION = frozenset({"fca_reflection", "fca_signed_at", "updated_at"})


class Decision(StrEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    OLDER = "older"
    CONFLICT = "conflict"
    IGNORED = "ignored"


class Resolution(StrEnum):
    """How a person resolves a conflict."""

    THEIRS = "theirs"
    """Take their version."""
    MINE = "mine"
    """Keep mine: for an assessment's records, theirs is taken and my text is kept as an
    addendum to the assessment; a supervision record (which has no addenda) stays mine and
    goes back to them as the newer version."""


@dataclass
class Change:
    """What applying one record would do."""

    kind: str
    record_id: uuid.UUID
    decision: Decision
    label: str | Callable[[], str] = ""
    """What to call the record (made only when shown: a bundle may hold thousands)."""
    reason: str = ""
    version: int = 0
    assessment_id: uuid.UUID | None = None
    mine: dict[str, Any] = field(default_factory=dict)
    write: Callable[[Connection], None] | None = None

    def describe(self) -> str:
        label = self.label if isinstance(self.label, str) else self.label()
        text = f"{self.kind.replace('_', ' ')} {label}".strip()
        return f"{text}: {self.reason}" if self.reason else text


@dataclass
class Plan:
    """The preview: every record's decision, and the writes to make."""

    changes: list[Change] = field(default_factory=list)
    inserts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    """New rows already in storage form (`records.to_storage`), by table."""
    known: dict[uuid.UUID, int] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for change in self.changes:
            per = out.setdefault(change.kind, {})
            per[change.decision.value] = per.get(change.decision.value, 0) + 1
        return out

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.decision is Decision.CONFLICT]

    @property
    def ignored(self) -> list[Change]:
        return [c for c in self.changes if c.decision is Decision.IGNORED]

    @property
    def writes_anything(self) -> bool:
        return any(c.decision in (Decision.NEW, Decision.UPDATE, Decision.CONFLICT)
                   for c in self.changes)

    def digest(self) -> str:
        """Identifies what the plan would do: a commit refuses a plan that moved on since
        its preview."""
        text = "\n".join(f"{c.kind}|{c.record_id}|{c.decision.value}|{c.version}"
                         for c in self.changes)
        return hashlib.sha256(text.encode()).hexdigest()

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self.inserts.setdefault(table.name, []).append(row)

    def agreed(self, resolved: Mapping[uuid.UUID, int] | None = None) -> dict[uuid.UUID, int]:
        """The versions both sides hold once this plan is written: every record added,
        replaced or already the same (not an older one, an ignored or an unresolved
        conflict), plus `resolved` (conflicts settled, with the version now on both)."""
        out = {c.record_id: c.version for c in self.changes
               if c.decision in (Decision.NEW, Decision.UPDATE, Decision.UNCHANGED)
               and c.kind not in REFERENCE_KINDS}
        out.update(resolved or {})
        return out


def _decide(local: int | None, incoming: int, base: int | None, same: bool) -> Decision:
    """`base`: the version the sender knew we had (None: they never had it from us)."""
    if local is None:
        return Decision.NEW
    if same:
        return Decision.UNCHANGED if incoming == local else Decision.OLDER
    if base is not None:
        if incoming <= base:
            return Decision.OLDER  # they have not changed it since what we had
        return Decision.CONFLICT if local > base else Decision.UPDATE
    if incoming == local:
        return Decision.CONFLICT
    return Decision.UPDATE if incoming > local else Decision.OLDER


def _by_id(conn: Connection, table: Table, ids: Iterable[uuid.UUID], column: str = "id"
           ) -> dict[uuid.UUID, Mapping[Any, Any]]:
    wanted = sorted(set(ids), key=str)
    out: dict[uuid.UUID, Mapping[Any, Any]] = {}
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start:start + CHUNK]
        for row in conn.execute(select(table).where(table.c[column].in_(part))).mappings():
            out[row[column]] = row
    return out


def _group(conn: Connection, table: Table, column: str, ids: Iterable[uuid.UUID]
           ) -> dict[uuid.UUID, list[Mapping[Any, Any]]]:
    wanted = sorted(set(ids), key=str)
    out: dict[uuid.UUID, list[Mapping[Any, Any]]] = {}
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start:start + CHUNK]
        for row in conn.execute(select(table).where(table.c[column].in_(part))).mappings():
            out.setdefault(row[column], []).append(row)
    return out


def _records(payload: Payload, kind: str) -> list[dict[str, Any]]:
    records = payload.records.get(kind, [])
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise BundleRejected(f"The bundle's {kind} records are not a list of records.")
    return records


def _changed_fields(table: Table, local: Mapping[Any, Any], incoming: Mapping[Any, Any]
                    ) -> set[str]:
    mine = encode(table, local)
    theirs = encode(table, incoming)
    return {name for name in mine if mine[name] != theirs[name]}


class Planner:
    """Builds the plan for one payload from `sender`, read on the receiver's connection.

    With `authority` (a sync's pull from the team store, whose server already checked
    every writer with its own policies and triggers), each record is taken as sent by its
    writer: who wrote what is not asked again, only whether the receiver may see it."""

    def __init__(self, conn: Connection, payload: Payload, sender_id: uuid.UUID | None,
                 receiver: Actor, *, authority: bool = False,
                 contested: Iterable[uuid.UUID] = ()) -> None:
        if sender_id is None and not authority:
            raise ValueError("a sender, unless the payload comes from an authority")
        self.conn = conn
        self.payload = payload
        self.sender_id = sender_id
        self.receiver = receiver
        self.authority = authority
        self.bases = versions_map(payload.bases, "base versions")
        # Records the person is settling: taken as changed on both sides, whatever the
        # versions say, so that the plan asks whose to keep (a resolution says).
        self.bases.update({record_id: 0 for record_id in contested})
        self.plan = Plan()
        self.framework_ids: dict[str, uuid.UUID] = {}
        self.units: dict[uuid.UUID, Mapping[Any, Any]] = {}
        self.people: dict[uuid.UUID, Mapping[Any, Any]] = {}
        self.sender: Actor | None = None

    # -- reference data ---------------------------------------------------------------------
    def run(self) -> Plan:
        self.plan.known = versions_map(self.payload.have, "versions held")
        self._frameworks()
        self._org_units()
        self._people()
        self._cases()
        self._assessments()
        self._responses()
        self._addenda()
        self._sessions()
        return self.plan

    def _frameworks(self) -> None:
        records = _records(self.payload, "framework")
        incoming = [decode(FRAMEWORK, r.get("fields")) for r in records]
        # The team store's own ids, for a personal copy (from an authority only).
        home_ids = [r.get("home_id") if self.authority else None for r in records]
        stored = list(self.conn.execute(select(FRAMEWORK.c.id, FRAMEWORK.c.framework_id,
                                               FRAMEWORK.c.version, FRAMEWORK.c.sha256)))
        by_sha = {row.sha256: row.id for row in stored}
        by_name = {(row.framework_id, row.version): row.sha256 for row in stored}
        for f, home_id in zip(incoming, home_ids, strict=True):
            if hashlib.sha256(f["snapshot"].encode("utf-8")).hexdigest() != f["sha256"]:
                raise BundleRejected(f"The snapshot of framework {f['framework_id']} "
                                     f"{f['version']} does not match its hash.")
            try:
                framework = framework_from_dict(json.loads(f["snapshot"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise BundleRejected(f"The snapshot of framework {f['framework_id']} cannot "
                                     "be read.") from exc
            if (framework.id, framework.version, framework.sha256()) != (
                    f["framework_id"], f["version"], f["sha256"]):
                raise BundleRejected(f"The snapshot of framework {f['framework_id']} does "
                                     "not match its name or hash.")
            label = f"{f['framework_id']} {f['version']}"
            if f["sha256"] in by_sha:
                self.framework_ids[f["sha256"]] = by_sha[f["sha256"]]
                self.plan.changes.append(Change("framework", by_sha[f["sha256"]],
                                                Decision.UNCHANGED, label))
                continue
            other = by_name.get((f["framework_id"], f["version"]))
            if other is not None:
                raise BundleRejected(
                    f"Framework {label} is stored here with other content ({other[:12]}; the "
                    f"bundle's is {f['sha256'][:12]}). Nothing was imported.")
            new_id = uuid.UUID(home_id) if isinstance(home_id, str) else uuid.uuid4()
            self.framework_ids[f["sha256"]] = by_sha[f["sha256"]] = new_id
            self.plan.add(FRAMEWORK, {**f, "id": new_id, "imported_by": None,
                                      "imported_at": utcnow()})
            self.plan.changes.append(Change("framework", new_id, Decision.NEW, label))

    def _org_units(self) -> None:
        incoming = [decode(ORG_UNIT, r.get("fields")) for r in _records(self.payload,
                                                                        "org_unit")]
        local = _by_id(self.conn, ORG_UNIT, [u["id"] for u in incoming])
        for unit in incoming:
            self.units[unit["id"]] = local.get(unit["id"], unit)
            decision = Decision.UNCHANGED if unit["id"] in local else Decision.NEW
            if decision is Decision.NEW:
                self.plan.add(ORG_UNIT, unit)
            self.plan.changes.append(Change("org_unit", unit["id"], decision, unit["name"]))
        # Units named by people or records but not carried must be here already.
        missing = {u for unit in incoming for u in (unit["parent_id"], unit["region_id"])
                   if u is not None and u not in self.units}
        self.units.update(_by_id(self.conn, ORG_UNIT, missing))

    def _people(self) -> None:
        incoming = [decode(USER, r.get("fields")) for r in _records(self.payload, "person")]
        local = _by_id(self.conn, USER, [p["id"] for p in incoming])
        names = {p["username"] for p in incoming}
        taken = {row.username: row.id for row in self.conn.execute(
            select(USER.c.username, USER.c.id).where(USER.c.username.in_(sorted(names))))}
        for person in incoming:
            mine = local.get(person["id"])
            if mine is not None and mine["username"] != person["username"]:
                raise BundleRejected(f"The bundle names account {person['username']} with the "
                                     f"id of {mine['username']} here.")
            if mine is None and taken.get(person["username"], person["id"]) != person["id"]:
                raise BundleRejected(f"The account {person['username']} in the bundle is a "
                                     "different account from the one of that name here.")
            self.people[person["id"]] = mine or person
            if mine is None:
                self.plan.add(USER, {**person, "password_hash": "", "created_at": utcnow()})
            self.plan.changes.append(Change(
                "person", person["id"], Decision.UNCHANGED if mine else Decision.NEW,
                person["username"]))
        if self.sender_id is None:
            return  # an authority: each record comes from its writer
        sender = self.people.get(self.sender_id) or _by_id(self.conn, USER,
                                                           [self.sender_id]).get(self.sender_id)
        if sender is None:
            raise BundleRejected("The bundle's sender is not named in it.")
        self.sender = self._actor(sender)

    def _is_writer(self, writer_id: uuid.UUID | None) -> bool:
        """Whether the record comes from `writer_id` (always, from an authority)."""
        return self.authority or (self.sender is not None and self.sender.user_id == writer_id)

    def _writes(self, writer_id: uuid.UUID | None, action: Action, target: Target) -> bool:
        """Whether the record comes from `writer_id`, who may take `action` on it."""
        return self.authority or (self._is_writer(writer_id) and self.sender is not None
                                  and allowed(self.sender, action, target))

    def _sender_sees(self, action: Action, target: Target) -> bool:
        return self.sender is None or allowed(self.sender, action, target)

    def _actor(self, person: Mapping[Any, Any]) -> Actor:
        team = person["team_id"]
        unit = self.units.get(team) if team is not None else None
        if team is not None and unit is None:
            unit = _by_id(self.conn, ORG_UNIT, [team]).get(team)
        return Actor(person["id"], Role(person["role"]), team,
                     unit["region_id"] if unit else None)

    def _cases(self) -> None:
        incoming = [decode(CASE, r.get("fields")) for r in _records(self.payload, "case")]
        local = _by_id(self.conn, CASE, [c["id"] for c in incoming])
        refs = {row.reference: row.id for row in self.conn.execute(
            select(CASE.c.reference, CASE.c.id).where(
                CASE.c.reference.in_(sorted(c["reference"] for c in incoming))))}
        for case in incoming:
            mine = local.get(case["id"])
            if mine is None and refs.get(case["reference"], case["id"]) != case["id"]:
                raise BundleRejected(f"Case {case['reference']} in the bundle is a different "
                                     "case from the one with that reference here.")
            if mine is None:
                self.plan.add(CASE, case)
            self.plan.changes.append(Change("case", case["id"], Decision.UNCHANGED if mine
                                            else Decision.NEW, case["reference"]))

    # -- written records --------------------------------------------------------------------
    def _target(self, row: Mapping[Any, Any]) -> Target:
        return Target(team_id=row["team_id"], region_id=row["region_id"],
                      author_id=row["author_id"], subject_id=row["subject_id"],
                      draft=row["status"] == Status.DRAFT.value)

    def _assessments(self) -> None:
        records = _records(self.payload, "assessment")
        incoming = []
        for record in records:
            if set(record) != {"fields", "ratings", "actions"}:
                raise BundleRejected("An assessment record does not have the parts of this "
                                     "format.")
            fields = decode(ASSESSMENT, record["fields"], extra=("framework_sha256",))
            sha = fields.pop("framework_sha256")
            if sha not in self.framework_ids:
                raise BundleRejected("An assessment's framework snapshot is not in the bundle "
                                     "nor here.")
            fields["framework_version_id"] = self.framework_ids[sha]
            if not isinstance(record["ratings"], list):
                raise BundleRejected("An assessment's ratings are not a list.")
            ratings = [to_storage(RATING, r) for r in record["ratings"]]
            actions = [decode(ACTION, a) for a in record["actions"]]
            if any(r[_RATING_PARENT] != fields["id"].hex for r in ratings) or any(
                    a["assessment_id"] != fields["id"] or a["session_id"] is not None
                    for a in actions):
                raise BundleRejected("An assessment record holds another record's parts.")
            target = self._target(fields)
            for who, sees in (("you", allowed(self.receiver, Action.VIEW_ASSESSMENT, target)),
                              ("its sender", self._sender_sees(Action.VIEW_ASSESSMENT,
                                                               target))):
                if not sees:
                    raise BundleRejected(f"The bundle holds an assessment {who} may not see; "
                                         "nothing was imported.")
            incoming.append((fields, ratings, actions))
        ids = [f["id"] for f, _r, _a in incoming]
        local = _by_id(self.conn, ASSESSMENT, ids)
        local_ratings = _group(self.conn, RATING, "assessment_id",
                               [i for i in ids if i in local])
        local_actions = _group(self.conn, ACTION, "assessment_id",
                               [i for i in ids if i in local])
        cases: dict[Any, str] = {r["id"]: r["reference"] for r in self.plan.inserts.get(
            CASE.name, [])}
        cases.update(self.conn.execute(select(CASE.c.id, CASE.c.reference).where(
            CASE.c.id.in_([f["case_id"] for f, _r, _a in incoming if f["case_id"]]))).all())
        for fields, ratings, actions in incoming:
            label = partial(self._label, fields, cases)
            mine = local.get(fields["id"])
            mine_ratings = local_ratings.get(fields["id"], [])
            same = mine is not None and not _changed_fields(ASSESSMENT, mine, fields) and (
                _rating_set(mine_ratings) == _rating_set(ratings))
            change = Change("assessment", fields["id"], _decide(
                None if mine is None else mine["row_version"], fields["row_version"],
                self.bases.get(fields["id"]), same), label, version=fields["row_version"],
                assessment_id=fields["id"])
            self.plan.known[fields["id"]] = fields["row_version"]
            by_author = self._writes(fields["author_id"], Action.EDIT_ASSESSMENT,
                                     self._target(fields))
            if change.decision is Decision.NEW:
                if not by_author:
                    self._ignore(change, "only its author sends a new assessment")
                else:
                    self.plan.add(ASSESSMENT, fields)
                    self.plan.rows.setdefault(RATING.name, []).extend(ratings)
            elif change.decision in (Decision.UPDATE, Decision.CONFLICT):
                assert mine is not None
                self._assessment_update(change, mine, fields, mine_ratings, ratings, by_author,
                                        [a["id"] for a in actions])
            self.plan.changes.append(change)
            self._actions(actions, local_actions.get(fields["id"], []), fields,
                          new_parent=change.decision is Decision.NEW and by_author,
                          label=label)

    def _label(self, fields: Mapping[Any, Any], cases: Mapping[Any, str]) -> str:
        case = cases.get(fields["case_id"], "")
        subject = self.people.get(fields["subject_id"])
        who = subject["display_name"] if subject else ""
        return " ".join(x for x in (case, who, str(fields["assessed_on"])) if x)

    def _ignore(self, change: Change, reason: str) -> None:
        change.decision = Decision.IGNORED
        change.reason = reason

    def _assessment_update(self, change: Change, mine: Mapping[Any, Any],
                           fields: dict[str, Any], mine_ratings: list[Mapping[Any, Any]],
                           ratings: list[tuple[Any, ...]], by_author: bool,
                           incoming_actions: list[uuid.UUID]) -> None:
        if mine["status"] == Status.FINALISED.value:
            self._ignore(change, "finalised here: read-only (corrections are addenda)")
            return
        if by_author:
            values = {k: v for k, v in fields.items() if k != "id"}
            keep_actions = set(incoming_actions)
            same_ratings = _rating_set(mine_ratings) == _rating_set(ratings)

            def write(conn: Connection) -> None:
                # Ratings first, and only when they changed: the version that finalises the
                # assessment may carry them, and once it is finalised the team store's
                # trigger lets no one touch its ratings.
                if not same_ratings:
                    conn.execute(delete(RATING).where(RATING.c.assessment_id == fields["id"]))
                    if ratings:
                        insert_tuples(conn, RATING, list(columns(RATING)), ratings)
                # Actions the author removed go with the author's version (before it, which
                # may submit the assessment).
                gone = [row.id for row in conn.execute(select(ACTION.c.id).where(
                    ACTION.c.assessment_id == fields["id"])) if row.id not in keep_actions]
                if gone:
                    conn.execute(delete(ACTION).where(ACTION.c.id.in_(gone)))
                conn.execute(update(ASSESSMENT).where(ASSESSMENT.c.id == fields["id"])
                             .values(**values))

            change.write = write
            change.mine = _text_of(ASSESSMENT, mine) | {
                f"rating {r['standard_id']}": f"{r['grade'] or ''} {r['evidence']} "
                f"{r['commentary']}".strip() for r in mine_ratings}
            return
        assert self.sender is not None
        changed = _changed_fields(ASSESSMENT, mine, fields)
        step = next((t for t in TRANSITIONS if t.source.value == mine["status"]
                     and t.target.value == fields["status"]), None)
        if (changed - STEP_FIELDS or _rating_set(mine_ratings) != _rating_set(ratings)
                or step is None or not allowed(self.sender, step.action, self._target(mine))):
            self._ignore(change, "not from its author, nor a workflow step its sender may take")
            return
        values = {k: fields[k] for k in STEP_FIELDS}
        change.write = _updater(ASSESSMENT, fields["id"], values)
        change.mine = {"status": Status(mine["status"]).label}

    def _actions(self, actions: list[dict[str, Any]], local: list[Mapping[Any, Any]],
                 parent: Mapping[Any, Any], *, new_parent: bool,
                 label: str | Callable[[], str],
                 session_record: bool = False) -> None:
        mine_by = {a["id"]: a for a in local}
        if session_record:
            writer = parent["supervisor_id"]
            target = Target(team_id=parent["team_id"], author_id=parent["supervisor_id"],
                            subject_id=parent["fca_id"])
        else:
            writer = parent["author_id"]
            target = self._target(parent)
        for action in actions:
            mine = mine_by.get(action["id"])
            same = mine is not None and not _changed_fields(ACTION, mine, action)
            change = Change("action", action["id"], _decide(
                None if mine is None else mine["row_version"], action["row_version"],
                self.bases.get(action["id"]), same), label, version=action["row_version"],
                assessment_id=None if session_record else parent["id"])
            self.plan.known[action["id"]] = action["row_version"]
            if change.decision is Decision.NEW:
                if new_parent or self._is_writer(writer):
                    self.plan.add(ACTION, action)
                else:
                    self._ignore(change, "only its record's author adds an action")
            elif change.decision in (Decision.UPDATE, Decision.CONFLICT):
                assert mine is not None
                theirs_only = change.decision is not Decision.CONFLICT
                refused = False
                if not self._is_writer(writer):
                    assert self.sender is not None
                    by_owner = (may_mark_action(self.sender, target, mine["owner_id"])
                                or allowed(self.sender, Action.RESPOND, target))
                    refused = not by_owner or (theirs_only and bool(
                        _changed_fields(ACTION, mine, action) - ACTION_OWNER_FIELDS))
                if refused:
                    self._ignore(change, "not from its author nor its owner")
                else:
                    values = {k: v for k, v in action.items() if k != "id"}
                    change.write = _updater(ACTION, action["id"], values)
                    change.mine = {"action": mine["text"], "status": mine["status"]}
            self.plan.changes.append(change)

    def _responses(self) -> None:
        incoming = [self._response_record(r) for r in _records(self.payload, "response")]
        local = _by_id(self.conn, RESPONSE, [r["id"] for r, _c in incoming])
        local_comments = _group(self.conn, COMMENT, "assessment_id",
                                [r["assessment_id"] for r, _c in incoming if r["id"] in local])
        parents = self._parents([r["assessment_id"] for r, _c in incoming])
        for response, comments in incoming:
            parent = parents.get(response["assessment_id"])
            if parent is None:
                raise BundleRejected("A response in the bundle belongs to an assessment that "
                                     "is neither here nor in the bundle.")
            mine = local.get(response["id"])
            mine_comments = local_comments.get(response["assessment_id"], [])
            same = mine is not None and not _changed_fields(RESPONSE, mine, response) and (
                comments is None or _comment_set(mine_comments) == _comment_set(comments))
            change = Change("response", response["id"], _decide(
                None if mine is None else mine["row_version"], response["row_version"],
                self.bases.get(response["id"]), same), version=response["row_version"],
                assessment_id=response["assessment_id"])
            self.plan.known[response["id"]] = response["row_version"]
            if change.decision in (Decision.NEW, Decision.UPDATE, Decision.CONFLICT):
                if not self.authority and (parent["subject_id"] != response["fca_id"] or not (
                        self._writes(response["fca_id"], Action.RESPOND,
                                     self._target(parent)))):
                    self._ignore(change, "only its practitioner writes a response")
                elif parent["status"] == Status.FINALISED.value and change.decision is not (
                        Decision.NEW) and not self.authority:
                    self._ignore(change, "finalised here: read-only")
                elif change.decision is Decision.NEW:
                    self.plan.add(RESPONSE, response)
                    for comment in comments or ():
                        self.plan.add(COMMENT, comment)
                else:
                    assert mine is not None
                    values = {k: v for k, v in response.items() if k != "id"}
                    change.write = _response_writer(response["id"], response["assessment_id"],
                                                    values, comments)
                    change.mine = _text_of(RESPONSE, mine) | {
                        f"comment on {c['standard_id']}": c["text"]
                        for c in sorted(mine_comments, key=lambda c: str(c["standard_id"]))
                        if c["text"]}
            self.plan.changes.append(change)

    @staticmethod
    def _response_record(record: dict[str, Any]
                         ) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
        """A response and its comments (None: a bundle from before comments existed, which
        leaves the comments here as they are)."""
        if not set(record) <= {"fields", "comments"}:
            raise BundleRejected("A response record does not have the parts of this format.")
        response = decode(RESPONSE, record.get("fields"))
        if "comments" not in record:
            return response, None
        if not isinstance(record["comments"], list):
            raise BundleRejected("A response's comments are not a list.")
        comments = [decode(COMMENT, c) for c in record["comments"]]
        if any(c["assessment_id"] != response["assessment_id"]
               or c["fca_id"] != response["fca_id"] for c in comments):
            raise BundleRejected("A response record holds another record's comments.")
        if len({c["standard_id"] for c in comments}) != len(comments):
            raise BundleRejected("A response record holds two comments on one standard.")
        return response, comments

    def _parents(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Mapping[Any, Any]]:
        """Assessments as they will be: the bundle's new ones, else this database's. A
        record of an assessment the receiver may not see refuses the whole bundle."""
        wanted = set(ids)
        out: dict[uuid.UUID, Mapping[Any, Any]] = {
            r["id"]: r for r in self.plan.inserts.get(ASSESSMENT.name, []) if r["id"] in wanted}
        out.update({k: v for k, v in _by_id(self.conn, ASSESSMENT, wanted - set(out)).items()})
        if any(not allowed(self.receiver, Action.VIEW_ASSESSMENT, self._target(parent))
               for parent in out.values()):
            raise BundleRejected("The bundle holds a record of an assessment you may not see; "
                                 "nothing was imported.")
        return out

    def _addenda(self) -> None:
        incoming = [decode(ADDENDUM, r.get("fields")) for r in _records(self.payload,
                                                                        "addendum")]
        local = _by_id(self.conn, ADDENDUM, [a["id"] for a in incoming])
        for addendum in incoming:
            self.plan.known[addendum["id"]] = 1
            if addendum["id"] in local:
                self.plan.changes.append(Change("addendum", addendum["id"],
                                                Decision.UNCHANGED, version=1))
                continue
            change = Change("addendum", addendum["id"], Decision.NEW, version=1,
                            assessment_id=addendum["assessment_id"])
            parent = self._parents([addendum["assessment_id"]]).get(addendum["assessment_id"])
            if parent is None:
                raise BundleRejected("An addendum in the bundle belongs to an assessment that "
                                     "is neither here nor in the bundle.")
            if not self._writes(addendum["author_id"], Action.ADD_ADDENDUM,
                                self._target(parent)):
                self._ignore(change, "only its author sends an addendum")
            else:
                self.plan.add(ADDENDUM, addendum)
            self.plan.changes.append(change)

    def _sessions(self) -> None:
        records = _records(self.payload, "supervision_session")
        incoming = []
        for record in records:
            if set(record) != {"fields", "assessments", "actions"}:
                raise BundleRejected("A supervision record does not have the parts of this "
                                     "format.")
            fields = decode(SESSION, record["fields"])
            try:
                links = [uuid.UUID(a) for a in record["assessments"]]
            except (TypeError, ValueError, AttributeError) as exc:
                raise BundleRejected("A supervision record's assessments are not ids.") from exc
            actions = [decode(ACTION, a) for a in record["actions"]]
            if any(a["session_id"] != fields["id"] or a["assessment_id"] is not None
                   for a in actions):
                raise BundleRejected("A supervision record holds another record's actions.")
            target = Target(team_id=fields["team_id"], author_id=fields["supervisor_id"],
                            subject_id=fields["fca_id"])
            for who, sees in (("you", allowed(self.receiver, Action.VIEW_SUPERVISION, target)),
                              ("its sender", self._sender_sees(Action.VIEW_SUPERVISION,
                                                               target))):
                if not sees:
                    raise BundleRejected(f"The bundle holds a supervision record {who} may "
                                         "not see; nothing was imported.")
            incoming.append((fields, links, actions))
        ids = [f["id"] for f, _l, _a in incoming]
        local = _by_id(self.conn, SESSION, ids)
        local_actions = _group(self.conn, ACTION, "session_id", ids)
        present = set(_by_id(self.conn, ASSESSMENT, [a for _f, links, _a in incoming
                                                     for a in links]))
        present |= {r["id"] for r in self.plan.inserts.get(ASSESSMENT.name, [])}
        for fields, links, actions in incoming:
            mine = local.get(fields["id"])
            same = mine is not None and not _changed_fields(SESSION, mine, fields)
            label = f"{fields['held_on']}"
            change = Change("supervision_session", fields["id"], _decide(
                None if mine is None else mine["row_version"], fields["row_version"],
                self.bases.get(fields["id"]), same), label, version=fields["row_version"])
            self.plan.known[fields["id"]] = fields["row_version"]
            by_supervisor = self._is_writer(fields["supervisor_id"])
            kept_links = [a for a in links if a in present]
            if change.decision is Decision.NEW:
                if not by_supervisor:
                    self._ignore(change, "only its supervisor sends a new supervision record")
                else:
                    self.plan.add(SESSION, fields)
                    for aid in kept_links:
                        self.plan.add(LINK, {"session_id": fields["id"], "assessment_id": aid})
            elif change.decision in (Decision.UPDATE, Decision.CONFLICT):
                assert mine is not None
                self._session_update(change, mine, fields, kept_links, by_supervisor)
            self.plan.changes.append(change)
            self._actions(actions, local_actions.get(fields["id"], []), fields,
                          new_parent=change.decision is Decision.NEW and by_supervisor,
                          label=label, session_record=True)

    def _session_update(self, change: Change, mine: Mapping[Any, Any], fields: dict[str, Any],
                        links: list[uuid.UUID], by_supervisor: bool) -> None:
        changed = _changed_fields(SESSION, mine, fields) - {"row_version"}
        if self.authority:
            part, other_signature = frozenset(changed), "fca_signed_at"
        elif by_supervisor:
            part, other_signature = SESSION_NOTES, "fca_signed_at"
        elif self._is_writer(fields["fca_id"]):
            part, other_signature = SESSION_REFLECTION, "supervisor_signed_at"
        else:
            self._ignore(change, "only its supervisor and practitioner write it")
            return
        if fields[other_signature] is None:  # a change withdraws the other's signature
            changed.discard(other_signature)
        # In a conflict ours changed too, so the difference is not all theirs: it is enough
        # that they write a part of the record; the person then chooses whose to keep.
        if change.decision is not Decision.CONFLICT and changed - part:
            self._ignore(change, "changes a part its sender does not write")
            return
        values = {k: v for k, v in fields.items() if k != "id"}

        def write(conn: Connection) -> None:
            conn.execute(update(SESSION).where(SESSION.c.id == fields["id"]).values(**values))
            if by_supervisor:
                conn.execute(delete(LINK).where(LINK.c.session_id == fields["id"]))
                if links:
                    insert_records(conn, LINK, [{"session_id": fields["id"],
                                                 "assessment_id": a} for a in links])

        change.write = write
        change.mine = _text_of(SESSION, mine)


def _comment_set(rows: Iterable[Mapping[Any, Any]]) -> list[tuple[Any, ...]]:
    return sorted(tuple(encode(COMMENT, r).values()) for r in rows)


def _response_writer(record_id: uuid.UUID, assessment_id: uuid.UUID,
                     values: Mapping[str, Any], comments: list[dict[str, Any]] | None
                     ) -> Callable[[Connection], None]:
    """The practitioner's newer response, with her comments as one set (None: keep ours)."""
    def write(conn: Connection) -> None:
        conn.execute(update(RESPONSE).where(RESPONSE.c.id == record_id).values(**values))
        if comments is None:
            return
        conn.execute(delete(COMMENT).where(COMMENT.c.assessment_id == assessment_id))
        _insert(conn, COMMENT, comments)

    return write


def _updater(table: Table, record_id: uuid.UUID, values: Mapping[str, Any]
             ) -> Callable[[Connection], None]:
    def write(conn: Connection) -> None:
        conn.execute(update(table).where(table.c.id == record_id).values(**values))

    return write


_RATING_PARENT = columns(RATING).index("assessment_id")


def _rating_set(rows: Iterable[Mapping[Any, Any] | tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(r if isinstance(r, tuple) else stored(RATING, r) for r in rows)


def _text_of(table: Table, row: Mapping[Any, Any]) -> dict[str, Any]:
    """The person's own text in a record, to keep as an addendum if they choose theirs."""
    return {c.name: row[c.name] for c in table.columns
            if c.type.python_type is str and isinstance(row[c.name], str)
            and len(row[c.name]) > 0 and c.name not in ("status", "kind", "agreement",
                                                          "overall_grade", "content_hash")}


def plan_payload(session: Session, payload: Payload, sender_id: uuid.UUID | None,
                 receiver: Actor, *, authority: bool = False,
                 contested: Iterable[uuid.UUID] = ()) -> Plan:
    """What applying `payload` would do (reads only): the preview. `authority`: the payload
    comes from the team store, each record from its writer (`sender_id` None).
    `contested`: records in conflict that a resolution will settle."""
    return Planner(session.connection(), payload, sender_id, receiver,
                   authority=authority, contested=contested).run()


def execute(session: Session, plan: Plan, receiver: Actor, peer_id: uuid.UUID,
            resolutions: Mapping[uuid.UUID, Resolution], sender_name: str, *,
            remember: bool = True, leave_conflicts: bool = False) -> None:
    """Write `plan` in the caller's transaction. Every conflict needs a resolution, unless
    `leave_conflicts`: then a conflict without one is neither written nor remembered (a
    sync lists it for later). `remember`: keep the versions exchanged with `peer_id` here
    (a sync keeps them in the personal copy only, for both directions)."""
    unresolved = [c for c in plan.conflicts if c.record_id not in resolutions]
    if unresolved and not leave_conflicts:
        raise BundleRejected(
            f"{len(unresolved)} record(s) changed here and there since the last exchange; "
            "choose for each: take theirs, or keep mine. Nothing was imported:\n"
            + "\n".join(f"- {c.describe()}" for c in unresolved))
    conn = session.connection()
    # New assessments go in as drafts and take their status once their ratings and
    # actions are in: the team store's write rules take grades and actions only while an
    # assessment is editable, and a status only by a workflow step.
    promoted = _as_drafts(plan.inserts.get(ASSESSMENT.name, []))
    order = (FRAMEWORK, ORG_UNIT, USER, CASE, ASSESSMENT, RATING, SESSION, LINK, ACTION,
             None, RESPONSE, COMMENT, ADDENDUM)
    for table in order:
        if table is None:
            for record_id, values in promoted:
                _updater(ASSESSMENT, record_id, values)(conn)
            continue
        rows = plan.inserts.get(table.name)
        if rows:
            _insert(conn, table, rows)
        tuples = plan.rows.get(table.name)
        if tuples:
            insert_tuples(conn, table, list(columns(table)), tuples)
    # Actions before the records they belong to, for the same reason (an assessment's new
    # version may submit it; a supervision record's may close it).
    for change in sorted(plan.changes, key=lambda c: c.kind != "action"):
        if change.write is None:
            continue
        if change.decision is Decision.UPDATE:
            change.write(conn)
        elif change.decision is Decision.CONFLICT and change.record_id in resolutions:
            _resolve(conn, change, resolutions[change.record_id], receiver, sender_name)
    if remember:
        _remember(conn, peer_id, plan.known)


PROMOTED = ("status", "submitted_at", "finalised_at", "content_hash")


def _as_drafts(rows: list[dict[str, Any]]) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    """Turn new assessments past draft into drafts (in place), returning for each the
    values that then take it where it is."""
    out = []
    for row in rows:
        if row["status"] != Status.DRAFT.value:
            out.append((row["id"], {k: row[k] for k in PROMOTED}))
            row.update({"status": Status.DRAFT.value, "submitted_at": None,
                        "finalised_at": None, "content_hash": None})
    return out


def _storage(kind: type) -> Callable[[Any], Any]:
    """How a column's Python value is stored in SQLite (as `bulk.storage_value`, chosen once
    per column instead of per value)."""
    if kind is uuid.UUID:
        return lambda v: None if v is None else v.hex
    if kind is bool:
        return lambda v: None if v is None else int(v)
    if kind in (dt.datetime, dt.date):
        return storage_value
    return lambda v: v


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Many new rows: on SQLite straight to the driver's executemany (the bulk path)."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        insert_records(conn, table, rows)
        return
    names = list(rows[0])
    store = [_storage(python_type(table.c[n].type)) for n in names]
    insert_tuples(conn, table, names, [tuple(f(row[n]) for f, n in zip(store, names, strict=True))
                                       for row in rows])


def _resolve(conn: Connection, change: Change, resolution: Resolution, receiver: Actor,
             sender_name: str) -> None:
    assert change.write is not None
    if resolution is Resolution.MINE and change.assessment_id is None:
        # No addenda on a supervision record: mine stays, as the newer version.
        table = ACTION if change.kind == "action" else SESSION
        conn.execute(update(table).where(table.c.id == change.record_id)
                     .values(row_version=change.version + 1))
        return
    change.write(conn)
    if resolution is Resolution.MINE:
        lines = [f"{name.replace('_', ' ')}: {value}" for name, value in change.mine.items()]
        text = (f"Kept from my copy when the {change.kind.replace('_', ' ')} sent by "
                f"{sender_name} replaced it:\n" + "\n".join(lines))
        insert_records(conn, ADDENDUM, [{"id": uuid.uuid4(), "assessment_id":
                                         change.assessment_id, "author_id": receiver.user_id,
                                         "text": text, "created_at": utcnow()}])


def remember(conn: Connection, peer_id: uuid.UUID, versions: Mapping[uuid.UUID, int]) -> None:
    """Record versions as exchanged with `peer_id` (in the caller's transaction)."""
    _remember(conn, peer_id, versions)


def _remember(conn: Connection, peer_id: uuid.UUID, versions: Mapping[uuid.UUID, int]) -> None:
    """Record the versions now exchanged with `peer_id` (the next exchange's base)."""
    ids = sorted(versions, key=str)
    for start in range(0, len(ids), CHUNK):
        conn.execute(delete(KNOWN).where(KNOWN.c.peer_id == peer_id,
                                         KNOWN.c.record_id.in_(ids[start:start + CHUNK])))
    _insert(conn, KNOWN, [{"peer_id": peer_id, "record_id": i, "row_version": versions[i]}
                          for i in ids])
