"""Local aliases of file functions (analysis/names.py `local_alias`, ubelt's `copytree =
shutil.copytree` then `copytree(src, dst)`): a name bound once in its function to a dotted
file function and only called is that function for every family, migrated with `call=`
the alias; every other shape keeps the reference counted as a value and the call no site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from migrate_storage.codemods.model import Reason, Status
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

HEAD = "import codecs\nimport io\nimport os\nimport shutil\n\n"


def sites(body: str) -> list[tuple[int, str, Status, Reason | None]]:
    source = HEAD + textwrap.dedent(body)
    found = transform_source(source.encode(), "m.py", FilePolicy(), rewrite=False).sites
    return [(s.line, s.name, s.status, s.reason) for s in found]


def rewrite(body: str) -> str:
    source = HEAD + textwrap.dedent(body)
    result = transform_source(source.encode(), "m.py", FilePolicy())
    assert result.new_source is not None
    return result.new_source.decode()


def test_a_local_alias_only_called_is_the_function_it_names() -> None:
    body = """
    def copy(src, dst):
        ct = shutil.copytree
        mv = shutil.move
        ct(src, dst, dirs_exist_ok=True)
        return mv(dst, src + ".moved")
    """
    assert sites(body) == [
        (10, "shutil.copytree", Status.PENDING, None),
        (11, "shutil.move", Status.PENDING, None),
    ]
    new = rewrite(body)
    assert "storage.copytree(src, dst, dirs_exist_ok=True, pin=False, call=ct)" in new
    assert 'return storage.move(dst, src + ".moved", pin=False, call=mv)' in new
    assert "    ct = shutil.copytree\n" in new  # the alias keeps naming the function
    # after apply: the alias feeds the migrated calls, nothing is left to count
    after = transform_source(new.encode(), "m.py", FilePolicy(), rewrite=False).sites
    assert [(s.name.rsplit(".", 1)[-1], s.status) for s in after] == [
        ("copytree", Status.MIGRATED),
        ("move", Status.MIGRATED),
    ]


def test_aliases_of_open_and_codecs_open_go_through_storage_open() -> None:
    body = """
    def save(p, text):
        o = io.open
        c = codecs.open
        with o(p, "w") as f:
            f.write(text)
        with c(p + ".c", "w", "utf-8") as f:
            f.write(text)
    """
    assert [s[2] for s in sites(body)] == [Status.PENDING, Status.PENDING]
    new = rewrite(body)
    assert 'storage.open(p, "w", pin=False, call=o)' in new
    assert 'storage.codecs_open(p + ".c", "w", "utf-8", pin=False, call=c)' in new


VALUE = (Status.UNMIGRATED, Reason.FUNCTION_VALUE)


@pytest.mark.parametrize(
    "body",
    [
        # bound twice
        "def f(a, b):\n    ct = shutil.copytree\n    ct = shutil.copytree\n    ct(a, b)\n",
        "def f(a, b, x):\n    ct = shutil.copytree\n    if x:\n        ct = print\n    ct(a, b)\n",
        # bound in a loop
        "def f(a, b):\n    for _ in range(2):\n        ct = shutil.copytree\n        ct(a, b)\n",
        "def f(a, b):\n    while a:\n        ct = shutil.copytree\n        ct(a, b)\n",
        # read as a value: passed, returned, stored, compared, looked into
        "def f(a, b):\n    ct = shutil.copytree\n    ct(a, b)\n    run(ct)\n",
        "def f(a, b):\n    ct = shutil.copytree\n    ct(a, b)\n    return ct\n",
        "def f(a, b):\n    ct = shutil.copytree\n    ct(a, b)\n    a.fn = ct\n",
        "def f(a, b):\n    ct = shutil.copytree\n    ct(a, b)\n    return ct is a\n",
        "def f(a, b):\n    ct = shutil.copytree\n    print(ct.__name__)\n    ct(a, b)\n",
        # global / nonlocal: another scope's name
        "def f(a, b):\n    global ct\n    ct = shutil.copytree\n    ct(a, b)\n",
        "def f(a, b):\n    ct = shutil.copytree\n    def g():\n        nonlocal ct\n        ct = print\n    g()\n    ct(a, b)\n",
        "def f(a, b):\n    ct = shutil.copytree\n    def g():\n        ct(a, b)\n    g()\n",  # a closure
        # a class-level binding, a module-level one
        "class C:\n    ct = shutil.copytree\n    ct('a', 'b')\n",
        "ct = shutil.copytree\ndef f(a, b):\n    ct(a, b)\n",
        # not bound before the call in the same block (maybe unbound: NameError first)
        "def f(a, b, x):\n    if x:\n        ct = shutil.copytree\n    ct(a, b)\n",
        "def f(a, b):\n    ct(a, b)\n    ct = shutil.copytree\n",
        # deleted; bound by a walrus, `with`, a tuple, an annotation
        "def f(a, b):\n    ct = shutil.copytree\n    ct(a, b)\n    del ct\n",
        "def f(a, b):\n    (ct := shutil.copytree)\n    ct(a, b)\n",
        "def f(a, b):\n    ct, mv = shutil.copytree, shutil.move\n    ct(a, b)\n",
        "def f(a, b):\n    ct: object = shutil.copytree\n    ct(a, b)\n",
        "def f(a, b):\n    ct = x = shutil.copytree\n    ct(a, b)\n",
    ],
)
def test_every_other_binding_keeps_the_value_counted_and_no_call_migrated(body: str) -> None:
    found = sites(body)
    assert any((s[2], s[3]) == VALUE for s in found), found
    assert not any(s[2] is Status.PENDING for s in found), found


def test_an_alias_spelled_like_no_function_reaches_the_collector() -> None:
    """The prefilter keys on names: `zz(...)` is a candidate because `zz` is bound to a
    file function; else the call would be no site and the value no longer counted."""
    found = sites("def f(a, b):\n    zz = shutil.rmtree\n    zz(a)\n")
    assert found == [(8, "shutil.rmtree", Status.PENDING, None)]


def test_a_call_through_the_alias_behaves_as_before(tmp_path: Path) -> None:
    """Differential, local backend: the migrated module copies, moves and removes exactly
    what the original did, and raises what it raised."""
    program = textwrap.dedent(
        """\
        import os
        import shutil
        import sys

        def tree(src, dst):
            ct = shutil.copytree
            rm = shutil.rmtree
            ct(src, dst)
            print(sorted(os.listdir(dst)))
            try:
                ct(src, dst)
            except FileExistsError as exc:
                print("exists", os.path.basename(exc.filename))
            rm(dst)
            print(os.path.exists(dst))

        os.makedirs("src/inner", exist_ok=True)
        with open("src/a.txt", "w") as f:
            f.write("a")
        tree("src", "dst")
        """
    )
    outputs = []
    for migrated in (False, True):
        folder = tmp_path / ("after" if migrated else "before")
        folder.mkdir()
        source = program
        if migrated:
            result = transform_source(program.encode(), "main.py", FilePolicy())
            assert result.new_source is not None
            source = result.new_source.decode()
            assert "storage.copytree(src, dst, pin=False, call=ct)" in source
            assert "storage.rmtree(dst, call=rm)" in source
        (folder / "main.py").write_text(source)
        env = {**os.environ, "STORAGE_RUNTIME_BACKEND": "local"}
        done = subprocess.run(
            [sys.executable, "main.py"], cwd=folder, capture_output=True, text=True, env=env,
            timeout=60, check=False,
        )
        assert done.returncode == 0, done.stderr
        outputs.append((done.stdout, sorted(p.name for p in folder.rglob("*") if "storage" not in p.name)))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == "['a.txt', 'inner']\nexists dst\nFalse\n"
    shutil.rmtree(tmp_path)


def test_a_local_alias_named_open_is_called_through_storage_open() -> None:
    """`open = io.open` in a function: the module's rebound `open` is not that local, so
    the call keeps its callee (`call=open`), with no `pin=` given to io.open itself."""
    new = rewrite('def save(p):\n    open = io.open\n    open(p, "w").close()\n')
    assert 'storage.open(p, "w", pin=False, call=open).close()' in new
