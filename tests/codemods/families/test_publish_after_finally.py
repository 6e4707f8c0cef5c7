"""publish_after after a `try` whose `finally` closes a writer (families/_after_finally.py):
`x = <handle writer>(path, <writing mode>)`, simple lines, then `try: ... finally:
x.close()` publishes the path on the line after the `try`, only where that is exact; a
close that may not run, an `except` clause, a rebinding, an early exit, a path that is
an expression the handle does not keep, stay what they were. A second run changes
nothing; `coverage` and `apply` agree (CLI)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from codemod_cases import pending, run_code
from migrate_storage.codemods.cli.main import main
from migrate_storage.codemods.model import FileStatus, Reason, Status, Strategy
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

PIN = FilePolicy(strategy=Strategy.PIN)
WRITER = (Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)
PUBLISHED = (Status.PENDING, None)


def _sites(code: str, name: str) -> tuple[Any, list[tuple[Status, Any]]]:
    result = run_code(code, PIN)
    assert result.status is not FileStatus.FAILED, result.message
    return result, [(s.status, s.reason) for s in result.sites if s.name == name]


def _rewritten(code: str) -> str:
    """The rewrite of `code`, checked stable: a second run changes nothing and leaves no
    site pending."""
    result = run_code(code, PIN)
    assert result.status is FileStatus.CHANGED, result.message
    assert result.new_source is not None
    again = transform_source(result.new_source, "mod.py", PIN)
    assert again.status is FileStatus.UNCHANGED, again.message
    assert pending(again) == []
    return result.new_source.decode()


def _without_added_lines(new: str) -> str:
    return "".join(
        line
        for line in new.splitlines(keepends=True)
        if "storage.publish(" not in line
        and line != "from storage_runtime import storage\n"
    )


# -- rewritten ----------------------------------------------------------------------------

REWRITTEN = {
    "tarfile-name-path": (
        (
            'import tarfile\n\ndef pack(out, src):\n    tar = tarfile.open(out, "w:gz")\n'
            "    try:\n        tar.add(src)\n    finally:\n        tar.close()\n    return out\n"
        ),
        "tarfile.open",
        "        tar.close()\n    storage.publish(out, pin=True)\n    return out\n",
    ),
    "gzip-literal-module-level": (
        (
            'import gzip\n\nf = gzip.open("notes.gz", "wt")\ntry:\n    f.write("x")\n'
            "finally:\n    f.close()\nprint(1)\n"
        ),
        "gzip.open",
        '    f.close()\nstorage.publish("notes.gz", pin=True)\nprint(1)\n',
    ),
    "expression-path-kept-on-the-handle": (
        (
            "from gzip import GzipFile\n\ndef pack(target, data):\n"
            '    gz = GzipFile(str(target), mode="wb")\n    try:\n        gz.write(data)\n'
            "    finally:\n        gz.close()\n"
        ),
        "gzip.GzipFile",
        "        gz.close()\n    storage.publish(gz.name, pin=True)\n",
    ),
    "tarfile-expression-path-absolute-name": (
        (
            'import os, tarfile\n\ndef pack(d, n, src):\n    t = tarfile.open(os.path.join(d, n), "w")\n'
            "    try:\n        t.add(src)\n    finally:\n        t.close()\n"
        ),
        "tarfile.open",
        "        t.close()\n    storage.publish(t.name, pin=True)\n",
    ),
    "lines-in-between-and-comments-after": (
        (
            'import zipfile\n\ndef z(p, items):\n    zf = zipfile.ZipFile(p, "w")\n    count = 0\n'
            "    # fill it\n    try:\n        for item in items:\n            zf.writestr(item, item)\n"
            "            count += 1\n    finally:\n        log('closing')\n"
            "        zf.close()\n        # closed\n\n    return count\n"
        ),
        "zipfile.ZipFile",
        "        # closed\n    storage.publish(p, pin=True)\n\n    return count\n",
    ),
    "close-among-others-on-one-line": (
        (
            'import bz2\n\ndef b(p, data):\n    f = bz2.BZ2File(p, "wb")\n    try:\n'
            "        f.write(data)\n    finally:\n        data = None; f.close()\n"
        ),
        "bz2.BZ2File",
        "        data = None; f.close()\n    storage.publish(p, pin=True)\n",
    ),
    "a-mode-chosen-by-a-conditional": (
        (
            'import lzma\n\ndef l(p, text, append):\n    f = lzma.open(p, "wb" if append else "wt")\n'
            "    try:\n        f.write(text)\n    finally:\n        f.close()\n"
        ),
        "lzma.open",
        "        f.close()\n    storage.publish(p, pin=True)\n",
    ),
}


@pytest.mark.parametrize("mode", ["at", "xt", "xt\" if p else \"wt"])
def test_an_appending_writer_before_a_try_is_counted(mode: str) -> None:
    """`f = lzma.open(p, "at")` keeps what the file holds (and "xt" refuses a file that
    exists): the file another worker published would have to be restored before it,
    which the `try`'s edit cannot reach (a `with` over it is restored and published:
    test_conditional_modes.py)."""
    code = (
        f'import lzma\n\ndef l(p, text):\n    f = lzma.open(p, "{mode}")\n'
        "    try:\n        f.write(text)\n    finally:\n        f.close()\n"
    )
    _, sites = _sites(code, "lzma.open")
    assert sites == [(Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)]


@pytest.mark.parametrize("case", sorted(REWRITTEN))
def test_published_after_the_try(case: str) -> None:
    code, name, expected = REWRITTEN[case]
    _, sites = _sites(code, name)
    assert sites == [PUBLISHED], case
    new = _rewritten(code)
    assert expected in new, new
    assert new.count("storage.publish(") == 1
    assert _without_added_lines(new) == code  # everything else stays as written


def test_the_flit_sdist_shape_publishes_the_gzip_file_once() -> None:
    """Two writers closed in one `finally`: the TarFile given `fileobj=gz` opens nothing
    (no site); the GzipFile's path is a call, so what it kept (`gz.name`) is published."""
    code = (
        "import tarfile\nfrom gzip import GzipFile\n\ndef build(target, files):\n"
        '    gz = GzipFile(str(target), mode="wb", mtime=1451606400)\n'
        '    tf = tarfile.TarFile(str(target), mode="w", fileobj=gz)\n'
        "    try:\n        for path in files:\n            tf.add(path)\n"
        "    finally:\n        tf.close()\n        gz.close()\n    return target\n"
    )
    new = _rewritten(code)
    assert new.endswith(
        "        gz.close()\n    storage.publish(gz.name, pin=True)\n    return target\n"
    ), new


def test_several_writers_closed_in_one_finally_are_published_in_order() -> None:
    code = (
        "import gzip, tarfile\n\ndef both(a, b):\n"
        '    t = tarfile.open(a, "w")\n    g = gzip.open(b, "wb")\n'
        "    try:\n        t.add(b)\n        g.write(b'x')\n"
        "    finally:\n        g.close()\n        t.close()\n    return a\n"
    )
    new = _rewritten(code)
    assert new.endswith(
        "        t.close()\n    storage.publish(a, pin=True)\n"
        "    storage.publish(b, pin=True)\n    return a\n"
    ), new


@pytest.mark.parametrize("use", ["str(helper())", "'b'"])
def test_a_module_level_try_with_a_function_cut_out_is_left_counted(use: str) -> None:
    """A function in a module-level `try` with no site is cut before parsing (its body a
    `...` line, or gone when nothing names it: pipeline/prune.py): the try's last source
    line is not known from the tree, so nothing is added (an added line would land inside
    the `finally`, or fail the safety check)."""
    code = (
        "import zipfile\n\nz = zipfile.ZipFile('out.zip', 'w')\ntry:\n"
        "    def helper():\n        x = 1\n        y = 2\n        return x + y\n\n"
        f"    z.writestr('a', {use})\nfinally:\n    z.close()\nprint('done')\n"
    )
    result, sites = _sites(code, "zipfile.ZipFile")
    assert sites == [WRITER]
    assert result.status is FileStatus.UNCHANGED, result.message


def test_a_function_cut_out_after_the_try_does_not_matter() -> None:
    code = (
        "import zipfile\n\nz = zipfile.ZipFile('out.zip', 'w')\ntry:\n"
        "    z.writestr('a', 'b')\nfinally:\n    z.close()\n\n\n"
        "def helper():\n    x = 1\n    y = 2\n    return x + y\nprint('done')\n"
    )
    new = _rewritten(code)
    assert (
        "    z.close()\nstorage.publish('out.zip', pin=True)\n\n\ndef helper" in new
    ), new


# -- left as they were ---------------------------------------------------------------------

_BODY = "    try:\n        t.add(s)\n    finally:\n        t.close()\n"
UNCHANGED = {
    "close-under-an-if": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        t.add(s)\n    finally:\n        if s:\n            t.close()\n',
    "close-in-a-nested-try": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        t.add(s)\n    finally:\n        try:\n            t.close()\n        except OSError:\n            pass\n',
    "close-in-the-body-only": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        t.add(s)\n        t.close()\n    finally:\n        pass\n',
    "another-handle-closed": 'import tarfile\n\ndef f(p, s, u):\n    t = tarfile.open(p, "w")\n    try:\n        t.add(s)\n    finally:\n        u.close()\n',
    "an-except-clause-that-raises-only-sometimes": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        t.add(s)\n    except OSError:\n        raise\n    except ValueError:\n        if s:\n            raise\n    finally:\n        t.close()\n',
    "an-except-clause-that-returns-before-raising": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        t.add(s)\n    except OSError:\n        if s:\n            return None\n        raise\n    finally:\n        t.close()\n',
    "an-except-clause": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        t.add(s)\n    except OSError:\n        pass\n    finally:\n        t.close()\n',
    "no-finally": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        t.add(s)\n    except OSError:\n        t.close()\n',
    "a-compound-statement-in-between": f'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    if s:\n        s = 1\n{_BODY}',
    "a-return-in-between": f'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    return t\n{_BODY}',
    "a-return-in-the-try": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        return t.add(s)\n    finally:\n        t.close()\n',
    "a-return-in-the-finally": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        t.add(s)\n    finally:\n        t.close()\n        return 1\n',
    "a-break-of-an-outer-loop": 'import tarfile\n\ndef f(ps, s):\n    for p in ps:\n        t = tarfile.open(p, "w")\n        try:\n            break\n        finally:\n            t.close()\n',
    "handle-rebound-in-the-try": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        t = s\n    finally:\n        t.close()\n',
    "handle-rebound-in-between": f'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    t = s\n{_BODY}',
    "path-rebound-in-between": f'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    p = s\n{_BODY}',
    "path-rebound-in-the-try": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        for p in s:\n            t.add(p)\n    finally:\n        t.close()\n',
    "path-deleted-through-global": 'import tarfile\n\np = "a.tar"\n\ndef g():\n    global p\n    del p\n\ndef f(s):\n    t = tarfile.open(p, "w")\n    try:\n        g()\n    finally:\n        t.close()\n',
    "handle-deleted-through-nonlocal": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    def drop():\n        nonlocal t\n        del t\n    try:\n        drop()\n    finally:\n        t.close()\n',
    "path-is-the-handle": 'import tarfile\n\ndef f(p, s):\n    p = tarfile.open(p, "w")\n    try:\n        p.add(s)\n    finally:\n        p.close()\n',
    "an-attribute-handle": 'import tarfile\n\ndef f(self, p, s):\n    self.t = tarfile.open(p, "w")\n    try:\n        self.t.add(s)\n    finally:\n        self.t.close()\n',
    "a-read-mode": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "r")\n    try:\n        s.extend(t.getnames())\n    finally:\n        t.close()\n',
    "an-unknown-mode": "import tarfile\n\ndef f(p, s, m):\n    t = tarfile.open(p, m)\n    try:\n        t.add(s)\n    finally:\n        t.close()\n",
    "a-mixed-conditional-mode": 'import tarfile\n\ndef f(p, s, w):\n    t = tarfile.open(p, "w" if w else "r")\n    try:\n        t.add(s)\n    finally:\n        t.close()\n',
    "an-expression-path-not-kept": 'import zipfile\n\ndef f(d, s):\n    z = zipfile.ZipFile(d / "a.zip", "w")\n    try:\n        z.writestr(s, s)\n    finally:\n        z.close()\n',
    "same-path-open-around": 'import tarfile\n\ndef f(p, s):\n    with open(p, "ab") as log:\n        t = tarfile.open(p, "a")\n        try:\n            t.add(s)\n        finally:\n            t.close()\n',
    "the-writer-not-alone-on-its-line": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w"); s = 1\n    try:\n        t.add(s)\n    finally:\n        t.close()\n',
    "parenthesised-writer": 'import tarfile\n\ndef f(p, s):\n    t = (tarfile.open(p, "w"))\n    try:\n        t.add(s)\n    finally:\n        t.close()\n',
    "close-with-an-argument": 'import tarfile\n\ndef f(p, s):\n    t = tarfile.open(p, "w")\n    try:\n        t.add(s)\n    finally:\n        t.close(s)\n',
}


@pytest.mark.parametrize("case", sorted(UNCHANGED))
def test_left_as_it_was(case: str) -> None:
    code = UNCHANGED[case]
    name = "zipfile.ZipFile" if "zipfile" in code else "tarfile.open"
    result, sites = _sites(code, name)
    assert (
        Status.PENDING not in [status for status, _ in sites] or case == "a-read-mode"
    ), case
    assert "storage.publish" not in (result.new_source or b"").decode(), case


def test_a_close_that_runs_only_sometimes_publishes_nothing() -> None:
    """The close under an `if` is the shape whose publish could not be exact: the site
    stays a counted writer, not a reader, not migrated."""
    _, sites = _sites(UNCHANGED["close-under-an-if"], "tarfile.open")
    assert sites == [WRITER]


# -- coverage and apply agree ----------------------------------------------------------------

_TREE = {
    "pkg/__init__.py": "",
    "pkg/build.py": """\
        import tarfile
        from gzip import GzipFile


        def sdist(target, files):
            gz = GzipFile(str(target), mode="wb")
            tf = tarfile.TarFile(str(target), mode="w", fileobj=gz)
            try:
                for path in files:
                    tf.add(path)
            finally:
                tf.close()
                gz.close()
            return target


        def pack(out, src, quick):
            tar = tarfile.open(out, "w:gz" if quick else "w")
            try:
                tar.add(src)
            finally:
                tar.close()


        def maybe(out, src):
            tar = tarfile.open(out, "w")
            try:
                tar.add(src)
            finally:
                if src:
                    tar.close()
        """,
    "pkg/aio.py": """\
        import anyio
        import trio


        async def save(path, text):
            async with await anyio.open_file(path, "w") as f:
                await f.write(text)


        async def replace(path, data):
            f = await trio.open_file(path, "wb")
            try:
                await f.write(data)
            finally:
                await f.aclose()


        async def load(path):
            async with await trio.open_file(path) as f:
                return await f.read()
        """,
}


def _cli(*args: str) -> Any:
    return CliRunner().invoke(
        main, ["--jobs", "1", "--no-cache", *args], catch_exceptions=False
    )


def _statuses() -> dict[tuple[str, str], int]:
    result = _cli("coverage", "pkg", "--format", "json")
    assert result.exit_code == 0, result.stderr
    counts: dict[tuple[str, str], int] = {}
    for entry in json.loads(result.stdout)["files"].values():
        for site in entry["sites"]:
            key = (site["name"], site["status"])
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_coverage_and_apply_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "proj"
    for rel, text in _TREE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    monkeypatch.chdir(root)
    before = _statuses()
    assert before == {
        ("gzip.GzipFile", "pending"): 1,
        ("tarfile.open", "pending"): 1,
        ("tarfile.open", "unmigrated"): 1,  # the close under an `if`
        ("anyio.open_file", "pending"): 1,
        ("trio.open_file", "pending"): 2,  # a writer published, a reader restored
    }, before
    first = _cli("apply", "pkg")
    assert first.exit_code == 0, first.stderr
    assert "Rewrote 5 sites: third-party/cache 5." in first.stderr, first.stderr
    assert _cli("apply", "--check", "pkg").exit_code == 0
    after = _statuses()
    assert after == {
        (name, "migrated" if status == "pending" else status): n
        for (name, status), n in before.items()
    }, after
    text = (root / "pkg/build.py").read_text()
    assert text.count("storage.publish(") == 2
    assert (
        "        gz.close()\n    storage.publish(gz.name, pin=False)\n    return target\n"
        in text
    )


# -- async openers: anyio/trio.open_file (awaited), aiofiles.open ---------------------------


def test_an_except_clause_that_raises_again_is_allowed() -> None:
    code = (
        "import os, tarfile\n\ndef pack(out, src):\n    tar = tarfile.open(out, 'w')\n"
        "    try:\n        tar.add(src)\n    except KeyError:\n        raise\n"
        "    except BaseException as exc:\n        os.unlink(out)\n        raise OSError(out) from exc\n"
        "    else:\n        tar.add(src + '.sig')\n    finally:\n        tar.close()\n    return out\n"
    )
    assert _sites(code, "tarfile.open")[1] == [PUBLISHED]
    new = _rewritten(code)
    assert (
        "        tar.close()\n    storage.publish(out, pin=True)\n    return out\n"
        in new
    ), new


ASYNC_REWRITTEN = {
    "parenthesised-items-over-several-lines": (
        (
            "import anyio\n\nasync def a(p, q):\n    async with (\n"
            '        await anyio.open_file(p, "w") as f,\n        await anyio.open_file(\n'
            '            q, "w"\n        ) as g,\n    ):\n        await f.write("x")\n\n'
            "        # tail\n    return 1\n"
        ),
        "anyio.open_file",
        (
            "        # tail\n    storage.publish(p, pin=True)\n    storage.publish(q, pin=True)\n"
            "    return 1\n"
        ),
    ),
    "anyio-async-with-await": (
        (
            'import anyio\n\nasync def save(p, text):\n    async with await anyio.open_file(p, "w") as f:\n'
            "        await f.write(text)\n    return p\n"
        ),
        "anyio.open_file",
        "        await f.write(text)\n    storage.publish(p, pin=True)\n    return p\n",
    ),
    "trio-items-over-several-lines": (
        (
            "import trio\n\nasync def save(p, q):\n"
            '    async with await trio.open_file(p, "wb") as f, await trio.open_file(\n'
            '        q, "wb"\n    ) as g:\n        await f.write(b"x")\n        # done\n\n    return q\n'
        ),
        "trio.open_file",
        "        # done\n    storage.publish(p, pin=True)\n    storage.publish(q, pin=True)\n\n    return q\n",
    ),
    "trio-one-line-body": (
        'import trio\n\nasync def save(p):\n    async with await trio.open_file(p, "w") as f: await f.write("y")\n',
        "trio.open_file",
        '    async with await trio.open_file(p, "w") as f: await f.write("y")\n    storage.publish(p, pin=True)\n',
    ),
    "anyio-closed-in-a-finally": (
        (
            'from anyio import open_file\n\nasync def save(p, data):\n    f = await open_file(p, "wb")\n'
            "    try:\n        await f.write(data)\n    finally:\n        await f.aclose()\n"
        ),
        "anyio.open_file",
        "        await f.aclose()\n    storage.publish(p, pin=True)\n",
    ),
    "aiofiles-closed-in-a-finally": (
        (
            'import aiofiles\n\nasync def save(p, data):\n    f = await aiofiles.open(p, "w")\n'
            "    try:\n        await f.write(data)\n    finally:\n        await f.close()\n"
        ),
        "aiofiles.open",
        "        await f.close()\n    storage.publish(p, pin=True)\n",
    ),
}


@pytest.mark.parametrize("case", sorted(ASYNC_REWRITTEN))
def test_async_writers_are_published_after(case: str) -> None:
    code, name, expected = ASYNC_REWRITTEN[case]
    _, sites = _sites(code, name)
    assert set(sites) == {PUBLISHED}, case
    new = _rewritten(code)
    assert expected in new, new
    assert _without_added_lines(new) == code


ASYNC_UNCHANGED = {
    # A close that is not awaited never closes an async file (a coroutine, dropped).
    "close-not-awaited": 'import aiofiles\n\nasync def s(p):\n    f = await aiofiles.open(p, "w")\n    try:\n        await f.write("x")\n    finally:\n        f.close()\n',
    "a-name-mode": 'import anyio\n\nasync def s(p, m):\n    async with await anyio.open_file(p, m) as f:\n        await f.write("x")\n',
    "a-return-in-the-block": 'import trio\n\nasync def s(p):\n    async with await trio.open_file(p, "w") as f:\n        return await f.write("x")\n',
    "parenthesised-call": 'import trio\n\nasync def s(p):\n    async with await (trio.open_file(p, "w")) as f:\n        await f.write("x")\n',
}


@pytest.mark.parametrize("case", sorted(ASYNC_UNCHANGED))
def test_async_writers_left_counted(case: str) -> None:
    code = ASYNC_UNCHANGED[case]
    name = next(
        n
        for n in ("aiofiles.open", "anyio.open_file", "trio.open_file")
        if n.split(".")[0] in code
    )
    result, sites = _sites(code, name)
    assert sites == [WRITER], case
    assert result.status is FileStatus.UNCHANGED, result.message


@pytest.mark.parametrize("module", ["anyio", "trio"])
def test_async_readers_get_their_path_restored(module: str) -> None:
    code = f"import {module}\n\nasync def load(p):\n    async with await {module}.open_file(p, 'rb') as f:\n        return await f.read()\n"
    name = f"{module}.open_file"
    assert _sites(code, name)[1] == [PUBLISHED]
    assert f"await {module}.open_file(storage.restored(p), 'rb') as f:" in _rewritten(
        code
    )
