"""Which databases the app may ask the password for before loading the database layer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from qa_audit.services import launch
from qa_audit.services.database import Store
from qa_audit.store.files import key_file_for


def test_only_an_existing_encrypted_file_with_its_key_file_signs_in_first(
        tmp_path: Path) -> None:
    encrypted = tmp_path / "enc.db"
    Store.open(encrypted).close()
    clear = tmp_path / "clear.db"
    Store.open(clear, encrypt=False).close()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    lost_keys = tmp_path / "lost.db"
    Store.open(lost_keys).close()
    key_file_for(lost_keys).unlink()

    assert launch.sign_in_first(encrypted) == encrypted.resolve()
    assert launch.sign_in_first(str(encrypted)) == encrypted.resolve()
    assert launch.sign_in_first(clear) is None  # clear-text: opened (and maybe set up) first
    assert launch.sign_in_first(tmp_path / "new.db") is None  # new: first-run setup
    assert launch.sign_in_first(empty) is None
    assert launch.sign_in_first(lost_keys) is None  # the open store explains what is wrong
    assert launch.sign_in_first(tmp_path) is None  # a folder
    assert launch.sign_in_first("postgresql://qa@localhost/qa") is None


def test_launch_module_loads_no_database_library_and_preload_does() -> None:
    code = ("import sys; import qa_audit.services.launch as l; "
            "print('sqlalchemy' in sys.modules); l.preload(); "
            "print(all(m in sys.modules for m in l.PRELOAD))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out == ["False", "True"]
