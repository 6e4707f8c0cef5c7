"""analysis/receivers.py `joined_with_str`: `.open()` on a receiver joined right there from a
name and a str (`(folder / "train.tsv").open(encoding="utf8")`, flair 0.15.1's BioBERT and TACRED
converters, whose folders are unannotated parameters) is a path's open: rewritten as a
Path's (the runtime calls any other receiver's own `open`). Other unknown receivers'
`.open` stay counted, unknown."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status


def _opens(code: str) -> list[tuple[Status, Reason | None]]:
    result = run_code(code)
    assert result.status is not FileStatus.FAILED, result.message
    return [(s.status, s.reason) for s in result.sites if s.family is Family.PATHLIB]


@pytest.mark.parametrize(
    ("code", "form"),
    [
        (
            "def f(d):\n    with (d / 'train.tsv').open(encoding='utf8') as f:\n        return f.read()\n",
            "storage.path_open(d / 'train.tsv', encoding='utf8')",
        ),
        (
            "def f(d, name):\n    with (d / f'{name}.conll').open('w') as f:\n        f.write('x')\n",
            "storage.path_open(d / f'{name}.conll', 'w', pin=True)",
        ),
        (
            "def f(d):\n    return (d / 'a' 'b').open('rb').read()\n",
            "storage.path_open(d / 'a' 'b', 'rb')",
        ),
        # an argument that may run code: the method is looked up first, as before
        (
            "def f(d):\n    return (d / 'a.txt').open(mode()).read()\n",
            "storage.path(d / 'a.txt', pin=True).open(mode())",
        ),
    ],
)
def test_a_receiver_joined_with_a_str_is_rewritten(code: str, form: str) -> None:
    assert _opens(code) == [(Status.PENDING, None)]
    new = run_code(code).new_source.decode()  # type: ignore[union-attr]
    assert form in new
    after = run_code(new)
    assert after.status is FileStatus.UNCHANGED
    assert [s.status for s in after.sites if s.family is Family.PATHLIB] == [Status.MIGRATED]


@pytest.mark.parametrize(
    "code",
    [
        "def f(store):\n    return store.open()\n",
        "def f(d, n):\n    return (d / n).open()\n",  # the right operand may be anything
        "def f(d):\n    return (d // 'a').open()\n",
        "def f(d):\n    return (d + 'a').open()\n",
        "def f(d):\n    return d.joinpath('a').open()\n",
        # an attribute on the left: the class decides (package facts, re-annotations)
        "class A:\n    def f(self):\n        return (self._path / 'x').open()\n",
        "def f(d):\n    return (d.root / 'x').open()\n",
    ],
)
def test_other_unknown_receivers_stay_counted(code: str) -> None:
    assert _opens(code) == [(Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)]


def test_not_sites_stay_no_sites() -> None:
    # a call that cannot bind to pathlib's open is another library's (an fsspec filesystem)
    assert _opens("def f(fs, d):\n    return (d / 'a').open('a.txt', mode='rb')\n") == []
    assert _opens("import zipfile\n\nzipfile.ZipFile(p).open('m')\n") == []


def _lifecycle(code: str) -> list[tuple[str, Status, Reason | None]]:
    result = run_code(code)
    assert result.status is not FileStatus.FAILED, result.message
    return [(s.name, s.status, s.reason) for s in result.sites if s.family is Family.LIFECYCLE]


@pytest.mark.parametrize(
    ("code", "form"),
    [
        ("def f(d):\n    (d / 'old.bin').unlink()\n", "storage.path_unlink(d / 'old.bin')"),
        ("def f(d, t):\n    (d / f'{t}.tmp').replace(d / 'final')\n",
         "storage.path(d / f'{t}.tmp', pin=True).replace(d / 'final')"),  # `/` may run code: lookup first
        ("def f(d):\n    (d / 'a').rename('b')\n", "storage.path_rename(d / 'a', 'b', pin=True)"),
        ("def f(d):\n    (d / 'stamp').touch()\n", "storage.path_touch(d / 'stamp', pin=True)"),
    ],
)
def test_lifecycle_methods_on_a_joined_receiver_are_a_paths(code: str, form: str) -> None:
    # replace/rename/touch are looked at where pathlib is imported (prefilter.py)
    code = "from pathlib import Path\n\n\n" + code
    (site,) = _lifecycle(code)
    assert site[1:] == (Status.PENDING, None), site
    new = run_code(code).new_source.decode()  # type: ignore[union-attr]
    assert form in new, new
    after = run_code(new)
    assert after.status is FileStatus.UNCHANGED
    assert [s.status for s in after.sites if s.family is Family.LIFECYCLE] == [Status.MIGRATED]


@pytest.mark.parametrize(
    ("code", "counted"),
    [
        ("def f(p):\n    p.unlink()\n", True),  # counted, unknown
        ("def f(d, n):\n    (d / n).unlink()\n", True),
        ("class A:\n    def f(self):\n        (self._d / 'x').unlink()\n", True),
        ("def f(s):\n    return s.replace('a', 'b')\n", False),  # str.replace: no site
        ("def f(d, n):\n    return (d / n).rename('b')\n", False),
    ],
)
def test_other_unknown_lifecycle_receivers_stay_as_they_were(code: str, counted: bool) -> None:
    sites = _lifecycle("from pathlib import Path\n\n\n" + code)
    assert [s[1:] for s in sites] == ([(Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)] if counted else [])
