"""The one exchange format: JSON records with their row versions and their one writer.

A `Payload` holds, per kind, plain JSON records: the organisation units, people, cases
and framework snapshots the records name (reference data), then the records people write:

- ``assessment``: the assessment with its ratings and actions (written by its author; its
  version is the assessment's `row_version`, which every rating or action edit moves);
  each action keeps its own version, as its owner may mark it done;
- ``response`` with her comments under the standards (written by its FCA; its version is
  the response's `row_version`, which every comment edit moves), ``addendum`` (by its
  author, never changed);
- ``supervision_session`` with the assessments it discussed and its actions (notes by its
  supervisor, reflection by its FCA).

Values are JSON: ids and timestamps as text. Frameworks are named by the SHA-256 of their
snapshot, not by a database's own id, so two databases that imported the same version
each keep their own row.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Table, and_, select
from sqlmodel import Session, col

from qa_audit.domain.permissions import Action, Actor
from qa_audit.errors import BundleRejected
from qa_audit.store.bulk import storage_value
from qa_audit.store.scope import Kind, visible
from qa_audit.store.tables import (
    RATING_SCOPE_COLUMNS,
    ActionItem,
    Addendum,
    Assessment,
    Case,
    ExchangeKnown,
    FrameworkVersion,
    OrgUnit,
    Rating,
    Response,
    ResponseComment,
    SessionAssessment,
    SupervisionSession,
    User,
)
from qa_audit.store.types import UTCDateTime

SCHEMA = "qa-audit/exchange@1"
KINDS = ("org_unit", "person", "case", "framework", "assessment", "response", "addendum",
         "supervision_session")
CHUNK = 500

ORG_UNIT: Table = OrgUnit.__table__  # type: ignore[attr-defined]
USER: Table = User.__table__  # type: ignore[attr-defined]
CASE: Table = Case.__table__  # type: ignore[attr-defined]
FRAMEWORK: Table = FrameworkVersion.__table__  # type: ignore[attr-defined]
ASSESSMENT: Table = Assessment.__table__  # type: ignore[attr-defined]
RATING: Table = Rating.__table__  # type: ignore[attr-defined]
ACTION: Table = ActionItem.__table__  # type: ignore[attr-defined]
RESPONSE: Table = Response.__table__  # type: ignore[attr-defined]
COMMENT: Table = ResponseComment.__table__  # type: ignore[attr-defined]
ADDENDUM: Table = Addendum.__table__  # type: ignore[attr-defined]
SESSION: Table = SupervisionSession.__table__  # type: ignore[attr-defined]
LINK: Table = SessionAssessment.__table__  # type: ignore[attr-defined]

# Columns that stay at home: a password hash never travels; a framework's row id and
# importer are the receiving database's own.
LEFT_OUT: dict[str, frozenset[str]] = {
    USER.name: frozenset({"password_hash", "created_at"}),
    FRAMEWORK.name: frozenset({"id", "imported_by", "imported_at"}),
    # The team store's server keeps an assessment's copy of its case's reference itself.
    ASSESSMENT.name: frozenset({"framework_version_id", "case_reference"}),
    # The team store's server keeps a rating's copy of its assessment's scope itself.
    RATING.name: frozenset(RATING_SCOPE_COLUMNS),
}


@cache
def columns(table: Table) -> tuple[str, ...]:
    skip = LEFT_OUT.get(table.name, frozenset())
    return tuple(c.name for c in table.columns if c.name not in skip)


def to_json(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _uuid_json(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else to_json(value)


def _timestamp_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return to_json(value)


@cache
def _encoder(table: Table) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """Per column of the format: how its value becomes JSON (None: as it is, for text and
    numbers), chosen once per table instead of asked of every value."""
    out: list[tuple[str, Callable[[Any], Any] | None]] = []
    for name in columns(table):
        kind = python_type(table.c[name].type)
        out.append((name, None if kind in (str, int, bool, float) else
                    _uuid_json if kind is uuid.UUID else
                    _timestamp_json if kind is dt.datetime else to_json))
    return tuple(out)


def encode(table: Table, row: Mapping[Any, Any]) -> dict[str, Any]:
    return {name: (row[name] if convert is None or row[name] is None else convert(row[name]))
            for name, convert in _encoder(table)}


def _timestamp(value: Any) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return parsed.astimezone(dt.UTC)


def _typed(kind: type) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise TypeError(kind.__name__)
        return value

    return check


def _number(value: Any) -> Any:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError("number")
    return value


_READERS: dict[type, Callable[[Any], Any]] = {
    uuid.UUID: uuid.UUID, dt.datetime: _timestamp, dt.date: dt.date.fromisoformat,
    bool: _typed(bool), int: _typed(int), float: _number, str: _typed(str)}


_READ_STR = _READERS[str]


@cache
def _decoder(table: Table) -> tuple[tuple[str, Callable[[Any], Any], bool], ...]:
    """Per column of the format: its name, how to read its JSON value, whether it may be
    empty."""
    return tuple((name, _READERS[python_type(table.c[name].type)],
                  bool(table.c[name].nullable) or bool(table.c[name].primary_key))
                 for name in columns(table))


def decode(table: Table, data: object, extra: Sequence[str] = ()) -> dict[str, Any]:
    """A record's columns as Python values; a missing, unknown or mistyped value refuses the
    whole bundle (a sender of this format never writes one)."""
    readers = _decoder(table)
    if not isinstance(data, dict) or len(data) != len(readers) + len(extra):
        raise BundleRejected(f"A {table.name} record does not have the fields of this format.")
    out: dict[str, Any] = {}
    try:
        for name, read, nullable in readers:
            value = data[name]
            if value is None:
                if not nullable:
                    raise BundleRejected(f"{table.name}.{name} is empty in the bundle.")
                out[name] = None
            elif type(value) is str and read is _READ_STR:  # the common case, no call
                out[name] = value
            else:
                out[name] = read(value)
        for name in extra:
            out[name] = data[name]
    except KeyError as exc:
        raise BundleRejected(f"A {table.name} record does not have the fields of this "
                             "format.") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise BundleRejected(f"A {table.name} record holds a value of the wrong kind.") from exc
    return out


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _stored_uuid(value: Any) -> str:
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise ValueError("not an id")
    return value.replace("-", "")


def _stored_timestamp(value: Any) -> str:
    """As `storage_value` stores it; the exporter's own form (UTC with microseconds) is
    rewritten as text, anything else parsed."""
    if isinstance(value, str) and len(value) == 32 and value.endswith("+00:00") and (
            value[10] == "T" and value[19] == "."):
        dt.datetime.fromisoformat(value)  # still checked
        return value[:10] + " " + value[11:26]
    return str(storage_value(_timestamp(value)))


_STORED: dict[type, Callable[[Any], Any]] = {
    uuid.UUID: _stored_uuid,
    dt.datetime: _stored_timestamp,
    dt.date: lambda v: dt.date.fromisoformat(v).isoformat(),
    bool: lambda v: int(_typed(bool)(v)), int: _typed(int), float: _number, str: _typed(str)}


@cache
def _storer(table: Table) -> tuple[tuple[str, Callable[[Any], Any] | type, bool], ...]:
    """Per column: its name, how to store its value (a type: kept as it is, if exactly
    of that type: the common case, without a call), whether it may be empty."""
    out: list[tuple[str, Callable[[Any], Any] | type, bool]] = []
    for name in columns(table):
        kind = python_type(table.c[name].type)
        nullable = bool(table.c[name].nullable) or bool(table.c[name].primary_key)
        out.append((name, kind if kind in (str, int) else _STORED[kind], nullable))
    return tuple(out)


def to_storage(table: Table, data: object) -> tuple[Any, ...]:
    """A record's columns (in `columns(table)` order) checked as `decode` checks them, but
    kept in the form SQLite stores (ids as 32 hex digits...): the bulk path for the many
    small records (ratings) that are only written, never reasoned about."""
    storers = _storer(table)
    if not isinstance(data, dict) or len(data) != len(storers):
        raise BundleRejected(f"A {table.name} record does not have the fields of this format.")
    out: list[Any] = []
    try:
        for name, store, nullable in storers:
            value = data[name]
            if value is None and nullable:
                out.append(None)
            elif type(value) is store:  # str or int, taken as they are
                out.append(value)
            elif isinstance(store, type):
                raise TypeError(name)
            else:
                out.append(store(value))
    except KeyError as exc:
        raise BundleRejected(f"A {table.name} record does not have the fields of this "
                             "format.") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise BundleRejected(f"A {table.name} record holds a value of the wrong kind.") from exc
    return tuple(out)


def stored(table: Table, row: Mapping[Any, Any]) -> tuple[Any, ...]:
    """A row read from the database in the same form as `to_storage`."""
    return tuple(None if row[name] is None else storage_value(row[name])
                 for name in columns(table))


def python_type(kind: Any) -> type:
    """The Python type a column holds (our UTC timestamps and sqlmodel's strings say
    `object` themselves)."""
    if isinstance(kind, UTCDateTime | DateTime):
        return dt.datetime
    found: type = kind.python_type
    return str if found is object else found


@dataclass
class Payload:
    """Records by kind, as JSON-ready dicts, and two version maps (record id -> version):

    - `have`: the version the sender holds of every written record both people may see
      (whether sent or not), so the recipient learns what the sender has and sends only
      what is newer; nothing counts as delivered until the other side says it has it, so
      a lost bundle loses nothing;
    - `bases`: for each record sent, the version the sender knew the recipient had (the
      version their change was made on): the recipient's copy changed since then too
      means a conflict.
    """

    records: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {kind: [] for kind in KINDS})
    have: dict[str, int] = field(default_factory=dict)
    bases: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        return len(self.records.get(kind, []))


def _chunks(ids: Sequence[uuid.UUID]) -> Iterable[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _rows(session: Session, table: Table, column: str, ids: Iterable[uuid.UUID]
          ) -> list[Mapping[Any, Any]]:
    wanted = sorted(set(ids))
    out: list[Mapping[Any, Any]] = []
    for part in _chunks(wanted):
        out.extend(session.connection().execute(
            select(table).where(table.c[column].in_(part))).mappings().all())
    return out


def known_versions(session: Session, peer_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """The versions of records last exchanged with `peer_id`."""
    rows = session.connection().execute(
        select(col(ExchangeKnown.record_id), col(ExchangeKnown.row_version))
        .where(col(ExchangeKnown.peer_id) == peer_id))
    return {row[0]: int(row[1]) for row in rows}


def collect(session: Session, sender: Actor, recipient: Actor,
            known: Mapping[uuid.UUID, int], assessment_ids: Sequence[uuid.UUID] | None = None,
            *, also: ColumnElement[bool] | None = None, offline: Actor | None = None
            ) -> Payload:
    """What `sender` may see and `recipient` may see, newer than the recipient is known to
    have (`known`: record id -> version), with the reference data those records name; or,
    with `assessment_ids`, those assessments whole.

    Scope comes from the domain's rules through `store.scope.visible`, for both people:
    a bundle never carries a record its recipient may not see. `also`: a further condition
    on the assessments the caller's rules add (blind moderation). `offline`: also the
    reference data this person needs to work offline (a personal copy): every framework,
    the people their role lists and the cases their role manages."""
    payload = Payload()
    both = and_(visible(sender, Action.VIEW_ASSESSMENT, Kind.ASSESSMENT),
                visible(recipient, Action.VIEW_ASSESSMENT, Kind.ASSESSMENT))
    query = select(ASSESSMENT).where(both if also is None else and_(both, also))
    assessments: list[Mapping[Any, Any]] = []
    if assessment_ids is not None:
        for part in _chunks(list(assessment_ids)):
            assessments.extend(session.connection().execute(
                query.where(ASSESSMENT.c.id.in_(part))).mappings())
    else:
        assessments = list(session.connection().execute(query).mappings().all())
    shared = [a["id"] for a in assessments]

    def changed(row: Mapping[Any, Any]) -> bool:
        payload.have[str(row["id"])] = int(row["row_version"])
        return assessment_ids is not None or int(row["row_version"]) > known.get(row["id"], 0)

    actions_by: dict[uuid.UUID, list[Mapping[Any, Any]]] = {}
    for action in _rows(session, ACTION, "assessment_id", shared):
        actions_by.setdefault(action["assessment_id"], []).append(action)
    chosen = [a for a in assessments
              if any([changed(a), *(changed(x) for x in actions_by.get(a["id"], []))])]
    ratings_by: dict[uuid.UUID, list[Mapping[Any, Any]]] = {}
    for rating in _rows(session, RATING, "assessment_id", [a["id"] for a in chosen]):
        ratings_by.setdefault(rating["assessment_id"], []).append(rating)
    frameworks = {f["id"]: f for f in _rows(
        session, FRAMEWORK, "id", {a["framework_version_id"] for a in chosen})}
    people: set[uuid.UUID] = set()
    teams: set[uuid.UUID] = set()
    cases: set[uuid.UUID] = set()
    for a in chosen:
        fields = encode(ASSESSMENT, a)
        fields["framework_sha256"] = frameworks[a["framework_version_id"]]["sha256"]
        actions = sorted(actions_by.get(a["id"], []), key=lambda x: str(x["id"]))
        payload.records["assessment"].append({
            "fields": fields,
            "ratings": [encode(RATING, r) for r in sorted(
                ratings_by.get(a["id"], []), key=lambda r: str(r["standard_id"]))],
            "actions": [encode(ACTION, x) for x in actions]})
        people.update({a["author_id"], a["subject_id"]}, {x["owner_id"] for x in actions})
        teams.update({a["team_id"], a["region_id"]})
        cases.add(a["case_id"])
    responses = [r for r in _rows(session, RESPONSE, "assessment_id", shared) if changed(r)]
    comments_by: dict[uuid.UUID, list[Mapping[Any, Any]]] = {}
    for comment in _rows(session, COMMENT, "assessment_id",
                         [r["assessment_id"] for r in responses]):
        comments_by.setdefault(comment["assessment_id"], []).append(comment)
    for response in responses:
        payload.records["response"].append({
            "fields": encode(RESPONSE, response),
            "comments": [encode(COMMENT, c) for c in sorted(
                comments_by.get(response["assessment_id"], []),
                key=lambda c: str(c["standard_id"]))]})
        people.add(response["fca_id"])
    for addendum in _rows(session, ADDENDUM, "assessment_id", shared):
        if changed({"id": addendum["id"], "row_version": 1}):  # addenda never change
            payload.records["addendum"].append({"fields": encode(ADDENDUM, addendum)})
            people.add(addendum["author_id"])
    if assessment_ids is None:
        _collect_sessions(session, payload, sender, recipient, known, set(shared), people,
                          teams)
    if offline is not None:
        frameworks.update({f["id"]: f for f in session.connection().execute(
            select(FRAMEWORK)).mappings()})
        people.add(offline.user_id)
        people.update(session.connection().execute(select(USER.c.id).where(
            visible(offline, Action.LIST_PEOPLE, Kind.PERSON))).scalars())
        cases.update(session.connection().execute(select(CASE.c.id).where(
            visible(offline, Action.MANAGE_CASES, Kind.CASE))).scalars())
        if offline.team_id is not None:
            teams.add(offline.team_id)
    _collect_references(session, payload, people, teams, cases, frameworks.values())
    if offline is not None:
        # A personal copy keeps the team store's own framework ids (its assessments and
        # every id the app shows then match); a bundle's receiver chooses its own.
        for record in payload.records["framework"]:
            record["home_id"] = str(next(f["id"] for f in frameworks.values()
                                         if f["sha256"] == record["fields"]["sha256"]))
    sent = _sent_ids(payload)
    payload.bases = {str(i): known[i] for i in sent if i in known}
    return payload


REFERENCE_KINDS = ("org_unit", "person", "case", "framework")
WRITTEN_KINDS = ("assessment", "response", "addendum", "supervision_session")


def written_count(payload: Payload) -> int:
    """The records people write in a payload (an assessment with its ratings and actions
    counts as one)."""
    return sum(payload.count(kind) for kind in WRITTEN_KINDS)


def batches(payload: Payload, size: int) -> list[Payload]:
    """`payload` in parts of about `size` written records each, to apply one transaction at
    a time: first the reference data, then the assessments with their responses and
    addenda, then responses and addenda of assessments not sent, then supervision records.
    Every part carries the framework snapshots (assessments name them) and the base
    versions."""
    size = max(1, size)

    def part() -> Payload:
        out = Payload(bases=payload.bases)
        out.records["framework"] = payload.records["framework"]
        return out

    first = part()
    for kind in REFERENCE_KINDS:
        first.records[kind] = payload.records[kind]
    out = [first]
    children: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for kind in ("response", "addendum"):
        for record in payload.records[kind]:
            children.setdefault(record["fields"]["assessment_id"], []).append((kind, record))
    current, n = part(), 0

    def flush() -> None:
        nonlocal current, n
        if n:
            out.append(current)
            current, n = part(), 0

    for record in payload.records["assessment"]:
        current.records["assessment"].append(record)
        n += 1
        for kind, child in children.pop(record["fields"]["id"], []):
            current.records[kind].append(child)
            n += 1
        if n >= size:
            flush()
    for kind, child in (x for group in children.values() for x in group):
        current.records[kind].append(child)
        n += 1
        if n >= size:
            flush()
    for record in payload.records["supervision_session"]:
        current.records["supervision_session"].append(record)
        n += 1
        if n >= size:
            flush()
    flush()
    return out


def only(payload: Payload, record_id: uuid.UUID) -> Payload:
    """The part of `payload` that carries one written record: the record itself (an
    assessment or supervision record whole), or an action inside its record (with no
    other action), plus all the reference data."""
    out = Payload(bases=dict(payload.bases))
    for kind in REFERENCE_KINDS:
        out.records[kind] = payload.records[kind]
    wanted = str(record_id)
    for kind in WRITTEN_KINDS:
        for record in payload.records[kind]:
            if record["fields"]["id"] == wanted:
                out.records[kind].append(record)
                return out
            actions = [a for a in record.get("actions", []) if a["id"] == wanted]
            if actions:
                out.records[kind].append({**record, "actions": actions})
                return out
    return out


def versions_map(data: object, what: str) -> dict[uuid.UUID, int]:
    """A bundle's version map, checked: record ids to positive versions."""
    if not isinstance(data, dict):
        raise BundleRejected(f"The bundle's {what} are not a map of versions.")
    try:
        out = {uuid.UUID(k): v for k, v in data.items()}
    except (TypeError, ValueError, AttributeError) as exc:
        raise BundleRejected(f"The bundle's {what} name records by something else than an "
                             "id.") from exc
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
               for v in out.values()):
        raise BundleRejected(f"The bundle's {what} hold a version that is not a number.")
    return out


def _sent_ids(payload: Payload) -> list[uuid.UUID]:
    ids = []
    for kind in ("assessment", "response", "addendum", "supervision_session"):
        for record in payload.records[kind]:
            ids.append(uuid.UUID(record["fields"]["id"]))
            ids.extend(uuid.UUID(a["id"]) for a in record.get("actions", []))
    return ids


def _collect_sessions(session: Session, payload: Payload, sender: Actor, recipient: Actor,
                      known: Mapping[uuid.UUID, int], shared: set[uuid.UUID],
                      people: set[uuid.UUID], teams: set[uuid.UUID]) -> None:
    both = and_(visible(sender, Action.VIEW_SUPERVISION, Kind.SUPERVISION_SESSION),
                visible(recipient, Action.VIEW_SUPERVISION, Kind.SUPERVISION_SESSION))
    rows = list(session.connection().execute(select(SESSION).where(both)).mappings())
    ids = [r["id"] for r in rows]
    actions_by: dict[uuid.UUID, list[Mapping[Any, Any]]] = {}
    for action in _rows(session, ACTION, "session_id", ids):
        actions_by.setdefault(action["session_id"], []).append(action)
    links_by: dict[uuid.UUID, list[str]] = {}
    for link in _rows(session, LINK, "session_id", ids):
        if link["assessment_id"] in shared:  # only what the recipient may see
            links_by.setdefault(link["session_id"], []).append(str(link["assessment_id"]))
    for row in rows:
        actions = sorted(actions_by.get(row["id"], []), key=lambda x: str(x["id"]))
        versions = [(row["id"], row["row_version"])] + [(x["id"], x["row_version"])
                                                        for x in actions]
        payload.have.update({str(i): int(v) for i, v in versions})
        if all(int(v) <= known.get(i, 0) for i, v in versions):
            continue
        payload.records["supervision_session"].append({
            "fields": encode(SESSION, row), "assessments": sorted(links_by.get(row["id"], [])),
            "actions": [encode(ACTION, x) for x in actions]})
        people.update({row["supervisor_id"], row["fca_id"]}, {x["owner_id"] for x in actions})
        teams.add(row["team_id"])


def _collect_references(session: Session, payload: Payload, people: set[uuid.UUID],
                        teams: set[uuid.UUID], cases: set[uuid.UUID],
                        frameworks: Iterable[Mapping[Any, Any]]) -> None:
    case_rows = _rows(session, CASE, "id", {c for c in cases if c is not None})
    people.update(c["fca_id"] for c in case_rows)
    teams.update(c["team_id"] for c in case_rows)
    person_rows = _rows(session, USER, "id", {p for p in people if p is not None})
    teams.update(p["team_id"] for p in person_rows)
    units: dict[uuid.UUID, Mapping[Any, Any]] = {}
    todo = {t for t in teams if t is not None}
    while todo:  # each unit's parent and region too, so the receiver can hold them
        rows = _rows(session, ORG_UNIT, "id", todo)
        units.update({u["id"]: u for u in rows})
        todo = {x for u in rows for x in (u["parent_id"], u["region_id"])
                if x is not None and x not in units}
    payload.records["org_unit"] = [{"fields": encode(ORG_UNIT, u)} for u in _parents_first(units)]
    payload.records["person"] = [{"fields": encode(USER, p)}
                                 for p in sorted(person_rows, key=lambda p: str(p["id"]))]
    payload.records["case"] = [{"fields": encode(CASE, c)}
                               for c in sorted(case_rows, key=lambda c: str(c["id"]))]
    payload.records["framework"] = [{"fields": encode(FRAMEWORK, f)}
                                    for f in sorted(frameworks, key=lambda f: str(f["sha256"]))]


def _parents_first(units: Mapping[uuid.UUID, Mapping[Any, Any]]) -> list[Mapping[Any, Any]]:
    out: list[Mapping[Any, Any]] = []
    placed: set[uuid.UUID] = set()

    def place(unit: Mapping[Any, Any]) -> None:
        if unit["id"] in placed:
            return
        placed.add(unit["id"])
        for parent in (unit["parent_id"], unit["region_id"]):
            if parent in units:
                place(units[parent])
        out.append(unit)

    for unit_id in sorted(units, key=str):
        place(units[unit_id])
    return out
