"""families/_after_finally.py, the close line: a writer bound to a name (a handle writer
of the table, or a kept `NamedTemporaryFile(delete=False)` written through its handle)
and closed by `x.close()` alone on a later line of the same block is published after
that line (comet-ml's `tmp_file = NamedTemporaryFile(delete=False)`, `figure.savefig(
tmp_file)`, `tmp_file.close()`, `return tmp_file.name`; `archive = ZipFile(p, "w")`,
`archive.writestr(...)`, `archive.close()`). Each with the trap that must keep it
counted: a way out before the close, the handle or path bound again, a close that may
not run, a reading or appending mode."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import FileStatus, Reason, Status, Strategy
from migrate_storage.codemods.policy import FilePolicy

PIN = FilePolicy(strategy=Strategy.PIN)
PUBLISHED = (Status.PENDING, None)


def _run(code: str, name: str) -> tuple[list[tuple[Status, Reason | None]], str]:
    result = run_code(code, PIN)
    assert result.status is not FileStatus.FAILED, result.message
    sites = [(s.status, s.reason) for s in result.sites if s.name == name]
    return sites, (result.new_source or b"").decode()


TEMP = "tempfile.NamedTemporaryFile"


@pytest.mark.parametrize(
    ("body", "name", "published"),
    [
        (  # comet-ml's save_matplotlib_figure
            ("    tmp = tempfile.NamedTemporaryFile(suffix='.png', delete=False)\n"
            "    fig.savefig(tmp, format='png')\n    tmp.flush()\n    tmp.close()\n"
            "    return tmp.name\n"),
            TEMP,
            "    tmp.close()\n    storage.publish(tmp.name, pin=True)\n    return tmp.name\n",
        ),
        (  # comet-ml's merged CA bundle: a loop and a branch in between
            ("    out = tempfile.NamedTemporaryFile(delete=False, mode='wb')\n"
            "    for p in parts:\n        data = read(p)\n        out.write(data)\n"
            "        if not data.endswith(b'\\n'):\n            out.write(b'\\n')\n"
            "    out.close()\n    return out.name\n"),
            TEMP,
            "    out.close()\n    storage.publish(out.name, pin=True)\n",
        ),
        (  # comet-ml's compress_git_patch
            ("    archive = zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED)\n"
            "    archive.writestr('git_diff.patch', text)\n    archive.close()\n"
            "    return archive, path\n"),
            "zipfile.ZipFile",
            "    archive.close()\n    storage.publish(path, pin=True)\n",
        ),
        (  # a handled error in between: the close still runs, on what is on disk
            ("    tar = tarfile.open(path, 'w')\n    try:\n        tar.add(src)\n"
            "    except OSError:\n        log()\n    tar.close()\n"),
            "tarfile.open",
            "    tar.close()\n    storage.publish(path, pin=True)\n",
        ),
        (  # a path that cannot be evaluated again: the one the handle kept
            "    g = gzip.GzipFile(os.path.join(d, 'x.gz'), 'wb')\n    g.write(text)\n    g.close()\n",
            "gzip.GzipFile",
            "    g.close()\n    storage.publish(g.name, pin=True)\n",
        ),
    ],
)
def test_published_after_the_close_line(body: str, name: str, published: str) -> None:
    code = (
        "import gzip, os, tarfile, tempfile, zipfile\n\n"
        "def f(path, text, fig, parts, src, d):\n" + body
    )
    sites, new = _run(code, name)
    assert sites == [PUBLISHED]
    assert published in new
    again, second = _run(new, name)  # what apply leaves is migrated, and stays
    assert again == [(Status.MIGRATED, None)]
    assert second == ""  # no new source: a second run changes nothing


@pytest.mark.parametrize(
    ("body", "name"),
    [
        # a way out before the close: the site would say migrated while nothing is published
        (("    t = tempfile.NamedTemporaryFile(delete=False)\n    for x in text:\n"
         "        if not x:\n            return t.name\n        t.write(x)\n    t.close()\n"), TEMP),
        (("    for p in parts:\n        z = zipfile.ZipFile(p, 'w')\n        if not text:\n"
         "            continue\n        z.writestr('a', text)\n        z.close()\n"), "zipfile.ZipFile"),
        # the handle bound again in between: another file is closed there
        (("    z = zipfile.ZipFile(path, 'w')\n    first = z\n    z = zipfile.ZipFile(src, 'w')\n"
         "    first.close()\n"), "zipfile.ZipFile"),
        # the path bound again in between
        ("    z = zipfile.ZipFile(path, 'w')\n    path = src\n    z.close()\n", "zipfile.ZipFile"),
        # the close may not run, or is not alone on its line
        ("    z = zipfile.ZipFile(path, 'w')\n    if text:\n        z.close()\n", "zipfile.ZipFile"),
        ("    z = zipfile.ZipFile(path, 'w')\n    z.close(); log()\n", "zipfile.ZipFile"),
        ("    z = zipfile.ZipFile(path, 'w')\n    closer = z.close\n    closer()\n", "zipfile.ZipFile"),
        # appending: the file another worker published would have to be restored first
        ("    z = zipfile.ZipFile(path, 'a')\n    z.writestr('a', text)\n    z.close()\n", "zipfile.ZipFile"),
        # a kept temporary file written nowhere in between (its handle passed on after)
        ("    t = tempfile.NamedTemporaryFile(delete=False)\n    t.close()\n    keep(t)\n", TEMP),
        # deleted on close: scratch, never published
        ("    t = tempfile.NamedTemporaryFile()\n    t.write(text)\n    t.close()\n", TEMP),
    ],
)
def test_left_as_it_was(body: str, name: str) -> None:
    code = (
        "import gzip, os, tarfile, tempfile, zipfile\n\n"
        "def f(path, text, fig, parts, src, d):\n" + body
    )
    sites, new = _run(code, name)
    assert sites and all(status is not Status.PENDING for status, _ in sites), sites
    assert "storage.publish" not in new


def test_a_try_closing_after_a_compound_statement_is_not_the_try_shape() -> None:
    """The `try` whose `finally` closes the writer needs simple lines before it (as
    before); a close line after a compound statement is the new shape."""
    code = (
        "import tarfile\n\ndef f(path, names):\n    tar = tarfile.open(path, 'w')\n"
        "    for n in names:\n        tar.add(n)\n    try:\n        pass\n"
        "    finally:\n        tar.close()\n"
    )
    sites, new = _run(code, "tarfile.open")
    assert sites == [(Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)]
    assert "storage.publish" not in new


@pytest.mark.parametrize(
    "body",
    [
        # comet-ml's points_3d log: the handle's name is set to None first
        ("    boxes_file = None\n    if boxes:\n"
        "        with tempfile.NamedTemporaryFile(mode='w', suffix='.jsonl', delete=False) as boxes_file:\n"
        "            for box in boxes:\n                boxes_file.write(box)\n"
        "                if len(box) > 10:\n                    break\n"
        "            items.append(boxes_file.name)\n"
        "    return boxes_file.name if boxes_file else None\n"),
        ("    tmp = None\n    tmp = tempfile.NamedTemporaryFile(delete=False)\n"
        "    tmp.write(boxes)\n    tmp.close()\n    return tmp.name\n"),
    ],
)
def test_a_handle_name_also_bound_to_none_is_followed(body: str) -> None:
    code = "import tempfile\n\ndef f(boxes, items):\n" + body
    sites, new = _run(code, TEMP)
    assert sites == [PUBLISHED]
    assert ".name, pin=True)\n" in new


def test_a_handle_name_bound_again_in_the_block_is_not() -> None:
    code = (
        "import tempfile\n\ndef f(boxes, items):\n    boxes_file = None\n"
        "    with tempfile.NamedTemporaryFile('w', delete=False) as boxes_file:\n"
        "        boxes_file.write(boxes)\n        boxes_file = items\n    return boxes_file\n"
    )
    sites, new = _run(code, TEMP)
    assert sites == [(Status.UNMIGRATED, Reason.UNSUPPORTED_FAMILY)]
    assert "storage.publish" not in new
