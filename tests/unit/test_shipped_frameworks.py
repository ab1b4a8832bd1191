"""Every shipped framework loads; the editors' JSON schema matches the loader's keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_audit.domain.loader import load_framework
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


def test_schema_matches_the_loader() -> None:
    schema = json.loads((STANDARDS / "framework.schema.json").read_text("utf-8"))
    assert schema["required"] == ["schema", "id", "version", "title", "applies_to", "law_type",
                                  "scale", "areas"]
    allowed = set(schema["properties"])
    assert allowed == {"schema", "id", "version", "title", "description", "source",
                       "applies_to", "law_type", "scale", "overall", "context_fields", "areas"}
    standard = schema["properties"]["areas"]["items"]["properties"]["standards"]["items"]
    assert set(standard["properties"]) == {
        "id", "title", "statement", "guidance", "indicators", "prompts", "weight", "required",
        "evidence_required_below"}


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
