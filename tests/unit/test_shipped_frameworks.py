"""Every shipped framework loads; the editors' JSON schema matches the loader's keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from qa_audit.domain.loader import load_framework
from qa_audit.errors import FrameworkError
from qa_audit.resources import shipped_frameworks

STANDARDS = Path(__file__).parents[2] / "standards"


def test_frameworks_are_shipped() -> None:
    names = {p.name for p in shipped_frameworks()}
    assert {"public-law-pqs.yaml", "private-law-pqs.yaml", "practice-observation.yaml"} <= names


@pytest.mark.parametrize("path", sorted(STANDARDS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_framework_loads_and_is_complete(path: Path) -> None:
    fw = load_framework(path)
    assert fw.areas and all(area.standards for area in fw.areas)
    for standard in fw.standards():
        assert standard.statement and standard.guidance and standard.prompts, standard.id
    assert fw.sha256() == load_framework(path).sha256()


def test_public_law_has_the_seven_published_areas() -> None:
    fw = load_framework(STANDARDS / "public-law-pqs.yaml")
    titles = " | ".join(a.title.lower() for a in fw.areas)
    for words in ("seeing and engaging with children", "before proceedings", "care plan",
                  "care orders at home", "special guardianship", "impact of delay", "iro"):
        assert words in titles


def test_hash_changes_with_content(tmp_path: Path) -> None:
    source = (STANDARDS / "practice-observation.yaml").read_text("utf-8")
    changed = tmp_path / "changed.yaml"
    changed.write_text(source.replace("Strong practice", "Strong"), "utf-8")
    assert load_framework(changed).sha256() != load_framework(
        STANDARDS / "practice-observation.yaml").sha256()


CORPUS = Path(__file__).parent / "framework_corpus"
SCHEMA = json.loads((STANDARDS / "framework.schema.json").read_text("utf-8"))
# Problems JSON Schema cannot express, written by hand from the loader's rules (DESIGN §3):
# uniqueness and order across list items, references from one part to another, and YAML's
# own duplicate keys (gone before there is a document to validate). For these the loader
# alone says no; the test checks the schema really does accept them, so that a schema that
# learns to catch one moves it out of this list.
LOADER_ONLY = {
    "09-duplicate-grade-code.yaml": "grade codes unique across the scale",
    "10-scores-not-decreasing.yaml": "scores strictly decreasing, best first",
    "11-unknown-limiting.yaml": "overall.limiting names a standard of the file",
    "12-unknown-evidence-grade.yaml": "evidence_required_below names a grade of the scale",
    "24-duplicate-standard.yaml": "standard ids unique across areas",
    "25-duplicate-yaml-key.yaml": "a key twice in one mapping (YAML keeps the last)",
    "31-duplicate-area.yaml": "area ids unique",
}
FRAMEWORK_FILES = sorted([*STANDARDS.glob("*.yaml"), *CORPUS.glob("*.yaml"),
                          Path(__file__).parents[1] / "fixtures" / "mini.yaml"])


def _schema_accepts(path: Path) -> bool:
    """The verdict of an editor that validates against framework.schema.json. A file that
    is not YAML at all gives it no document to accept. (libyaml, as the loader reads it:
    the pure-Python parser refuses a '?' inside a flow list that libyaml takes.)"""
    import jsonschema

    try:
        document = yaml.load(path.read_text("utf-8"),
                             Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return False
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return validator.is_valid(document)


def _loader_accepts(path: Path) -> bool:
    try:
        load_framework(path)
    except FrameworkError:
        return False
    return True


def test_the_schema_is_a_valid_json_schema() -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.name)
def test_the_schema_gives_the_loaders_verdict(path: Path) -> None:
    loader = _loader_accepts(path)
    schema = _schema_accepts(path)
    if path.name in LOADER_ONLY:
        assert (loader, schema) == (False, True), LOADER_ONLY[path.name]
    else:
        assert schema == loader, f"loader {'accepts' if loader else 'refuses'} it, " \
                                 f"the schema {'accepts' if schema else 'refuses'} it"


def test_shipped_files_and_the_corpus_cover_both_verdicts() -> None:
    verdicts = {_loader_accepts(p) for p in FRAMEWORK_FILES}
    assert verdicts == {True, False}
    assert set(LOADER_ONLY) <= {p.name for p in FRAMEWORK_FILES}


def test_grade_descriptions_are_kept_and_hashed_without_changing_older_hashes(
        tmp_path) -> None:
    from qa_audit.domain.framework import framework_from_dict
    from qa_audit.domain.loader import load_framework

    mini = Path(__file__).parents[1] / "fixtures" / "mini.yaml"
    # Stored versions are compared by this hash: it must not move when the model grows.
    assert load_framework(mini).sha256() == (
        "b633cd85c67eb25acc6c1d517041a56f8b0a2006baaef20e79e7718cc199ea14")
    described = tmp_path / "described.yaml"
    described.write_text(mini.read_text().replace(
        "{code: G, label: Good, score: 3}",
        '{code: G, label: Good, score: 3, description: "All indicators seen"}'))
    fw = load_framework(described)
    assert fw.scale.grade("G").description == "All indicators seen"
    assert fw.sha256() != load_framework(mini).sha256()
    again = framework_from_dict(fw.to_dict())
    assert again.scale.grade("G").description == "All indicators seen"
    assert again.sha256() == fw.sha256()
