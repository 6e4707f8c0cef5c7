"""families/pathlib_io.py: which `x.<Path method>(...)` calls are sites at all.

A call that is a TypeError on any Path (`_binds_to_pathlib`, `_str_parameters_fit`) is
another library's method, not pathlib's: counting it would list non-file I/O as work
left (or as migrated)."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import Family, Reason, Status


def sites(code: str) -> list[tuple[int, Status, Reason | None]]:
    return [(s.line, s.status, s.reason) for s in run_code(code).sites if s.family is Family.PATHLIB]


PRELUDE = "import io\nfrom pathlib import Path\n\n"


@pytest.mark.parametrize(
    "body",
    [
        "def f(Image, raw):\n    return Image.open(io.BytesIO(raw))\n",
        "def f(fs, src: Path, e):\n    with fs.open(src, encoding=e) as h:\n        return h.read()\n",
        "def f(fs, root: Path):\n    return fs.open(root / 'x').read()\n",
        "def f(fs):\n    return fs.open(mode=bytes(2))\n",
        "def f(x, p: Path):\n    x.write_text(p)\n",
        "def f(x):\n    return x.read_text(encoding=Path('utf-8'))\n",
        # importlib.metadata's Distribution.read_text(filename): no codec by that name
        "def f(dist):\n    return dist.read_text('top_level.txt')\n",
        "def f(x):\n    return x.read_text('utf-8', 'no-such-handler')\n",
        "def f(x):\n    return x.open('r', -1, 'utf-8', 'strict', 'crlf')\n",
        # `**kwargs` adds keywords; the mode given twice is refused all the same
        "def f(fs, path, kw):\n    with fs.open(path, mode='rb', **kw) as h:\n        return h.read()\n",
        # what the f-string spells around its values is no mode (a ValueError on a Path)
        "def f(s3, url):\n    with s3.open(f'{url}/_metadata') as h:\n        return h.read()\n",
    ],
)
def test_a_str_parameter_given_no_str_is_no_pathlib_call(body: str) -> None:
    assert sites(PRELUDE + body) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a name not typed: could be a mode
        ("def f(store, name):\n    return store.open(name).read()\n",
         [(Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)]),
        ("def f(x, data):\n    x.write_text(data)\n", [(Status.PENDING, None)]),
        ("def f(x):\n    return x.read_text('UTF8', 'surrogateescape')\n", [(Status.PENDING, None)]),
        ("def f(x):\n    return x.read_text(encoding='latin-1')\n", [(Status.PENDING, None)]),
        ("def f(x, p: Path):\n    x.write_text(str(p))\n", [(Status.PENDING, None)]),
        # a Path given as write_bytes' data is not judged (it takes any buffer)
        ("def f(x, p: Path):\n    x.write_bytes(p)\n", [(Status.PENDING, None)]),
        # *args hides the binding
        ("def f(x, a):\n    return x.open(*a)\n", [(Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)]),
        ("def f(x, a, p):\n    return x.open(*a, mode=p)\n", [(Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)]),
        # **kwargs may hold anything pathlib takes
        ("def f(x, kw):\n    return x.open('rb', **kw)\n", [(Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)]),
        # an f-string that spells only mode letters around its values may be a mode
        ("def f(x, b):\n    return x.open(f'r{b}')\n", [(Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)]),
        # a known Path receiver is judged by its own type, whatever its arguments
        ("def f(p: Path, m: Path):\n    return p.open(m)\n", [(Status.PENDING, None)]),
    ],
)
def test_anything_else_stays_a_site(body: str, expected: list) -> None:
    assert [(s, r) for _, s, r in sites(PRELUDE + body)] == expected


@pytest.mark.parametrize(
    "body",
    [
        "async def f(run):\n    async with run.open() as r:\n        return r\n",
        "async def f(af):\n    return await af.read_text()\n",
        "async def f(af, d):\n    await af.write_text(d)\n",
    ],
)
def test_an_awaited_call_is_no_pathlib_call(body: str) -> None:
    # pathlib's methods return nothing that can be awaited or entered asynchronously
    assert sites(PRELUDE + body) == []


def test_a_known_path_in_async_code_stays_a_site() -> None:
    body = "async def f(p: Path):\n    with p.open() as h:\n        return h.read()\n"
    assert [(s, r) for _, s, r in sites(PRELUDE + body)] == [(Status.PENDING, None)]


def test_an_awaited_unlink_is_no_lifecycle_site() -> None:
    code = PRELUDE + (
        "async def f(apath, p: Path, x):\n"
        "    await apath.unlink()\n"
        "    x.unlink()\n"
        "    p.unlink()\n"
    )
    found = [(s.line, s.status) for s in run_code(code).sites if s.family is Family.LIFECYCLE]
    assert found == [(6, Status.UNMIGRATED), (7, Status.PENDING)]
