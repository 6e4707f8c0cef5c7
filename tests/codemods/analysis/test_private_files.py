"""analysis/private_files.py through the whole engine: a file its function makes
owner-only is LOCAL "private file" and never rewritten (so never published); the json call
on its handle follows; the negatives stay what they were."""

from __future__ import annotations

import textwrap

from migrate_storage.codemods.model import Reason, Status
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

CODE = textwrap.dedent(
    """\
    import json
    import os
    import stat
    from pathlib import Path


    def sign_key(f: str, key: bytes) -> None:
        with Path(f).open("wb") as fh:
            fh.write(key)
        Path(f).chmod(0o600)


    def token(p: Path, text: str) -> None:
        p.write_text(text)
        os.chmod(p, stat.S_IRUSR | stat.S_IWUSR)


    def private_json(path: str, obj) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f)


    def chmod_first(p: Path, text: str) -> None:
        p.touch()
        os.chmod(str(p), 0o400)
        p.write_text(text)


    def shared(p: Path, text: str) -> None:
        p.write_text(text)
        os.chmod(p, 0o644)


    def other_file(p: Path, q: Path, text: str) -> None:
        p.write_text(text)
        q.chmod(0o600)


    def mode_unknown(p: Path, text: str, mode: int) -> None:
        p.write_text(text)
        p.chmod(mode)


    def readable_by_group(path: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o640)
        with os.fdopen(fd, "w") as f:
            f.write("x")


    def elsewhere(p: Path, text: str) -> None:
        p.write_text(text)


    def later(p: Path) -> None:
        p.chmod(0o600)
    """
)

PRIVATE = {8, 14, 19, 20, 21, 27}


def test_a_file_made_owner_only_is_local_and_kept_as_written() -> None:
    result = transform_source(CODE.encode(), "m.py", FilePolicy(runtime_module="storage_runtime"))
    private = {s.line for s in result.sites if s.reason is Reason.PRIVATE_FILE}
    assert private == PRIVATE
    assert all(s.status is Status.LOCAL for s in result.sites if s.line in PRIVATE)
    # the negatives: a shared mode, another file, an unknown mode, a group-readable
    # os.open, a chmod in another function
    others = {s.line: s.status for s in result.sites if s.line not in PRIVATE}
    assert others[31] is Status.PENDING and others[36] is Status.PENDING
    assert others[41] is Status.PENDING and others[52] is Status.PENDING
    assert others[46] is Status.UNMIGRATED  # os.open with 0o640: not private
    new = (result.new_source or b"").decode()
    for line in sorted(PRIVATE):
        assert CODE.splitlines()[line - 1] in new.splitlines()  # kept byte for byte
    assert "    storage.write_text(p, text, pin=False)\n    os.chmod(p, 0o644)" in new


def test_an_owner_only_mode_held_in_a_module_constant() -> None:
    """huggingface_hub 2.4.0 `_write_secret`: `os.open(str(path), ..., _SECRET_FILE_MODE)`
    with `_SECRET_FILE_MODE = 0o600` at module level, then `os.fdopen(fd, "w")` (the
    token file). A constant bound twice, or to a group-readable mode, proves nothing."""
    code = textwrap.dedent(
        """\
        import os
        from pathlib import Path

        _SECRET_FILE_MODE = 0o600
        _SHARED = 0o644
        _TWICE = 0o600
        _TWICE = 0o644


        def write_secret(path: Path, content: str) -> None:
            fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _SECRET_FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(content)


        def shared(path: str) -> None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, _SHARED)
            os.close(fd)


        def twice(path: str) -> None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, _TWICE)
            os.close(fd)
        """
    )
    result = transform_source(code.encode(), "m.py", FilePolicy(runtime_module="storage_runtime"))
    reasons = {(s.line, s.name): s.reason for s in result.sites}
    assert reasons[(11, "os.open")] is Reason.PRIVATE_FILE
    assert reasons[(12, "os.fdopen")] is Reason.PRIVATE_FILE
    assert reasons[(17, "os.open")] is not Reason.PRIVATE_FILE
    assert reasons[(22, "os.open")] is not Reason.PRIVATE_FILE


def test_the_handle_of_a_private_descriptor_opened_in_place() -> None:
    """jupyter_core 5.9.1 `secure_write`: `os.fdopen(os.open(f, flags, 0o0600), "w")`;
    the same with a group-readable mode stays counted."""
    code = textwrap.dedent(
        """\
        import os


        def secure_write(fname, text):
            flags = os.O_CREAT | os.O_WRONLY | os.O_TRUNC
            with os.fdopen(os.open(fname, flags, 0o0600), "w", encoding="utf-8") as f:
                f.write(text)


        def shared_write(fname, text):
            flags = os.O_CREAT | os.O_WRONLY | os.O_TRUNC
            with os.fdopen(os.open(fname, flags, 0o644), "w") as f:
                f.write(text)
        """
    )
    result = transform_source(code.encode(), "m.py", FilePolicy(runtime_module="storage_runtime"))
    reasons = {(s.line, s.name): s.reason for s in result.sites}
    assert reasons[(6, "os.fdopen")] is Reason.PRIVATE_FILE
    assert reasons[(6, "os.open")] is Reason.PRIVATE_FILE
    assert reasons[(12, "os.fdopen")] is Reason.UNSUPPORTED_FAMILY
    assert reasons[(12, "os.open")] is Reason.UNSUPPORTED_FAMILY
