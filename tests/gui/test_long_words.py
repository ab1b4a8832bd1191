"""A framework's text with words longer than any line (a title typed without spaces, in any
script) wraps: the editor never grows wider than the screen."""

from __future__ import annotations

from pathlib import Path

from qa_audit.domain.framework import AssessmentKind
from qa_audit.services import assessments, frameworks
from qa_audit.ui.editor import AssessmentEditor
from qa_audit.ui.wrapping import ZERO_WIDTH_SPACE, breakable

LONG = """
schema: qa-audit/framework@1
id: long-words
version: "1"
title: Long words
applies_to: [case_audit]
law_type: any
scale:
  grades:
    - {{code: G, label: Good, score: 2}}
    - {{code: B, label: Not yet good, score: 1}}
  not_applicable: {{allowed: true, label: Not applicable}}
overall: {{method: lowest}}
areas:
  - id: a
    title: {word}
    standards:
      - id: s1
        title: {word}
        statement: {word}
        guidance: {word}
        prompts: [{word}]
"""


def test_breakable_adds_only_invisible_breaks_and_keeps_clusters_whole() -> None:
    assert breakable("short words stay as they are") == "short words stay as they are"
    word = "ل" * 100
    assert breakable(word).replace(ZERO_WIDTH_SPACE, "") == word
    assert ZERO_WIDTH_SPACE in breakable(word)
    family = "👨\u200d👩\u200d👧" * 20  # joined emoji: never split inside a sequence
    for piece in breakable(family).split(ZERO_WIDTH_SPACE):
        assert not piece.startswith("\u200d") and not piece.endswith("\u200d")
    accented = "e\u0301" * 60  # a combining accent stays with its letter
    for piece in breakable(accented).split(ZERO_WIDTH_SPACE)[1:]:
        assert piece[0] == "e"


def test_a_5000_character_title_does_not_widen_the_editor(qtbot, world, tmp_path: Path
                                                          ) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(LONG.format(word="ل" * 5000), encoding="utf-8")
    version = frameworks.import_framework_file(world.store, world.admin, path).version
    aid = assessments.create_assessment(world.store, world.supervisor,
                                        AssessmentKind.CASE_AUDIT, version.id,
                                        world.fca.user_id, case_id=world.case_id)
    editor = AssessmentEditor(world.store, world.supervisor, aid)
    qtbot.addWidget(editor)
    editor.resize(1200, 800)
    editor.show()
    qtbot.waitExposed(editor)
    assert editor.minimumSizeHint().width() <= 1200
    assert editor.width() <= 1200
