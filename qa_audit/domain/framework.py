"""The standards framework model: scale, areas, standards, context fields, overall rule."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from qa_audit.errors import InvalidInput

SCHEMA_ID = "qa-audit/framework@1"
NOT_APPLICABLE = "N/A"
"""Grade code stored for a standard judged not applicable (never scored as 0)."""


class AssessmentKind(StrEnum):
    CASE_AUDIT = "case_audit"
    PRACTICE_OBSERVATION = "practice_observation"

    @property
    def label(self) -> str:
        return {"case_audit": "Case audit", "practice_observation": "Practice observation"}[
            self.value
        ]


class LawType(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    ANY = "any"


class OverallMethod(StrEnum):
    LIMITING = "limiting"
    MEAN = "mean"
    WEIGHTED_MEAN = "weighted_mean"
    LOWEST = "lowest"
    NONE = "none"


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    DATE = "date"
    YES_NO = "yes_no"
    NUMBER = "number"


@dataclass(frozen=True)
class Grade:
    code: str
    label: str
    score: float
    colour: str | None = None
    description: str = ""  # what the grade means, when the framework says


@dataclass(frozen=True)
class NotApplicable:
    allowed: bool = True
    label: str = "Not applicable"


@dataclass(frozen=True)
class Scale:
    grades: tuple[Grade, ...]
    """Best first; scores strictly decreasing."""
    not_applicable: NotApplicable = NotApplicable()

    def grade(self, code: str) -> Grade | None:
        for g in self.grades:
            if g.code == code:
                return g
        return None

    def words(self, code: str) -> str:
        """A grade as a reader reads it: "Good (G)", the not-applicable label, or an
        unknown code as it is."""
        if code == NOT_APPLICABLE:
            return self.not_applicable.label
        grade = self.grade(code)
        return f"{grade.label} ({code})" if grade else code

    def rank(self, code: str) -> int:
        """0 for the best grade; raises KeyError for an unknown code."""
        for i, g in enumerate(self.grades):
            if g.code == code:
                return i
        raise KeyError(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.grades)


@dataclass(frozen=True)
class OverallRule:
    method: OverallMethod = OverallMethod.LIMITING
    limiting: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContextField:
    id: str
    label: str
    type: FieldType = FieldType.TEXT
    choices: tuple[str, ...] = ()
    required: bool = False
    help: str = ""

    def clean(self, value: object) -> object:
        """The answer as stored: "" (or [] for several choices) when not answered; text for
        text, a choice and a date (YYYY-MM-DD); "Yes"/"No"; an int or float for a number.
        An answer of the right meaning in another shape is taken (a number for text, True
        or "yes" for Yes, one choice for several, a date object); `InvalidInput` names the
        field for anything else."""
        if value is None or value == "" or (value == [] and self.type is FieldType.MULTI_CHOICE):
            return [] if self.type is FieldType.MULTI_CHOICE else ""
        kind = self.type
        plain_number = isinstance(value, int | float) and not isinstance(value, bool)
        if kind in (FieldType.TEXT, FieldType.LONG_TEXT) and (isinstance(value, str)
                                                              or plain_number):
            return value if isinstance(value, str) else str(value)
        if kind is FieldType.CHOICE and value in self.choices:
            return value
        if kind is FieldType.MULTI_CHOICE:
            chosen = [value] if isinstance(value, str) else value
            if isinstance(chosen, list | tuple) and all(v in self.choices for v in chosen):
                return list(dict.fromkeys(chosen))
        if kind is FieldType.YES_NO:
            if isinstance(value, bool):
                return "Yes" if value else "No"
            if isinstance(value, str) and value.strip().lower() in ("yes", "no"):
                return value.strip().capitalize()
        if kind is FieldType.DATE:
            if isinstance(value, dt.date):
                day = value.date() if isinstance(value, dt.datetime) else value
                return day.isoformat()
            try:
                if isinstance(value, str):
                    return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        if kind is FieldType.NUMBER and not isinstance(value, bool):
            number = _number(value)
            if number is not None:
                return number
        raise InvalidInput(f"{self.label}: {self._expected()}.")

    def _expected(self) -> str:
        if self.type is FieldType.CHOICE:
            return f"choose one of {', '.join(self.choices)}"
        if self.type is FieldType.MULTI_CHOICE:
            return f"choose from {', '.join(self.choices)}"
        return {FieldType.DATE: "give a date as YYYY-MM-DD", FieldType.YES_NO: "answer Yes or No",
                FieldType.NUMBER: "give a number"}.get(self.type, "give text")


_WHOLE = re.compile(r"-?[0-9]+")


def _number(value: object) -> int | float | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())  # exact, however many digits (float() would round)
    try:
        number = float(str(value).strip()) if isinstance(value, str | float) else None
    except ValueError:
        return None
    if number is None or not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and "." not in str(value) else number


@dataclass(frozen=True)
class Standard:
    id: str
    title: str
    statement: str = ""
    guidance: str = ""
    indicators: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()
    weight: float = 1.0
    required: bool = True
    evidence_required_below: str | None = None


@dataclass(frozen=True)
class Area:
    id: str
    title: str
    standards: tuple[Standard, ...]
    description: str = ""


@dataclass(frozen=True)
class Framework:
    id: str
    version: str
    title: str
    applies_to: tuple[AssessmentKind, ...]
    law_type: LawType
    scale: Scale
    overall: OverallRule
    areas: tuple[Area, ...]
    context_fields: tuple[ContextField, ...] = ()
    description: str = ""
    source: str = ""
    _index: dict[str, Standard] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({s.id: s for a in self.areas for s in a.standards})

    def standards(self) -> Iterator[Standard]:
        for area in self.areas:
            yield from area.standards

    def standard(self, standard_id: str) -> Standard:
        return self._index[standard_id]

    def has_standard(self, standard_id: str) -> bool:
        return standard_id in self._index

    def area_of(self, standard_id: str) -> Area:
        for area in self.areas:
            if any(s.id == standard_id for s in area.standards):
                return area
        raise KeyError(standard_id)

    def context_field(self, field_id: str) -> ContextField | None:
        return next((f for f in self.context_fields if f.id == field_id), None)

    # -- snapshot -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data in the YAML's shape (enums as strings), for canonical JSON."""
        data = asdict(self)
        data.pop("_index")
        for grade in data["scale"]["grades"]:  # absent rather than empty: keeps the hashes of
            if not grade["description"]:      # versions stored before grades had one
                del grade["description"]
        data["schema"] = SCHEMA_ID
        return _plain(data)  # type: ignore[no-any-return]

    def canonical_json(self) -> str:
        return canonical_json(self.to_dict())

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def canonical_json(data: Any) -> str:
    """Stable JSON: sorted keys, no whitespace, UTF-8 kept, so equal content hashes equal."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def framework_from_dict(data: dict[str, Any]) -> Framework:
    """Rebuild a framework from its snapshot (``Framework.to_dict``); trusts the data."""
    scale = data["scale"]
    na = scale.get("not_applicable") or {}
    return Framework(
        id=data["id"],
        version=data["version"],
        title=data["title"],
        applies_to=tuple(AssessmentKind(k) for k in data["applies_to"]),
        law_type=LawType(data["law_type"]),
        scale=Scale(
            grades=tuple(
                Grade(g["code"], g["label"], float(g["score"]), g.get("colour"),
                      g.get("description", ""))
                for g in scale["grades"]
            ),
            not_applicable=NotApplicable(
                na.get("allowed", True), na.get("label", "Not applicable")
            ),
        ),
        overall=OverallRule(
            OverallMethod(data["overall"]["method"]), tuple(data["overall"].get("limiting", ()))
        ),
        areas=tuple(
            Area(
                id=a["id"],
                title=a["title"],
                description=a.get("description", ""),
                standards=tuple(
                    Standard(
                        id=s["id"],
                        title=s["title"],
                        statement=s.get("statement", ""),
                        guidance=s.get("guidance", ""),
                        indicators=tuple(s.get("indicators", ())),
                        prompts=tuple(s.get("prompts", ())),
                        weight=float(s.get("weight", 1.0)),
                        required=bool(s.get("required", True)),
                        evidence_required_below=s.get("evidence_required_below"),
                    )
                    for s in a["standards"]
                ),
            )
            for a in data["areas"]
        ),
        context_fields=tuple(
            ContextField(
                id=f["id"],
                label=f["label"],
                type=FieldType(f.get("type", "text")),
                choices=tuple(f.get("choices", ())),
                required=bool(f.get("required", False)),
                help=f.get("help", ""),
            )
            for f in data.get("context_fields", ())
        ),
        description=data.get("description", ""),
        source=data.get("source", ""),
    )
