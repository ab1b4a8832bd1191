"""Pseudonymised copies: stand-ins for case references, and free text scanned for every
known person and case reference of the database.

Structured fields of a pseudonymised copy name no one ("The practitioner", "The
supervisor", "Another person") and show case references as keyed hashes ("REF-…"). What
people typed (evidence, commentary, reflections, notes, actions, addenda) gets the same
stand-ins wherever it mentions a person's name, a part of it, their username or a case
reference, in any capitalisation, with or without accents, and with typographic or
straight apostrophes. It cannot find what the database does not know (a child's name,
a place), so every copy says so.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from qa_audit.store.database import Store
from qa_audit.store.tables import Case, Setting, User

PSEUDONYM_KEY = "pseudonym_key"
Pseudonym = Callable[[str], str]

PRACTITIONER = "The practitioner"
SUPERVISOR = "The supervisor"
SOMEONE = "Another person"
# A word: letters and digits joined by apostrophes, hyphens, slashes or dots
# ("O'Brien", "Mary-Jane", "PL-2025-000122", "ZC24/00123").
_WORD = re.compile(r"\w+(?:['’ʼ\-‐‑/.]\w+)*")
_SPACE_ONLY = re.compile(r"[ \t\u00a0]+")
_JOINED = re.compile(r"[\-‐‑/.]")  # a word of parts, each of which may be a name
_FOLD = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'", "‐": "-", "‑": "-"})
# Letters that do not decompose into a base letter and an accent, as people type them
# without the accent ("Ødegård" as "Odegard", "Łukasz" as "Lukasz").
_PLAIN = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d",
                        "þ": "th", "ı": "i", "ß": "ss", "ħ": "h"})
_SHORT = 4  # name parts shorter than this match only when typed capitalised ("Al", "Bo")


@lru_cache(maxsize=65_536)  # words repeat: most of a text's words were folded before
def fold(value: str) -> str:
    """A string for matching: composed, accents removed, lower case, one kind of
    apostrophe and hyphen."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_FOLD))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).casefold().translate(_PLAIN)


def pseudonymiser(store: Store) -> Pseudonym:
    """Stand-ins for case references that do not reveal them: a keyed hash (HMAC-SHA256)
    with a secret kept in this (encrypted) database. The same reference gets the same
    stand-in in every export from this database, so exports can be joined; without the
    secret, hashing every possible reference (they follow a pattern) finds nothing."""
    key = _pseudonym_key(store)

    def pseudonym(reference: str) -> str:
        if not reference:
            return ""
        digest = hmac.new(key, reference.encode("utf-8"), hashlib.sha256).hexdigest()
        return "REF-" + digest[:12].upper()

    return pseudonym


def _pseudonym_key(store: Store) -> bytes:
    with store.reading() as session:
        row = session.get(Setting, PSEUDONYM_KEY)
    if row is None:
        try:
            with store.unit_of_work() as session:
                session.add(Setting(key=PSEUDONYM_KEY, value=secrets.token_hex(32)))
        except IntegrityError:  # made at the same moment by another process: use theirs
            pass
        with store.reading() as session:
            row = session.get(Setting, PSEUDONYM_KEY)
    assert row is not None
    return bytes.fromhex(row.value)


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    display_name: str
    username: str


@dataclass
class Scrubber:
    """Replaces every known person and case reference in free text with stand-ins."""

    people: tuple[Person, ...]
    references: Mapping[str, str]  # folded reference -> stand-in
    _names: dict[str, set[uuid.UUID]] = field(default_factory=dict)  # folded key -> people
    _parts: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    _longest: int = 1
    _starts: set[str] = field(default_factory=set)  # first words of names of 2+ words
    _known: set[str] = field(default_factory=set)  # every key a single word can match

    def __post_init__(self) -> None:
        for person in self.people:
            words = _WORD.findall(person.display_name)
            if words:
                self._names.setdefault(fold(" ".join(words)), set()).add(person.id)
                self._longest = max(self._longest, len(words))
                if len(words) > 1:
                    self._starts.add(fold(words[0]))
            if person.username.strip():
                self._names.setdefault(fold(person.username.strip()), set()).add(person.id)
            for word in words:
                for part in _parts(word):
                    if len(part) >= 2 and any(c.isalpha() for c in part):
                        self._parts.setdefault(fold(part), set()).add(person.id)
        self._known = set(self._names) | set(self._parts) | set(self.references)

    def scrub(self, value: str, roles: Mapping[uuid.UUID, str] | None = None) -> str:
        """`value` with every known name, name part, username and case reference replaced:
        a person by their role in this document (`roles`, e.g. the practitioner), anyone
        else by "Another person", a reference by its REF- stand-in."""
        if not value:
            return value
        value = unicodedata.normalize("NFC", value)
        roles = roles or {}
        words = list(_WORD.finditer(value))
        out: list[str] = []
        last = 0
        i = 0
        while i < len(words):
            found = self._match(value, words, i, roles)
            if found is None:
                i += 1
                continue
            end_index, replacement = found
            out += [value[last:words[i].start()], replacement]
            last = words[end_index].end()
            i = end_index + 1
        out.append(value[last:])
        return "".join(out)

    def _match(self, value: str, words: list[re.Match[str]], i: int,
               roles: Mapping[uuid.UUID, str]) -> tuple[int, str] | None:
        word = words[i].group(0)
        first = fold(word)
        if first not in self._known and _strip_possessive(first) not in self._known and (
                not _JOINED.search(word)):
            return None  # most words: nothing to look at further
        # The longest full name starting here (its words separated by spaces only).
        longest = self._longest if first in self._starts else 1
        for length in range(min(longest, len(words) - i), 1, -1):
            j = i + length - 1
            if not all(_SPACE_ONLY.fullmatch(value[words[k].end():words[k + 1].start()])
                       for k in range(i, j)):
                continue
            key = fold(" ".join(w.group(0) for w in words[i:j + 1]))
            people = self._names.get(key) or self._names.get(_strip_possessive(key))
            if people:
                return j, self._stand_in(people, roles)
        return (i, replaced) if (replaced := self._word(word, roles)) != word else None

    def _word(self, word: str, roles: Mapping[uuid.UUID, str]) -> str:
        key = fold(word)
        if (ref := self.references.get(key)) is not None:
            return ref
        for candidate, suffix in ((key, ""), (_strip_possessive(key), word[-2:])):
            people = self._names.get(candidate) or self._part(candidate, word)
            if people:
                return self._stand_in(people, roles) + (suffix if candidate != key else "")
        if any(c in word for c in "-‐‑/."):
            pieces = re.split(r"([\-‐‑/.])", word)
            if len(pieces) > 1:
                return "".join(self._word(p, roles) if p and p[0].isalnum() else p
                               for p in pieces)
        return word

    def _part(self, key: str, typed: str) -> set[uuid.UUID] | None:
        people = self._parts.get(key)
        first = typed[:1]
        if people and len(key) < _SHORT and first.islower():
            return None  # "al", "bo" in lower case are ordinary words more often than names
        return people

    @staticmethod
    def _stand_in(people: set[uuid.UUID], roles: Mapping[uuid.UUID, str]) -> str:
        named = {roles[p] for p in people if p in roles}
        return named.pop() if len(named) == 1 else SOMEONE


def _parts(word: str) -> set[str]:
    """A name word and its parts: "O'Brien-Llewelyn" -> itself, "O'Brien", "Llewelyn",
    "OBrien", "Brien"."""
    word = word.translate(_FOLD)
    out = {word}
    for piece in [word, *re.split(r"-", word)]:
        out |= {piece, piece.replace("'", "")}
        if "'" in piece:
            out.add(piece.rsplit("'", 1)[1])
    return out


def _strip_possessive(key: str) -> str:
    return key[:-2] if key.endswith("'s") else key


def scrubber(store: Store, alias: Pseudonym | None = None) -> Scrubber:
    """A scrubber over everyone and every case reference in the database."""
    alias = alias or pseudonymiser(store)
    with store.reading() as session:
        people = tuple(Person(uid, name, username) for uid, name, username in session.execute(
            select(col(User.id), col(User.display_name), col(User.username))))
        references = {fold(ref): alias(ref) for (ref,) in session.execute(
            select(col(Case.reference))) if ref}
    return Scrubber(people, references)


def role_names(practitioner: uuid.UUID | None, supervisor: uuid.UUID | None
               ) -> dict[uuid.UUID, str]:
    """The roles a document gives the people it is about."""
    roles: dict[uuid.UUID, str] = {}
    if supervisor is not None:
        roles[supervisor] = SUPERVISOR
    if practitioner is not None:
        roles[practitioner] = PRACTITIONER
    return roles
