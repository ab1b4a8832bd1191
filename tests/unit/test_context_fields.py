"""Context answers are checked against their field's type before they are stored."""

from __future__ import annotations

import datetime as dt

import pytest

from qa_audit.domain.framework import ContextField, FieldType
from qa_audit.errors import InvalidInput


def field(kind: FieldType, *choices: str) -> ContextField:
    return ContextField("f", "Number of visits", kind, tuple(choices))


@pytest.mark.parametrize(("kind", "given", "stored"), [
    (FieldType.NUMBER, 0, 0),
    (FieldType.NUMBER, -3, -3),
    (FieldType.NUMBER, 2.5, 2.5),
    (FieldType.NUMBER, "12", 12),
    (FieldType.NUMBER, " 1.50 ", 1.5),
    (FieldType.NUMBER, None, ""),
    (FieldType.YES_NO, True, "Yes"),
    (FieldType.YES_NO, False, "No"),
    (FieldType.YES_NO, "No", "No"),
    (FieldType.DATE, dt.date(1985, 5, 1), "1985-05-01"),
    (FieldType.DATE, "1985-05-01", "1985-05-01"),
    (FieldType.TEXT, "Home visit", "Home visit"),
    (FieldType.TEXT, 12, "12"),
    (FieldType.YES_NO, " yes ", "Yes"),
    (FieldType.LONG_TEXT, "", ""),
])
def test_answers_of_the_right_kind_are_stored_plainly(kind, given, stored) -> None:
    assert field(kind).clean(given) == stored
    assert type(field(kind).clean(given)) is type(stored)


def test_choices() -> None:
    assert field(FieldType.CHOICE, "Court", "Home").clean("Home") == "Home"
    assert field(FieldType.MULTI_CHOICE, "a", "b").clean(["b", "a", "b"]) == ["b", "a"]
    assert field(FieldType.MULTI_CHOICE, "a", "b").clean(None) == []


@pytest.mark.parametrize(("kind", "given", "message"), [
    (FieldType.NUMBER, "lots", "give a number"),
    (FieldType.NUMBER, True, "give a number"),
    (FieldType.NUMBER, "nan", "give a number"),
    (FieldType.NUMBER, [1], "give a number"),
    (FieldType.YES_NO, "Maybe", "answer Yes or No"),
    (FieldType.YES_NO, 1, "answer Yes or No"),
    (FieldType.DATE, "01/05/1985", "give a date as YYYY-MM-DD"),
    (FieldType.TEXT, [42], "give text"),
    (FieldType.CHOICE, "Elsewhere", "choose one of Court, Home"),
    (FieldType.MULTI_CHOICE, "Elsewhere", "choose from Court, Home"),
])
def test_anything_else_is_refused_naming_the_field(kind, given, message) -> None:
    with pytest.raises(InvalidInput, match=f"Number of visits: {message}"):
        field(kind, "Court", "Home").clean(given)
