"""publish_after after a `with` statement: a handle-returning writer of the third-party
table opened for writing, or a kept NamedTemporaryFile(delete=False), is published on
the line after its `with` only where that is exact; every shape that is not (a read or
unknown mode, `**kwargs`, a path that is not a name or literal, a path rebound, deleted
or rebindable through `global` in the block, a block left early, the same path open in
an enclosing `with`, a temp file deleted on close or with a `delete=` that is not a
literal) stays what it was. A second run changes nothing; `coverage` and `apply` agree
(CLI); json/pickle calls on the handle follow it."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from codemod_cases import pending, run_code
from migrate_storage.codemods.cli.main import main
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status, Strategy
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

PIN = FilePolicy(strategy=Strategy.PIN)
WRITER = (Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)
READER = (Status.UNMIGRATED, Reason.THIRD_PARTY_READER)
UNSUPPORTED = (Status.UNMIGRATED, Reason.UNSUPPORTED_FAMILY)
PUBLISHED = (Status.PENDING, None)


def _sites(code: str, name: str, policy: FilePolicy = PIN) -> tuple[Any, list[tuple[Status, Any]]]:
    result = run_code(code, policy)
    assert result.status is not FileStatus.FAILED, result.message
    return result, [(s.status, s.reason) for s in result.sites if s.name == name]


def _rewritten(code: str, policy: FilePolicy = PIN) -> str:
    """The rewrite of `code`, checked stable: a second run changes nothing and leaves no
    site pending."""
    result = run_code(code, policy)
    assert result.status is FileStatus.CHANGED, result.message
    assert result.new_source is not None
    again = transform_source(result.new_source, "mod.py", policy)
    assert again.status is FileStatus.UNCHANGED, again.message
    assert pending(again) == []
    return result.new_source.decode()


# -- rewritten ----------------------------------------------------------------------------

REWRITTEN = {
    "tarfile-w:gz": (
        ('import tarfile\n\ndef pack(out, src):\n    with tarfile.open(out, "w:gz") as tar:\n'
        "        tar.add(src)\n    return out\n"),
        "tarfile.open",
        "        tar.add(src)\n    storage.publish(out, pin=True)\n    return out\n",
    ),
    "zipfile-mode-keyword": (
        ('import zipfile\n\ndef z(path):\n    with zipfile.ZipFile(path, mode="a") as zf:\n'
        '        zf.writestr("a", "b")\n'),
        "zipfile.ZipFile",
        '        zf.writestr("a", "b")\n    storage.publish(path, pin=True)\n',
    ),
    "h5py-r+": (
        'import h5py\n\ndef h(p):\n    with h5py.File(p, "r+") as f:\n        f["x"] = 1\n',
        "h5py.File",
        '        f["x"] = 1\n    storage.publish(p, pin=True)\n',
    ),
    "lzma-literal-module-level": (
        'import lzma\n\nwith lzma.open("notes.xz", "wt") as f:\n    f.write("x")\n',
        "lzma.open",
        '    f.write("x")\nstorage.publish("notes.xz", pin=True)\n',
    ),
    "one-line-body": (
        'import bz2\n\ndef b(p):\n    with bz2.BZ2File(p, "wb") as f: f.write(b"x")\n',
        "bz2.BZ2File",
        '    with bz2.BZ2File(p, "wb") as f: f.write(b"x")\n    storage.publish(p, pin=True)\n',
    ),
    "comment-after-the-body": (
        ('import gzip\n\ndef g(p):\n    with gzip.open(p, "ab") as f:\n        f.write(b"x")\n'
        "        # appended\n\n    return p\n"),
        "gzip.open",
        '        f.write(b"x")\n        # appended\n    storage.publish(p, pin=True)\n\n    return p\n',
    ),
    "break-of-a-loop-inside-the-block": (
        ('import zipfile\n\ndef z(p, rows):\n    with zipfile.ZipFile(p, "w") as zf:\n'
        "        for row in rows:\n            if not row:\n                break\n"
        '            zf.writestr(row, row)\n        else:\n            zf.writestr("end", "")\n'),
        "zipfile.ZipFile",
        '            zf.writestr("end", "")\n    storage.publish(p, pin=True)\n',
    ),
    "return-in-a-nested-function": (
        ('import tarfile\n\ndef t(p):\n    with tarfile.open(p, "x") as tar:\n'
        "        def name(info):\n            return info\n        tar.add(p, filter=name)\n"),
        "tarfile.open",
        "        tar.add(p, filter=name)\n    storage.publish(p, pin=True)\n",
    ),
    "comprehension-variable-of-the-same-name": (
        ('import tarfile\n\ndef t(p, xs):\n    with tarfile.open(p, "w") as tar:\n'
        "        names = [p for p in xs]\n"),
        "tarfile.open",
        "        names = [p for p in xs]\n    storage.publish(p, pin=True)\n",
    ),
    "kept-temporary-file": (
        ("import tempfile\n\ndef dump(text):\n"
        '    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".log") as f:\n'
        "        f.write(text)\n    return f.name\n"),
        "tempfile.NamedTemporaryFile",
        "        f.write(text)\n    storage.publish(f.name, pin=True)\n    return f.name\n",
    ),
    "kept-temporary-file-handed-to-a-script": (
        ("import tempfile\n\ndef hook(script):\n"
        "    with tempfile.NamedTemporaryFile(delete=False, mode='wb', suffix='.py') as f:\n"
        "        f.write(script)\n    run_script(f.name)\n"),
        "tempfile.NamedTemporaryFile",
        "        f.write(script)\n    storage.publish(f.name, pin=True)\n    run_script(f.name)\n",
    ),
}


@pytest.mark.parametrize("case", sorted(REWRITTEN))
def test_published_after_the_with(case: str) -> None:
    code, name, expected = REWRITTEN[case]
    _, sites = _sites(code, name)
    assert sites == [PUBLISHED], case
    new = _rewritten(code)
    assert expected in new, new
    assert new.count("storage.publish(") == 1
    # a mode that keeps the file's content, or refuses one that exists, restores it
    # first, where the path stands
    appending = re.search(r', (?:mode=)?"(?:a|ab|r\+|x)"\)', code) is not None
    assert ("storage.restored(" in new) is appending, new
    assert _without_added_lines(new) == code  # everything else stays as written


def _without_added_lines(new: str) -> str:
    return re.sub(r"storage\.restored\(([^()]*)\)", r"\1", "".join(
        line
        for line in new.splitlines(keepends=True)
        if "storage.publish(" not in line and line != "from storage_runtime import storage\n"
    ))


def test_several_writer_items_are_published_in_item_order() -> None:
    code = (
        "import gzip, tarfile\n\ndef both(a, b):\n"
        '    with (tarfile.open(a, "w") as t, open(a + ".log") as log, gzip.open(b, "wb") as g):\n'
        "        t.add(log.name)\n        g.write(b'x')\n    return a\n"
    )
    new = _rewritten(code)
    assert new.endswith(
        "        g.write(b'x')\n    storage.publish(a, pin=True)\n"
        "    storage.publish(b, pin=True)\n    return a\n"
    ), new
    # A publish already there for one of them: only the other is added.
    half = code.replace("    return a\n", "    storage.publish(b, pin=True)\n    return a\n")
    half = "from storage_runtime import storage\n" + half
    _, sites = _sites(half, "gzip.open")
    assert sites == [(Status.MIGRATED, None)]
    assert _sites(half, "tarfile.open")[1] == [PUBLISHED]
    assert "storage.publish(a, pin=True)\n    storage.publish(b, pin=True)" in _rewritten(half)


def test_nested_writers_each_publish_after_their_own_with() -> None:
    code = (
        "import tarfile, zipfile\n\ndef both(a, b):\n"
        '    with tarfile.open(a, "w") as t:\n        with zipfile.ZipFile(b, "w") as z:\n'
        '            z.writestr("x", "y")\n        t.add(b)\n'
    )
    new = _rewritten(code)
    assert (
        '            z.writestr("x", "y")\n        storage.publish(b, pin=True)\n'
        "        t.add(b)\n    storage.publish(a, pin=True)\n"
    ) in new, new


def test_the_publish_goes_after_every_comment_line_that_ends_the_block() -> None:
    """LibCST keeps trailing comments in the footers of the blocks that end the `with`
    (its own, and its last compound statement's, recursively): the publish goes after
    them all, and the safety check's region reaches them."""
    code = (
        "import tarfile\n\ndef f(p, a, x):\n    with tarfile.open(p, 'w') as t:\n"
        "        if x:\n            t.add(a)\n        elif a:\n            pass\n"
        "        else:\n            try:\n                t.add(x)\n            finally:\n"
        "                pass\n                # deep in finally\n\n"
        "        # body-level comment\n    # outer comment\n    return p\n"
    )
    new = _rewritten(code)
    assert _without_added_lines(new) == code
    assert "        # body-level comment\n    storage.publish(p, pin=True)\n" in new, new


def test_a_function_cut_out_of_the_block_keeps_the_lines_exact() -> None:
    """A function inside a module-level `with` (not its last statement) is cut out before
    parsing (pipeline/prune.py): the publish still lands after the block."""
    code = (
        "import zipfile\n\nwith zipfile.ZipFile('out.zip', 'w') as z:\n"
        "    def helper():\n        x = 1\n        y = 2\n        # trailing\n"
        "        return x + y\n\n    z.writestr('a', str(helper()))\n    # end of block\n"
        "\nprint('done')\n"
    )
    new = _rewritten(code)
    assert "    # end of block\nstorage.publish('out.zip', pin=True)\n\nprint" in new, new
    assert _without_added_lines(new) == code


def test_a_block_that_ends_with_a_function_is_left_counted() -> None:
    """A module-level `with` whose body ends with a function: the pruner may cut that
    function's body before parsing, so the block's last line is not known."""
    code = (
        "import zipfile\n\nwith zipfile.ZipFile('out.zip', 'w') as z:\n"
        "    z.writestr('a', 'b')\n\n    def helper():\n        x = 1\n"
        "        y = 2\n        # trailing\n        return x + y\n"
        "\nprint(helper())\n"
    )
    result, sites = _sites(code, "zipfile.ZipFile")
    assert sites == [WRITER]
    assert result.status is FileStatus.UNCHANGED, result.message


# -- left as they were ---------------------------------------------------------------------

UNCHANGED = {
    # Readers are never published after; their path is restored first (restore_before).
    "read-mode": ('import tarfile\n\ndef t(p):\n    with tarfile.open(p, "r:gz") as t:\n        t.list()\n', "tarfile.open", (Status.PENDING, None)),
    "default-mode-reads": ("import bz2\n\ndef z(p):\n    with bz2.BZ2File(p) as z:\n        z.read()\n", "bz2.BZ2File", (Status.PENDING, None)),
    "unknown-mode": ("import gzip\n\ndef g(p, m):\n    with gzip.open(p, m) as f:\n        f.write(b'x')\n", "gzip.open", WRITER),
    "kwargs": ('import tarfile\n\ndef t(p, **kw):\n    with tarfile.open(p, "w", **kw) as t:\n        pass\n', "tarfile.open", WRITER),
    "attribute-path": ('import h5py\n\ndef h(self):\n    with h5py.File(self.path, "w") as f:\n        pass\n', "h5py.File", WRITER),
    "call-path": ('import gzip\n\ndef g(d):\n    with gzip.open(make(d), "wb") as f:\n        pass\n', "gzip.open", WRITER),
    "f-string-path": ('import gzip\n\ndef g(d):\n    with gzip.open(f"{d}/x.gz", "wb") as f:\n        pass\n', "gzip.open", WRITER),
    "rebound-by-a-loop": ('import gzip\n\ndef g(p, rows):\n    with gzip.open(p, "wt") as f:\n        for p in rows:\n            f.write(p)\n', "gzip.open", WRITER),
    "rebound-by-an-item": ('import tarfile\n\ndef t(p):\n    with tarfile.open(p, "w") as t, open("x") as p:\n        pass\n', "tarfile.open", WRITER),
    "rebound-by-except-as": ('import tarfile\n\ndef t(p):\n    with tarfile.open(p, "w") as t:\n        try:\n            t.add("x")\n        except OSError as p:\n            pass\n', "tarfile.open", WRITER),
    "rebound-by-walrus": ('import tarfile\n\ndef t(p):\n    with tarfile.open(p, "w") as t:\n        t.add((p := "x"))\n', "tarfile.open", WRITER),
    **{
        f"rebound-by-{kind}": (
            f'import tarfile\n\ndef t(p, xs):\n    with tarfile.open(p, "w") as t:\n{body}',
            "tarfile.open",
            WRITER,
        )
        for kind, body in {
            "match-capture": "        match xs:\n            case [p, *_]:\n                pass\n",
            "match-star": "        match xs:\n            case [_, *p]:\n                pass\n",
            "match-rest": "        match xs:\n            case {'k': 1, **p}:\n                pass\n",
            "match-as": "        match xs:\n            case str() as p:\n                pass\n",
            "import": "        import p\n",
            "def": "        def p():\n            pass\n",
            "class": "        class p:\n            pass\n",
            "star-assignment": "        a, *p = xs\n",
            "augmented-assignment": "        p += '.x'\n",
            "annotated-assignment": "        p: str = 'x'\n",
            "exec": "        exec('p = 1')\n",
            "globals": "        globals()['p'] = 1\n",
        }.items()
    },
    "deleted": ('import tarfile\n\ndef t(q):\n    with tarfile.open(q, "w") as t:\n        del q\n', "tarfile.open", WRITER),
    "nonlocal-in-a-nested-function": ('import tarfile\n\ndef t(q):\n    def other():\n        nonlocal q\n        q = "x"\n    with tarfile.open(q, "w") as t:\n        other()\n', "tarfile.open", WRITER),
    "global-in-another-function": ('import tarfile\n\np = "a.tar"\n\ndef g():\n    global p\n    p = "b.tar"\n\ndef t():\n    with tarfile.open(p, "w") as t:\n        g()\n', "tarfile.open", WRITER),
    # LibCST records these as reads of the global: a call in the block may run them.
    "deleted-through-global-in-another-function": ('import tarfile\n\np = "a.tar"\n\ndef g():\n    global p\n    del p\n\ndef t():\n    with tarfile.open(p, "w") as t:\n        g()\n', "tarfile.open", WRITER),
    "deleted-in-a-tuple-through-global": ('import tarfile\n\np = "a.tar"\n\ndef g():\n    global p\n    del (x, p)\n\ndef t():\n    with tarfile.open(p, "w") as t:\n        g()\n', "tarfile.open", WRITER),
    "captured-through-global-in-another-function": ('import tarfile\n\np = "a.tar"\n\ndef g(v):\n    global p\n    match v:\n        case str() as p:\n            pass\n\ndef t():\n    with tarfile.open(p, "w") as t:\n        g("b.tar")\n', "tarfile.open", WRITER),
    "temp-handle-deleted-through-nonlocal": ("import tempfile\n\ndef t():\n    with tempfile.NamedTemporaryFile('w', delete=False) as f:\n        def drop():\n            nonlocal f\n            del f\n        drop()\n    return 1\n", "tempfile.NamedTemporaryFile", UNSUPPORTED),
    "early-return": ('import zipfile\n\ndef z(p, items):\n    with zipfile.ZipFile(p, "w") as z:\n        if not items:\n            return None\n        z.writestr("a", items[0])\n', "zipfile.ZipFile", WRITER),
    "early-return-in-a-nested-with": ('import zipfile\n\ndef z(p, q):\n    with zipfile.ZipFile(p, "w") as z:\n        with open(q) as f:\n            return f.read()\n', "zipfile.ZipFile", WRITER),
    "break-of-an-outer-loop": ('import gzip\n\ndef g(ps):\n    for p in ps:\n        with gzip.open(p, "wb") as f:\n            if f:\n                break\n', "gzip.open", WRITER),
    "continue-in-a-for-else": ('import gzip\n\ndef g(ps, q):\n    for p in ps:\n        with gzip.open(q, "wb") as f:\n            for x in p:\n                f.write(x)\n            else:\n                continue\n', "gzip.open", WRITER),
    "same-path-open-around": ('import gzip\n\ndef g(p):\n    with open(p, "ab") as log:\n        with gzip.open(p, "ab") as f:\n            f.write(b"x")\n', "gzip.open", WRITER),
    "inside-another-call": ('import contextlib, tarfile\n\ndef t(p):\n    with contextlib.closing(tarfile.open(p, "w")) as t:\n        pass\n', "tarfile.open", WRITER),
    # closed on a line of its own is published after that line (_after_finally.py); closed
    # only under an `if`, nothing says when
    "not-a-with": ('import tarfile\n\ndef t(p, c):\n    tar = tarfile.open(p, "w")\n    if c:\n        tar.close()\n', "tarfile.open", WRITER),
    "no-with-write-modes-sqlite": ('import sqlite3\n\ndef s(p):\n    with sqlite3.connect(p) as c:\n        c.execute("x")\n', "sqlite3.connect", WRITER),
    "temp-deleted-on-close": ("import tempfile\n\ndef t():\n    with tempfile.NamedTemporaryFile('w', delete=True) as f:\n        f.write('x')\n", "tempfile.NamedTemporaryFile", (Status.LOCAL, Reason.TEMPORARY_FILE)),
    "temp-delete-not-literal": ("import tempfile\n\ndef t(keep):\n    with tempfile.NamedTemporaryFile('w', delete=not keep) as f:\n        f.write('x')\n    return f.name\n", "tempfile.NamedTemporaryFile", UNSUPPORTED),
    # only the name is taken: something else fills the file later; published after the
    # `with` it would reach other workers empty
    # the handle serves only for its name: a reservation, scratch's (`_handle_only_named`)
    "temp-only-its-name-taken": ("import tempfile\n\ndef t(names):\n    with tempfile.NamedTemporaryFile(delete=False, dir='.') as f:\n        names.append(f.name)\n    return names\n", "tempfile.NamedTemporaryFile", (Status.LOCAL, Reason.TEMPORARY_FILE)),
    "temp-without-as": ("import tempfile\n\ndef t():\n    with tempfile.NamedTemporaryFile('w', delete=False):\n        pass\n", "tempfile.NamedTemporaryFile", UNSUPPORTED),
    "temp-handle-rebound": ("import tempfile\n\ndef t():\n    with tempfile.NamedTemporaryFile('w', delete=False) as f:\n        f = None\n", "tempfile.NamedTemporaryFile", UNSUPPORTED),
    "temp-early-return": ("import tempfile\n\ndef t(x):\n    with tempfile.NamedTemporaryFile('w', delete=False) as f:\n        if x:\n            return f.name\n        f.write(x)\n    return f.name\n", "tempfile.NamedTemporaryFile", UNSUPPORTED),
    "temp-replaced-into-place-is-scratch": ("import os, tempfile\n\ndef t(dst):\n    with tempfile.NamedTemporaryFile('w', delete=False, dir='.') as f:\n        f.write('x')\n    os.replace(f.name, dst)\n", "tempfile.NamedTemporaryFile", (Status.LOCAL, Reason.TEMPORARY_FILE)),
    "temp-kwargs": ("import tempfile\n\ndef t(**kw):\n    with tempfile.NamedTemporaryFile(delete=False, **kw) as f:\n        pass\n    return f.name\n", "tempfile.NamedTemporaryFile", UNSUPPORTED),
    "temp-kwargs-first": ("import tempfile\n\ndef t(**kw):\n    with tempfile.NamedTemporaryFile(**kw, delete=False) as f:\n        pass\n    return f.name\n", "tempfile.NamedTemporaryFile", UNSUPPORTED),
}


@pytest.mark.parametrize("case", sorted(UNCHANGED))
def test_left_as_it_was(case: str) -> None:
    code, name, expected = UNCHANGED[case]
    result, sites = _sites(code, name)
    assert sites == [expected], case
    assert "storage.publish" not in (result.new_source or b"").decode(), case


def test_the_rules_and_secret_literals_decide() -> None:
    code = 'import tarfile\n\ndef t(p):\n    with tarfile.open(p, "w") as t:\n        pass\n'
    cache = FilePolicy(strategy=Strategy.CACHE)
    assert "    storage.publish(p, pin=False)\n" in _rewritten(code, cache)
    for policy, expected in (
        (FilePolicy(strategy=Strategy.LOCAL), (Status.LOCAL, Reason.LOCAL_RULE)),
        (FilePolicy(excluded=True), (Status.UNMIGRATED, Reason.EXCLUDED_FILE)),
        (
            FilePolicy(strategy=Strategy.PIN, families=(Family.JSON,), fallback=Strategy.LOCAL),
            (Status.LOCAL, Reason.LOCAL_RULE),
        ),
    ):
        result, sites = _sites(code, "tarfile.open", policy)
        assert sites == [expected], policy
        assert result.status is not FileStatus.CHANGED
    secret = 'import zipfile\n\nwith zipfile.ZipFile("id_rsa", "w") as z:\n    pass\n'
    result, sites = _sites(secret, "zipfile.ZipFile")
    assert sites == [(Status.LOCAL, Reason.SECRET_PATH)]
    assert result.status is FileStatus.UNCHANGED


def test_json_and_pickle_on_the_handle_follow_it() -> None:
    code = (
        "import gzip, json, pickle, tempfile\n\n"
        'with gzip.open("data.json.gz", "wt") as f:\n    json.dump(obj, f)\n\n'
        "def keep(obj):\n    with tempfile.NamedTemporaryFile(delete=False) as h:\n"
        "        pickle.dump(obj, h)\n    return h.name\n\n"
        'def read(p):\n    with gzip.open(p, "rt") as r:\n        return json.load(r)\n'
    )
    result = run_code(code)
    follow = [(s.name, s.status, s.reason) for s in result.sites if s.family in (Family.JSON, Family.PICKLE)]
    assert follow == [
        ("json.dump", Status.PENDING, None),
        ("pickle.dump", Status.PENDING, None),
        # a reader's handle: restore_before restores its file first, the load follows it
        ("json.load", Status.PENDING, None),
    ]
    new = _rewritten(code)
    assert "    json.dump(obj, f)\n" in new and "        pickle.dump(obj, h)\n" in new
    after = run_code(new)
    assert [s.status for s in after.sites if s.family in (Family.JSON, Family.PICKLE)] == [
        Status.MIGRATED, Status.MIGRATED, Status.MIGRATED,
    ]
    # The with's writer left counted (an early return): the dump is what it was.
    early = code.replace("        pickle.dump(obj, h)\n", "        pickle.dump(obj, h)\n        return 1\n")
    assert [(s.name, s.reason) for s in run_code(early).sites if s.name == "pickle.dump"] == [
        ("pickle.dump", Reason.HANDLE_NOT_MIGRATED)
    ]


# -- coverage and apply agree ----------------------------------------------------------------

_TREE = {
    "pkg/__init__.py": "",
    "pkg/export.py": """\
        import gzip
        import json
        import tarfile
        import tempfile
        import zipfile


        def pack(out, src):
            with tarfile.open(out, "w:gz") as tar:
                tar.add(src)
            return out


        def rows(path, items):
            with gzip.open(path, "wt") as handle:
                json.dump(items, handle)


        def log(*lines):
            with tempfile.NamedTemporaryFile("w", delete=False, suffix=".log") as f:
                f.writelines(lines)
            return f.name


        def first(path, items):
            with zipfile.ZipFile(path, "w") as z:
                for item in items:
                    z.writestr(item, item)
                    return item


        def read(path):
            with tarfile.open(path) as tar:
                return tar.getnames()
        """,
}


def _cli(*args: str) -> Any:
    return CliRunner().invoke(main, ["--jobs", "1", "--no-cache", *args], catch_exceptions=False)


def _statuses() -> dict[tuple[str, str, str], int]:
    result = _cli("coverage", "pkg", "--format", "json")
    assert result.exit_code == 0, result.stderr
    counts: dict[tuple[str, str, str], int] = {}
    for entry in json.loads(result.stdout)["files"].values():
        for site in entry["sites"]:
            key = (site["family"], site["name"], site["status"])
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_coverage_and_apply_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "proj"
    for rel, text in _TREE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    monkeypatch.chdir(root)
    before = _statuses()
    assert before == {
        ("third-party", "tarfile.open", "pending"): 2,  # a writer, and a reader restored
        ("third-party", "gzip.open", "pending"): 1,
        ("json", "json.dump", "pending"): 1,
        ("third-party", "tempfile.NamedTemporaryFile", "pending"): 1,
        ("third-party", "zipfile.ZipFile", "unmigrated"): 1,  # left early
    }, before
    assert _cli("apply", "--check", "pkg").exit_code == 1  # changes pending
    first = _cli("apply", "pkg")
    assert first.exit_code == 0, first.stderr
    # pending == rewritten: the three publishes, the dump through the gzip handle and the
    # reader's restore
    assert "Rewrote 5 sites: json/cache 1, third-party/cache 4." in first.stderr, first.stderr
    assert _cli("apply", "pkg").stderr.count("rewrote") == 0
    assert _cli("check", "pkg").exit_code == 0
    assert _cli("apply", "--check", "pkg").exit_code == 0
    after = _statuses()
    assert after == {
        (family, name, "migrated" if status == "pending" else status): n
        for (family, name, status), n in before.items()
    }, after
    assert (root / "pkg/export.py").read_text().count("storage.publish(") == 3
