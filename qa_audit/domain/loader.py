"""Load and validate framework YAML, reporting every problem as ``file:line:column``.

The YAML is composed into nodes (not constructed into Python objects) so that every
value keeps its position, duplicate keys are visible, and one pass can report all
problems at once instead of stopping at the first.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.reader import ReaderError

from qa_audit.errors import FrameworkError, Problem

from .framework import (
    NOT_APPLICABLE,
    SCHEMA_ID,
    Area,
    AssessmentKind,
    ContextField,
    FieldType,
    Framework,
    Grade,
    LawType,
    NotApplicable,
    OverallMethod,
    OverallRule,
    Scale,
    Standard,
)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_GRADE_CODE = re.compile(r"^[A-Za-z0-9+*_-]{1,12}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_BOM = b"\xef\xbb\xbf"
# Line breaks as PyYAML and libyaml count them for their marks (YAML 1.1): \r\n, \r, \n and
# also NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR -- but not \f, \v or \x1c-\x1e, which
# str.splitlines() would also split on.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# Builds int/float values exactly as yaml.safe_load would (0x10, 0b11, 017, 1_000, 1:30).
_SCALARS = SafeConstructor()

E = TypeVar("E", bound=StrEnum)


# Far above any real framework (the shipped ones are about 30 KB and 40 standards), and
# low enough that a wrong file given by mistake is refused at once instead of filling memory.
MAX_FRAMEWORK_BYTES = 5 * 1024 * 1024
MAX_STANDARDS = 3000
_SIZE_LIMIT = (f"framework files are limited to {MAX_FRAMEWORK_BYTES // (1024 * 1024)} MB "
               f"and {MAX_STANDARDS} standards")


def load_framework(path: str | Path) -> Framework:
    """Load one framework file; raise `FrameworkError` listing every problem.

    Only a regular file is read (a device such as /dev/zero or a named pipe is refused
    before it is opened, so nothing hangs), and only up to `MAX_FRAMEWORK_BYTES`."""
    path = Path(path)
    raw = _read_framework_file(path)
    return parse_framework(raw, str(path))


def _read_framework_file(path: Path) -> bytes:
    def refuse(message: str) -> FrameworkError:
        return FrameworkError([Problem(str(path), 1, 1, message)])

    try:
        info = os.stat(path)
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise refuse("this is a folder, not a framework file")
    if not stat.S_ISREG(info.st_mode):
        raise refuse("not a regular file (a device, pipe or socket); give a YAML file")
    if info.st_size > MAX_FRAMEWORK_BYTES:
        raise refuse(f"file is {info.st_size / (1024 * 1024):.1f} MB; {_SIZE_LIMIT}")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FRAMEWORK_BYTES + 1)
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror}") from exc
    if len(raw) > MAX_FRAMEWORK_BYTES:
        raise refuse(f"file is over {MAX_FRAMEWORK_BYTES // (1024 * 1024)} MB; {_SIZE_LIMIT}")
    return raw


def validate_files(paths: Iterable[str | Path]) -> list[Problem]:
    """Check every file given (not just the first) and return all problems found."""
    problems: list[Problem] = []
    for path in paths:
        try:
            load_framework(path)
        except FrameworkError as exc:
            problems.extend(exc.problems)
    return problems


def parse_framework(raw: bytes | str, filename: str = "<framework>") -> Framework:
    """Parse framework YAML text; raise `FrameworkError` listing every problem."""
    if len(raw) > MAX_FRAMEWORK_BYTES:
        raise FrameworkError([Problem(filename, 1, 1, f"text is over "
                                      f"{MAX_FRAMEWORK_BYTES // (1024 * 1024)} MB; "
                                      f"{_SIZE_LIMIT}")])
    if isinstance(raw, bytes):
        body = raw[len(_BOM):] if raw.startswith(_BOM) else raw
        nul = body.find(b"\x00")
        if nul >= 0:
            # Valid UTF-8 can hold NUL, but text never does: this is UTF-16 (or UTF-32)
            # without a byte order mark, which would otherwise decode as "UTF-8".
            before = body[:nul].decode("utf-8", "replace")
            line, col = _position(before, len(before))
            raise FrameworkError([Problem(
                filename, line, col, "file is not UTF-8 text (it has NUL bytes, as UTF-16 "
                "text has); save it as UTF-8")])
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            # exc.start is a byte offset into `body`; report line and column in characters
            # (the BOM is not part of line 1, as in the YAML marks).
            before = body[: exc.start].decode("utf-8")
            line, col = _position(before, len(before))
            raise FrameworkError(
                [Problem(filename, line, col, "file is not UTF-8 text; save it as UTF-8")]
            ) from exc
    else:
        text = raw
    tab_problems = _tab_indentation(text, filename)
    if tab_problems:
        raise FrameworkError(tab_problems)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark and exc.problem:
            start = exc.context_mark
            what += (f" ({exc.context} that starts at line {start.line + 1}, "
                     f"column {start.column + 1})")
        raise FrameworkError([Problem(filename, line, col, f"YAML syntax error: {what}")]) from exc
    except ReaderError as exc:
        # Its `position` is a byte offset with libyaml but a character index with PyYAML, so
        # locate the first occurrence of the refused character instead.
        index = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        if index < 0:
            raise FrameworkError([Problem(filename, 1, 1, f"YAML error: {exc}")]) from exc
        line, col = _position(text, index)
        what = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
        raise FrameworkError([Problem(filename, line, col, f"YAML error: {what}")]) from exc
    except yaml.YAMLError as exc:
        raise FrameworkError([Problem(filename, 1, 1, f"YAML error: {exc}")]) from exc
    standards = _count_standards(root)
    if standards > MAX_STANDARDS:
        raise FrameworkError([Problem(filename, 1, 1, f"{standards} standards; "
                                      f"{_SIZE_LIMIT}")])
    checker = _Checker(filename)
    framework = checker.framework(root)
    if checker.problems or framework is None:
        raise FrameworkError(sorted(checker.problems, key=lambda p: (p.line, p.column)))
    return framework


def _count_standards(root: yaml.Node | None) -> int:
    """Standards in the composed file, counted before any checking (cheap)."""
    if not isinstance(root, yaml.MappingNode):
        return 0
    count = 0
    for key, value in root.value:
        if key.value != "areas" or not isinstance(value, yaml.SequenceNode):
            continue
        for area in value.value:
            if not isinstance(area, yaml.MappingNode):
                continue
            for akey, avalue in area.value:
                if akey.value == "standards" and isinstance(avalue, yaml.SequenceNode):
                    count += len(avalue.value)
    return count


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column (in characters) of `text[index]`, numbered like YAML marks."""
    line, start = 1, 0
    for match in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, match.end()
    return line, index - start + 1


def _tab_indentation(text: str, filename: str) -> list[Problem]:
    problems = []
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(
                Problem(
                    filename,
                    number,
                    indent.index("\t") + 1,
                    "tab character in indentation; indent with spaces",
                )
            )
    return problems


def _value_node(node: yaml.Node, key: str) -> yaml.Node:
    """The value node of `key` in a mapping node (the node itself if absent), for positions."""
    for key_node, value_node in node.value if isinstance(node, yaml.MappingNode) else ():
        if getattr(key_node, "value", None) == key:
            return value_node  # type: ignore[no-any-return]
    return node


class _Checker:
    """Walks the composed node tree, building the model and collecting problems."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []

    # -- reporting ------------------------------------------------------------------------
    def error(self, node: yaml.Node | None, message: str) -> None:
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        self.problems.append(Problem(self.filename, line, col, message))

    # -- generic shapes -------------------------------------------------------------------
    def mapping(
        self, node: yaml.Node, where: str, required: Iterable[str], optional: Iterable[str]
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{where} must be a mapping of keys to values")
            return None
        required = tuple(required)
        allowed = set(required) | set(optional)
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or key_node.tag != _STR:
                self.error(key_node, f"{where}: keys must be plain names")
                continue
            if key in out:
                self.error(key_node, f"{where}: duplicate key '{key}'")
                continue
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.error(key_node, f"{where}: unknown key '{key}' (allowed: {known})")
                continue
            out[key] = value_node
        for key in required:
            if key not in out:
                self.error(node, f"{where}: missing required key '{key}'")
        return out

    def sequence(self, node: yaml.Node, where: str, *, non_empty: bool = True) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{where} must be a list")
            return []
        if non_empty and not node.value:
            self.error(node, f"{where} must not be empty")
        return list(node.value)

    def text(self, node: yaml.Node | None, where: str, *, default: str = "") -> str:
        if node is None:
            return default
        if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL:
            self.error(node, f"{where} must be text")
            return default
        value = str(node.value).strip()
        if not value:
            self.error(node, f"{where} must not be empty")
        return value

    def identifier(self, node: yaml.Node | None, where: str) -> str:
        value = self.text(node, where)
        if node is not None and value and not _ID.match(value):
            self.error(
                node,
                f"{where} '{value}' must be lower-case letters, digits, '-', '_' or '.'",
            )
        return value

    def number(self, node: yaml.Node | None, where: str, *, default: float) -> float:
        if node is None:
            return default
        if not isinstance(node, yaml.ScalarNode) or node.tag not in (_INT, _FLOAT):
            self.error(node, f"{where} must be a number")
            return default
        try:
            # The value yaml.safe_load gives: 0x10, 0b11, 017, 1_000 and 1:30 are ints too.
            built = (
                _SCALARS.construct_yaml_int(node)
                if node.tag == _INT
                else _SCALARS.construct_yaml_float(node)
            )
            value = float(built)
        except (ValueError, IndexError, OverflowError):  # e.g. an explicit `!!int abc`
            value = math.nan
        if not math.isfinite(value):
            self.error(node, f"{where} must be a number")
            return default
        return value

    def boolean(self, node: yaml.Node | None, where: str, *, default: bool) -> bool:
        if node is None:
            return default
        if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL:
            self.error(node, f"{where} must be true or false")
            return default
        return node.value.lower() in ("true", "yes", "on")

    def text_list(self, node: yaml.Node | None, where: str) -> tuple[str, ...]:
        if node is None:
            return ()
        items = self.sequence(node, where, non_empty=False)
        return tuple(self.text(item, f"{where} item") for item in items)

    def choice(self, node: yaml.Node | None, where: str, enum: type[E], default: E) -> E:
        """The enum member named by `node`; `default` if it is absent or invalid."""
        value = None if node is None else self.member(node, where, enum)
        return default if value is None else value

    def member(self, node: yaml.Node, where: str, enum: type[E]) -> E | None:
        """The enum member named by `node`, or None (with one problem reported) if invalid."""
        before = len(self.problems)
        value = self.text(node, where)
        if len(self.problems) != before:  # not text, or empty: already reported
            return None
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            self.error(node, f"{where} '{value}' is not one of: {allowed}")
            return None

    def unique(self, items: list[tuple[str, yaml.Node]], what: str) -> None:
        seen: dict[str, yaml.Node] = {}
        for value, node in items:
            if not value:
                continue
            if value in seen:
                first = seen[value].start_mark.line + 1
                self.error(node, f"duplicate {what} '{value}' (first used on line {first})")
            else:
                seen[value] = node

    # -- the framework --------------------------------------------------------------------
    def framework(self, root: yaml.Node | None) -> Framework | None:
        if root is None:
            self.error(None, "the file is empty; a framework needs schema, id, version, ...")
            return None
        top = self.mapping(
            root,
            "framework",
            required=(
                "schema",
                "id",
                "version",
                "title",
                "applies_to",
                "law_type",
                "scale",
                "areas",
            ),
            optional=("overall", "context_fields", "description", "source"),
        )
        if top is None:
            return None
        if "schema" in top:
            schema = self.text(top["schema"], "schema")
            if schema and schema != SCHEMA_ID:
                self.error(top["schema"], f"schema '{schema}' is not supported; use '{SCHEMA_ID}'")
        fid = self.identifier(top.get("id"), "id")
        version = self.text(top.get("version"), "version")
        title = self.text(top.get("title"), "title")
        applies_to = self.applies_to(top.get("applies_to"))
        law_type = self.choice(top.get("law_type"), "law_type", LawType, LawType.ANY)
        scale = self.scale(top["scale"]) if "scale" in top else None
        areas = self.areas(top["areas"], scale) if "areas" in top else ()
        context = self.context_fields(top.get("context_fields"))
        overall = self.overall(top.get("overall"), areas, scale)
        if scale is None or self.problems:
            return None
        return Framework(
            id=fid,
            version=version,
            title=title,
            applies_to=applies_to,
            law_type=law_type,
            scale=scale,
            overall=overall,
            areas=areas,
            context_fields=context,
            description=self.text(top.get("description"), "description"),
            source=self.text(top.get("source"), "source"),
        )

    def applies_to(self, node: yaml.Node | None) -> tuple[AssessmentKind, ...]:
        if node is None:
            return ()
        items = self.sequence(node, "applies_to")
        # An invalid value is reported once, where it is; it is not replaced by a default
        # (which would then be reported again as a duplicate of a real value).
        kinds = [(self.member(item, "applies_to", AssessmentKind), item) for item in items]
        valid = [(kind, item) for kind, item in kinds if kind is not None]
        self.unique([(kind.value, item) for kind, item in valid], "applies_to value")
        return tuple(dict.fromkeys(kind for kind, _ in valid))

    def scale(self, node: yaml.Node) -> Scale | None:
        body = self.mapping(node, "scale", required=("grades",), optional=("not_applicable",))
        if body is None or "grades" not in body:
            return None
        grade_nodes = self.sequence(body["grades"], "scale.grades")
        grades: list[Grade] = []
        codes: list[tuple[str, yaml.Node]] = []
        valid_scores = True  # after a bad score, ordering is not judged (it would mislead)
        for gnode in grade_nodes:
            g = self.mapping(
                gnode,
                "grade",
                required=("code", "label", "score"),
                optional=("colour", "description"),
            )
            if g is None:
                continue
            code = self.text(g.get("code"), "grade code")
            if code and not _GRADE_CODE.match(code):
                self.error(g["code"], f"grade code '{code}' must be 1-12 letters or digits")
            if code.upper() in (NOT_APPLICABLE, "NA"):
                self.error(g["code"], f"grade code '{code}' is reserved for not applicable")
            colour = self.text(g.get("colour"), "colour") if "colour" in g else None
            if colour and not _COLOUR.match(colour):
                self.error(g["colour"], f"colour '{colour}' must look like \"#1a7f37\"")
            before = len(self.problems)
            score = self.number(g.get("score"), "grade score", default=0.0)
            # A missing score (already reported by mapping()) is as unknown as a bad one: the
            # default 0 must not be compared with the neighbouring grades.
            if "score" not in g or len(self.problems) != before:
                valid_scores = False
            if valid_scores and grades and "code" in g and score >= grades[-1].score:
                self.error(
                    g["score"],
                    f"grade scores must strictly decrease (best grade first): {score:g} is not "
                    f"below {grades[-1].score:g}",
                )
            grades.append(Grade(code, self.text(g.get("label"), "grade label"), score, colour,
                                self.text(g.get("description"), "grade description")))
            codes.append((code, g.get("code", gnode)))
        self.unique(codes, "grade code")
        na = NotApplicable()
        if "not_applicable" in body:
            n = self.mapping(
                body["not_applicable"],
                "scale.not_applicable",
                required=(),
                optional=("allowed", "label"),
            )
            if n is not None:
                na = NotApplicable(
                    self.boolean(n.get("allowed"), "not_applicable.allowed", default=True),
                    self.text(n.get("label"), "not_applicable.label", default="Not applicable"),
                )
        if not grades:
            return None
        return Scale(tuple(grades), na)

    def areas(self, node: yaml.Node, scale: Scale | None) -> tuple[Area, ...]:
        area_nodes = self.sequence(node, "areas")
        areas: list[Area] = []
        area_ids: list[tuple[str, yaml.Node]] = []
        standard_ids: list[tuple[str, yaml.Node]] = []
        for anode in area_nodes:
            a = self.mapping(
                anode, "area", required=("id", "title", "standards"), optional=("description",)
            )
            if a is None:
                continue
            aid = self.identifier(a.get("id"), "area id")
            area_ids.append((aid, a.get("id", anode)))
            standards: list[Standard] = []
            for snode in (
                self.sequence(a["standards"], f"area '{aid}' standards") if "standards" in a else []
            ):
                standard = self.standard(snode, scale)
                if standard is not None:
                    standards.append(standard)
                    standard_ids.append((standard.id, _value_node(snode, "id")))
            areas.append(
                Area(
                    aid,
                    self.text(a.get("title"), "area title"),
                    tuple(standards),
                    self.text(a.get("description"), "area description"),
                )
            )
        self.unique(area_ids, "area id")
        self.unique(standard_ids, "standard id")
        return tuple(areas)

    def standard(self, node: yaml.Node, scale: Scale | None) -> Standard | None:
        s = self.mapping(
            node,
            "standard",
            required=("id", "title"),
            optional=(
                "statement",
                "guidance",
                "indicators",
                "prompts",
                "weight",
                "required",
                "evidence_required_below",
            ),
        )
        if s is None:
            return None
        sid = self.identifier(s.get("id"), "standard id")
        weight = self.number(s.get("weight"), "weight", default=1.0)
        if "weight" in s and weight <= 0:
            self.error(s["weight"], "weight must be greater than 0")
        below: str | None = None
        if "evidence_required_below" in s:
            below = self.text(s["evidence_required_below"], "evidence_required_below")
            if scale is not None and below and scale.grade(below) is None:
                self.error(
                    s["evidence_required_below"],
                    f"evidence_required_below '{below}' is not a grade code of the scale "
                    f"({', '.join(scale.codes)})",
                )
        return Standard(
            id=sid,
            title=self.text(s.get("title"), "standard title"),
            statement=self.text(s.get("statement"), "statement"),
            guidance=self.text(s.get("guidance"), "guidance"),
            indicators=self.text_list(s.get("indicators"), "indicators"),
            prompts=self.text_list(s.get("prompts"), "prompts"),
            weight=weight,
            required=self.boolean(s.get("required"), "required", default=True),
            evidence_required_below=below,
        )

    def context_fields(self, node: yaml.Node | None) -> tuple[ContextField, ...]:
        if node is None:
            return ()
        fields: list[ContextField] = []
        ids: list[tuple[str, yaml.Node]] = []
        for fnode in self.sequence(node, "context_fields", non_empty=False):
            f = self.mapping(
                fnode,
                "context field",
                required=("id", "label"),
                optional=("type", "choices", "required", "help"),
            )
            if f is None:
                continue
            fid = self.identifier(f.get("id"), "context field id")
            ids.append((fid, f.get("id", fnode)))
            ftype = (
                self.member(f["type"], "context field type", FieldType)
                if "type" in f
                else FieldType.TEXT
            )
            choices: tuple[str, ...] = ()
            if ftype is None:
                pass  # the bad type is the problem; choices cannot be judged against it
            elif ftype not in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
                if "choices" in f:
                    self.error(
                        f["choices"], f"choices only apply to choice fields, not {ftype.value}"
                    )
            elif "choices" not in f or (
                isinstance(f["choices"], yaml.SequenceNode) and not f["choices"].value
            ):
                self.error(
                    f.get("choices", fnode),
                    f"context field '{fid}' of type {ftype.value} needs a list of choices",
                )
            else:
                items = self.sequence(f["choices"], "choices", non_empty=False)  # a non-list: once
                choices = tuple(self.text(item, "choices item") for item in items)
                self.unique(list(zip(choices, items, strict=True)), "choice")
            fields.append(
                ContextField(
                    id=fid,
                    label=self.text(f.get("label"), "context field label"),
                    type=ftype or FieldType.TEXT,
                    choices=choices,
                    required=self.boolean(f.get("required"), "required", default=False),
                    help=self.text(f.get("help"), "help"),
                )
            )
        self.unique(ids, "context field id")
        return tuple(fields)

    def overall(
        self, node: yaml.Node | None, areas: tuple[Area, ...], scale: Scale | None
    ) -> OverallRule:
        if node is None:
            return OverallRule(OverallMethod.MEAN, ())
        o = self.mapping(node, "overall", required=("method",), optional=("limiting",))
        if o is None:
            return OverallRule()
        # None if missing or invalid (reported once); then how `limiting` fits is not judged.
        method = (
            self.member(o["method"], "overall.method", OverallMethod) if "method" in o else None
        )
        known = {s.id for a in areas for s in a.standards}
        limiting: list[str] = []
        if "limiting" in o:
            for item in self.sequence(o["limiting"], "overall.limiting"):
                sid = self.text(item, "overall.limiting item")
                if sid and areas and sid not in known:
                    self.error(item, f"overall.limiting names unknown standard '{sid}'")
                limiting.append(sid)
            if method is not None and method is not OverallMethod.LIMITING:
                self.error(o["limiting"], "overall.limiting is only used with method: limiting")
        elif method is OverallMethod.LIMITING:
            self.error(o["method"], "method: limiting needs a 'limiting' list of standard ids")
        return OverallRule(method or OverallMethod.MEAN, tuple(limiting))
