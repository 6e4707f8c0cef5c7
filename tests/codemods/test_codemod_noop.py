"""Code the codemods must leave exactly as it is (each docstring says why)."""

from __future__ import annotations

from codemod_cases import pending, run_code
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status, Strategy
from migrate_storage.codemods.policy import FilePolicy


def _unchanged(code: str, policy: FilePolicy | None = None):
    result = run_code(code, policy) if policy else run_code(code)
    assert result.status is FileStatus.UNCHANGED, result.new_source
    assert pending(result) == []
    return result


def test_local_function_named_open() -> None:
    """Should do nothing, since a module-level `def open` is not builtin open."""
    result = _unchanged("def open(p):\n    return p\n\nopen('x')\n")
    assert result.sites == ()


def test_variable_named_open() -> None:
    """Should do nothing, since `open` is a local variable here."""
    _unchanged("def f(opener, p):\n    open = opener\n    return open(p, 'w')\n")


def test_method_named_open_in_class_body() -> None:
    """Should do nothing, since inside the class body `open` is the method just defined."""
    _unchanged(
        "class A:\n    def open(self, p):\n        return p\n    x = open(None, 'w')\n"
    )


def test_tarfile_webbrowser() -> None:
    """Should do nothing, since these `.open` belong to modules that are not a Path;
    tarfile writes the file itself (a third-party writer: a mode held in a name may write,
    and a handle kept open is never published after)."""
    result = _unchanged(
        "import tarfile, webbrowser\n"
        "tarfile.open('a.tar', mode)\nwebbrowser.open('http://x')\n"
        "webbrowser.get('wslview %s').open(url)\n"
    )
    assert {(s.name, s.reason) for s in result.sites} == {
        ("tarfile.open", Reason.THIRD_PARTY_WRITER),
    }


def test_os_open_is_unsupported() -> None:
    """Should do nothing, since os.open is another family (reported): a descriptor that
    is dropped proves nothing (not a directory handle), and one that may write has no
    stand-in."""
    result = _unchanged("import os\nos.open('a', os.O_RDWR)\n")
    assert {(s.name, s.reason) for s in result.sites} == {
        ("os.open", Reason.UNSUPPORTED_FAMILY),
    }


def test_unknown_receiver() -> None:
    """Should do nothing, since `self.path` is not known to be a Path and `.open` is
    everybody's method name (read_text and its siblings are rewritten on any receiver)."""
    result = _unchanged(
        "class A:\n    def f(self):\n        return self.path.open()\n"
    )
    assert [s.reason for s in result.sites] == [Reason.RECEIVER_UNKNOWN]


def test_local_rule() -> None:
    """Should do nothing, since the file's rule says `local` (secrets stay on the machine)."""
    result = _unchanged(
        "open('secrets.key', 'wb').write(b'k')\n", FilePolicy(strategy=Strategy.LOCAL)
    )
    assert [(s.status, s.reason) for s in result.sites] == [
        (Status.LOCAL, Reason.LOCAL_RULE)
    ]


def test_excluded_file() -> None:
    """Should do nothing, since the file matches an `exclude` glob (sites still reported)."""
    result = _unchanged("open('a', 'w')\n", FilePolicy(excluded=True))
    assert [(s.status, s.reason) for s in result.sites] == [
        (Status.UNMIGRATED, Reason.EXCLUDED_FILE)
    ]


def test_local_rule_for_one_family_only() -> None:
    """Should do nothing to pathlib, since the rule makes only that family local."""
    policy = FilePolicy(
        strategy=Strategy.LOCAL, families=(Family.PATHLIB,), fallback=Strategy.PIN
    )
    result = run_code(
        "from pathlib import Path\nPath('a').write_text('x')\nopen('b', 'w')\n", policy
    )
    assert result.new_source is not None
    text = result.new_source.decode()
    assert "Path('a').write_text('x')" in text and "open('b', 'w', pin=True)" in text


def test_already_migrated() -> None:
    """Should do nothing, since every call already goes through the runtime."""
    result = _unchanged(
        "from storage_runtime import open, storage\n"
        "open('a', 'w', pin=True).close()\nstorage.write_text('b', 'x', pin=False)\n"
    )
    assert {s.status for s in result.sites} == {Status.MIGRATED}


def test_simplejson_handle_not_from_open() -> None:
    """Should do nothing, since simplejson is a look-alike and this handle is of unknown
    origin (a parameter's handle is the caller's: no site at all)."""
    result = _unchanged(
        "import simplejson\ndef f(obj):\n    simplejson.dump(obj, make())\n"
    )
    assert [(s.name, s.reason) for s in result.sites] == [
        ("simplejson.dump", Reason.RECEIVER_UNKNOWN)
    ]
    assert _unchanged("import simplejson\ndef f(obj, fh):\n    simplejson.dump(obj, fh)\n").sites == ()


def test_stdout_is_not_a_file() -> None:
    """Should do nothing, since json.dump to sys.stdout writes no file."""
    assert _unchanged("import json, sys\njson.dump({}, sys.stdout)\n").sites == ()


def test_purepath() -> None:
    """Should do nothing, since a PurePath cannot read or write: not a site at all."""
    assert _unchanged("from pathlib import PurePath\nPurePath('a').read_text()\n").sites == ()
