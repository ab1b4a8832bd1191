"""Regression tests for loader faults: each problem is reported once, at the right place."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qa_audit.domain.framework import AssessmentKind, FieldType, Framework, OverallMethod
from qa_audit.domain.loader import load_framework
from qa_audit.errors import FrameworkError

# A valid framework; the line numbers below are relied on by the tests.
BASE = """\
schema: qa-audit/framework@1
id: probe
version: "1"
title: Probe
applies_to: [case_audit]
law_type: public
scale:
  grades:
    - {code: G, label: Good, score: 2}
    - {code: I, label: Inadequate, score: 1}
areas:
  - id: a1
    title: Area one
    standards:
      - id: s1
        title: Standard one
"""
GOOD = "    - {code: G, label: Good, score: 2}"  # line 9
INADEQUATE = "    - {code: I, label: Inadequate, score: 1}"  # line 10

Found = set[tuple[int, int, str]]


def _edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "f.yaml"
    if isinstance(content, str):
        # newline="" keeps \r, \x85, \u2028 ... exactly as written
        with path.open("w", encoding="utf-8", newline="") as out:
            out.write(content)
    else:
        path.write_bytes(content)
    return path


def _problems(tmp_path: Path, content: str | bytes) -> Found:
    """Every problem reported for `content`, as (line, column, message)."""
    path = _write(tmp_path, content)
    with pytest.raises(FrameworkError) as err:
        load_framework(path)
    assert all(p.file == str(path) for p in err.value.problems)
    return {(p.line, p.column, p.message) for p in err.value.problems}


def _load(tmp_path: Path, content: str) -> Framework:
    return load_framework(_write(tmp_path, content))


def test_base_framework_is_valid(tmp_path: Path) -> None:
    assert _load(tmp_path, BASE).id == "probe"


# -- 1. a grade without a score ---------------------------------------------------------------
def test_first_grade_without_score_gives_only_the_missing_key(tmp_path: Path) -> None:
    text = _edit(GOOD, "    - {code: G, label: Good}")
    # before the fix the default score 0 was also compared: "1 is not below 0" at 10:43
    assert _problems(tmp_path, text) == {(9, 7, "grade: missing required key 'score'")}


def test_middle_grade_without_score_gives_only_the_missing_key(tmp_path: Path) -> None:
    text = _edit(
        INADEQUATE,
        "    - {code: R, label: Requires improvement}\n"
        "    - {code: I, label: Inadequate, score: 1}",
    )
    assert _problems(tmp_path, text) == {(10, 7, "grade: missing required key 'score'")}


def test_scores_that_really_do_not_decrease_are_still_reported(tmp_path: Path) -> None:
    text = _edit(GOOD, "    - {code: G, label: Good, score: -1}")
    assert _problems(tmp_path, text) == {
        (10, 43, "grade scores must strictly decrease (best grade first): 1 is not below -1")
    }


# -- 2. non-UTF-8 files ---------------------------------------------------------------------
NOT_UTF8 = "file is not UTF-8 text; save it as UTF-8"
BOM = b"\xef\xbb\xbf"
CAFE = BASE.encode().replace(b"title: Probe", b'title: "Caf\xc3\xa9 \xff"')


def test_not_utf8_column_counts_characters_not_bytes(tmp_path: Path) -> None:
    # `title: "Café \xff"`: the bad byte is the 14th character (15th byte, as é is 2 bytes)
    assert _problems(tmp_path, CAFE) == {(4, 14, NOT_UTF8)}


def test_not_utf8_position_after_a_byte_order_mark(tmp_path: Path) -> None:
    # before the fix the offset was taken after the BOM but counted in the whole file: 4:12
    assert _problems(tmp_path, BOM + CAFE) == {(4, 14, NOT_UTF8)}


def test_not_utf8_line_after_a_byte_order_mark(tmp_path: Path) -> None:
    # the bad byte starts line 2; before the fix the 3-byte BOM shift put it on line 1
    assert _problems(tmp_path, BOM + b"a: 1\n\xff: 2\n") == {(2, 1, NOT_UTF8)}


def test_not_utf8_on_the_first_line_after_a_byte_order_mark(tmp_path: Path) -> None:
    # the BOM is not a character of line 1 (as in the YAML marks)
    assert _problems(tmp_path, BOM + b"schema: \xff\n") == {(1, 9, NOT_UTF8)}


def test_not_utf8_counts_carriage_return_lines_like_yaml(tmp_path: Path) -> None:
    assert _problems(tmp_path, b"a: 1\rb: 2\r\nc: \xe9\n") == {(3, 4, NOT_UTF8)}


def test_a_byte_order_mark_alone_is_fine(tmp_path: Path) -> None:
    path = _write(tmp_path, BOM + BASE.encode())
    assert load_framework(path).title == "Probe"


# -- 3. choices that are not a list ---------------------------------------------------------
def _field(spec: str) -> str:
    return BASE + f"context_fields:\n  - {spec}\n"  # the field is on line 18


def test_non_list_choices_on_a_choice_field_is_reported_once(tmp_path: Path) -> None:
    text = _field("{id: f1, label: F, type: choice, choices: nope}")
    # before the fix: "choices must be a list" twice plus "needs a list of choices"
    assert _problems(tmp_path, text) == {(18, 47, "choices must be a list")}
    text = _field("{id: f1, label: F, type: multi_choice, choices: {a: b}}")
    assert len(_problems(tmp_path, text)) == 1


def test_non_list_choices_on_a_text_field_is_reported_once(tmp_path: Path) -> None:
    text = _field("{id: f1, label: F, type: text, choices: nope}")
    assert _problems(tmp_path, text) == {
        (18, 45, "choices only apply to choice fields, not text")
    }


def test_missing_or_empty_choices_are_reported_once(tmp_path: Path) -> None:
    needs = "context field 'f1' of type choice needs a list of choices"
    assert _problems(tmp_path, _field("{id: f1, label: F, type: choice}")) == {(18, 5, needs)}
    text = _field("{id: f1, label: F, type: choice, choices: []}")
    assert _problems(tmp_path, text) == {(18, 47, needs)}


def test_duplicate_choices_are_still_reported(tmp_path: Path) -> None:
    text = _field("{id: f1, label: F, type: choice, choices: [a, b, a]}")
    assert _problems(tmp_path, text) == {(18, 54, "duplicate choice 'a' (first used on line 18)")}
    good = _load(tmp_path, _field("{id: f1, label: F, type: choice, choices: [a, b]}"))
    assert good.context_fields[0].choices == ("a", "b")
    assert good.context_fields[0].type is FieldType.CHOICE


# -- 4. an invalid applies_to value ---------------------------------------------------------
NOT_A_KIND = "applies_to 'bogus' is not one of: case_audit, practice_observation"


def test_invalid_applies_to_after_a_valid_one_is_reported_once(tmp_path: Path) -> None:
    text = _edit("applies_to: [case_audit]", "applies_to: [case_audit, bogus]")
    # before the fix bogus became case_audit and was also a "duplicate applies_to value"
    assert _problems(tmp_path, text) == {(5, 26, NOT_A_KIND)}


def test_invalid_applies_to_before_a_valid_one_is_reported_once(tmp_path: Path) -> None:
    text = _edit("applies_to: [case_audit]", "applies_to: [bogus, case_audit]")
    assert _problems(tmp_path, text) == {(5, 14, NOT_A_KIND)}


def test_real_duplicate_applies_to_is_still_reported(tmp_path: Path) -> None:
    text = _edit("applies_to: [case_audit]", "applies_to: [case_audit, case_audit]")
    assert _problems(tmp_path, text) == {
        (5, 26, "duplicate applies_to value 'case_audit' (first used on line 5)")
    }
    text = _edit("applies_to: [case_audit]", "applies_to: [practice_observation, case_audit]")
    assert _load(tmp_path, text).applies_to == (
        AssessmentKind.PRACTICE_OBSERVATION,
        AssessmentKind.CASE_AUDIT,
    )


# -- 5. a bad type or method hides nothing behind a second, misleading problem -----------------
def test_bad_field_type_with_choices_gives_one_problem(tmp_path: Path) -> None:
    text = _field("{id: f1, label: F, type: bogus, choices: [a, b]}")
    # before the fix the bad type fell back to text: "choices only apply to ... not text"
    assert _problems(tmp_path, text) == {
        (
            18,
            30,
            "context field type 'bogus' is not one of: "
            "text, long_text, choice, multi_choice, date, yes_no, number",
        )
    }


def test_bad_method_with_limiting_gives_one_problem(tmp_path: Path) -> None:
    text = BASE + "overall:\n  method: bogus\n  limiting: [s1]\n"
    # before the fix the bad method fell back to mean: "limiting is only used with ..."
    assert _problems(tmp_path, text) == {
        (18, 11, "overall.method 'bogus' is not one of: "
                 "limiting, mean, weighted_mean, lowest, none")
    }


def test_missing_method_with_limiting_gives_one_problem(tmp_path: Path) -> None:
    text = BASE + "overall:\n  limiting: [s1]\n"
    assert _problems(tmp_path, text) == {(18, 3, "overall: missing required key 'method'")}


def test_limiting_with_another_valid_method_is_still_reported(tmp_path: Path) -> None:
    text = BASE + "overall:\n  method: mean\n  limiting: [s1]\n"
    assert _problems(tmp_path, text) == {
        (19, 13, "overall.limiting is only used with method: limiting")
    }
    rule = _load(tmp_path, BASE + "overall:\n  method: limiting\n  limiting: [s1]\n").overall
    assert (rule.method, rule.limiting) == (OverallMethod.LIMITING, ("s1",))


def test_non_text_enum_value_is_reported_once(tmp_path: Path) -> None:
    text = _edit("law_type: public", "law_type: [public]")
    assert _problems(tmp_path, text) == {(6, 11, "law_type must be text")}


# -- 6. the tab check numbers lines like the YAML marks -------------------------------------
TAB = "tab character in indentation; indent with spaces"
TABBED = _edit("    title: Area one", "  \ttitle: Area one")  # line 13


@pytest.mark.parametrize("char", ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e"])
def test_tab_line_is_not_shifted_by_characters_yaml_does_not_break_on(
    tmp_path: Path, char: str
) -> None:
    # str.splitlines() breaks on these; YAML does not (before the fix: line 14)
    text = _edit("title: Probe", f"title: Pro{char}be", TABBED)
    assert _problems(tmp_path, text) == {(13, 3, TAB)}


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_tab_line_with_each_yaml_line_ending(tmp_path: Path, newline: str) -> None:
    assert _problems(tmp_path, TABBED.replace("\n", newline)) == {(13, 3, TAB)}


@pytest.mark.parametrize("char", ["\x85", "\u2028", "\u2029"])
def test_tab_line_agrees_with_yaml_marks_for_unicode_line_breaks(
    tmp_path: Path, char: str
) -> None:
    # PyYAML and libyaml (YAML 1.1) count NEL, LS and PS as line breaks in their marks, so the
    # tab check does too: the tabbed line is the one YAML reports for the same text without
    # the tab.
    text = _edit("title: Probe", f'title: "Pro{char}be"', TABBED)
    untabbed = yaml.compose(text.replace("\t", "  "), Loader=yaml.SafeLoader)
    areas = next(v for k, v in untabbed.value if k.value == "areas")
    title_key = areas.value[0].value[1][0]
    assert title_key.value == "title"
    assert _problems(tmp_path, text) == {(title_key.start_mark.line + 1, 3, TAB)}
    assert title_key.start_mark.line + 1 == 14


def test_control_character_is_located(tmp_path: Path) -> None:
    # without a tab, YAML refuses the form feed; it used to be reported at 1:1
    text = _edit("title: Probe", "title: Pro\x0cbe")
    found = _problems(tmp_path, text)
    assert {(line, col) for line, col, _ in found} == {(4, 11)}
    assert all("#x000c" in message for _, _, message in found)


# -- 7. YAML integers are numbers -----------------------------------------------------------
@pytest.mark.parametrize(
    ("first", "second", "scores"),
    [
        ("0x10", "0b11", (16.0, 3.0)),
        ("1_000", "017", (1000.0, 15.0)),
        ("1:30", "-0x1_0", (90.0, -16.0)),
        ("2.5", "1.0e+0", (2.5, 1.0)),
    ],
)
def test_yaml_integers_are_valid_scores(
    tmp_path: Path, first: str, second: str, scores: tuple[float, float]
) -> None:
    text = _edit("score: 2}", f"score: {first}}}")
    text = _edit("score: 1}", f"score: {second}}}", text)
    assert tuple(g.score for g in _load(tmp_path, text).scale.grades) == scores


def test_yaml_integer_is_a_valid_weight(tmp_path: Path) -> None:
    text = BASE + "        weight: 0x2\n"  # in standard s1
    assert _load(tmp_path, text).standard("s1").weight == 2.0


@pytest.mark.parametrize("value", ["true", "no", ".inf", ".nan", "0o17", "'2'", "!!int abc"])
def test_non_numbers_are_still_refused(tmp_path: Path, value: str) -> None:
    # 0o17 is YAML 1.2 syntax: PyYAML (YAML 1.1) resolves it as a string, not an int
    text = _edit("score: 2}", f"score: {value}}}")
    assert _problems(tmp_path, text) == {(9, 37, "grade score must be a number")}
