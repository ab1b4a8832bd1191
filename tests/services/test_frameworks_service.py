from __future__ import annotations

from pathlib import Path

import pytest

from qa_audit.errors import FrameworkConflict, FrameworkError, PermissionDenied
from qa_audit.services import frameworks
from qa_audit.services.accounts import system_actor

MINI = Path(__file__).parent.parent / "fixtures" / "mini.yaml"


def test_import_is_idempotent_and_conflicts_are_refused(store, tmp_path) -> None:
    admin = system_actor()
    first = frameworks.import_framework_file(store, admin, MINI)
    assert first.created
    again = frameworks.import_framework_file(store, admin, MINI)
    assert not again.created and again.version.id == first.version.id
    changed = tmp_path / "changed.yaml"
    changed.write_text(MINI.read_text().replace("seen alone where safe", "seen alone"))
    with pytest.raises(FrameworkConflict, match="new version"):
        frameworks.import_framework_file(store, admin, changed)
    assert len(frameworks.list_versions(store)) == 1
    bumped = tmp_path / "bumped.yaml"
    bumped.write_text(changed.read_text().replace('version: "1"', 'version: "2"'))
    assert frameworks.import_framework_file(store, admin, bumped).created
    assert [v.version for v in frameworks.latest_versions(store)] == ["2"]


def test_snapshot_round_trips(store) -> None:
    from qa_audit.domain.loader import load_framework

    fw = load_framework(MINI)
    info = frameworks.import_framework(store, system_actor(), fw).version
    back = frameworks.get_framework(store, info.id)
    assert back == fw and back.sha256() == info.sha256


def test_invalid_file_imports_nothing(store, tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: qa-audit/framework@1\nid: x\n")
    with pytest.raises(FrameworkError):
        frameworks.import_framework_file(store, system_actor(), bad)
    assert frameworks.list_versions(store) == []


def test_fca_cannot_import(world) -> None:
    with pytest.raises(PermissionDenied):
        frameworks.import_framework_file(world.store, world.fca, MINI)


@pytest.mark.parametrize("weak", ["short", "password123", "Qwertyuiop", "aaaaaaaaaaaa",
                                  "1234567890", "ababababab"])
def test_weak_passwords_are_refused(weak) -> None:
    from qa_audit.errors import InvalidInput
    from qa_audit.services.accounts import check_password_strength

    with pytest.raises(InvalidInput):
        check_password_strength(weak)
    check_password_strength("river lantern parcel")


def test_a_framework_version_is_read_and_parsed_once(store, tmp_path) -> None:
    from qa_audit.errors import NotFound, StoreError
    from qa_audit.services.database import Store

    vid = frameworks.import_framework_file(store, system_actor(), MINI).version.id
    first = frameworks.get_framework(store, vid)
    assert frameworks.get_framework(store, vid) is first
    # A store nobody has signed in to refuses every read; the cached version needs none.
    locked = Store(None, path=tmp_path / "locked.db")
    assert frameworks.get_framework(locked, vid) is first
    import uuid

    with pytest.raises(StoreError):
        frameworks.get_framework(locked, uuid.uuid4())  # not cached: it must read
    with pytest.raises(NotFound):
        frameworks.get_framework(store, uuid.uuid4())
