"""families/scratch.py `_handle_only_named`: a `NamedTemporaryFile(delete=False)` whose
handle serves only for its `.name` and to be closed reserves a name and writes nothing,
like a `mkstemp()` whose descriptor is only closed: LOCAL "temporary file"; what fills
the name later is its own site (comet-ml's `tmp_file.close()` then
`shutil.copyfile(src, tmp_file.name)`, gluonts' `Path(NamedTemporaryFile(delete=False)
.name)`, txtai's `with ... as tmpfile: temp = tmpfile.name`). A handle that is written,
flushed, passed on or returned keeps the site counted."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import FileStatus, Reason, Status

NAME = "tempfile.NamedTemporaryFile"
RESERVED = (Status.LOCAL, Reason.TEMPORARY_FILE)
COUNTED = (Status.UNMIGRATED, Reason.UNSUPPORTED_FAMILY)


def _temp_sites(code: str) -> list[tuple[Status, Reason | None]]:
    result = run_code(code)
    assert result.status is not FileStatus.FAILED, result.message
    return [(s.status, s.reason) for s in result.sites if s.name == NAME]


@pytest.mark.parametrize(
    "body",
    [
        # comet-ml file_uploader: closed at once, filled by a copy
        ("    tmp = tempfile.NamedTemporaryFile(delete=False, dir=d)\n    tmp.close()\n"
         "    shutil.copyfile(src, tmp.name)\n    return tmp.name\n"),
        # gluonts PickleCached: the handle is dropped, its name kept
        ("    return Path(tempfile.NamedTemporaryFile(delete=False).name)\n"),
        # txtai hfonnx: the name taken inside the `with`, written after it by `open`
        ("    with tempfile.NamedTemporaryFile(suffix='.q', delete=False) as t:\n"
         "        temp = t.name\n    with open(temp, 'wb') as f:\n        f.write(src)\n    return temp\n"),
        # camel gmail: never closed, the name handed to a downloader
        ("    t = tempfile.NamedTemporaryFile(delete=False, suffix='_a')\n"
         "    download(save_path=t.name)\n    return t.name\n"),
        # a name bound several times, each read seeing one binding (dominance)
        ("    if d:\n        t = tempfile.NamedTemporaryFile(delete=False)\n        t.close()\n"
         "        return t.name\n    t = make()\n    return t\n"),
    ],
)
def test_a_handle_that_serves_only_for_its_name_reserves_it(body: str) -> None:
    code = "import shutil, tempfile\nfrom pathlib import Path\n\ndef f(src, d):\n" + body
    assert _temp_sites(code) == [RESERVED]


@pytest.mark.parametrize(
    "body",
    [
        "    t = tempfile.NamedTemporaryFile(delete=False)\n    t.write(src)\n    t.close()\n    return t.name\n",
        "    t = tempfile.NamedTemporaryFile(delete=False)\n    t.flush()\n    return t.name\n",
        "    t = tempfile.NamedTemporaryFile(delete=False)\n    save(src, t)\n    return t.name\n",
        "    t = tempfile.NamedTemporaryFile(delete=False)\n    return t\n",
        "    return tempfile.NamedTemporaryFile(delete=False)\n",
        "    t = tempfile.NamedTemporaryFile(delete=False)\n    t.close(True)\n    return t.name\n",
        "    t = tempfile.NamedTemporaryFile(delete=False)\n    c = t.close\n    c()\n    return t.name\n",
        "    t = tempfile.NamedTemporaryFile(delete=False, **d)\n    t.close()\n    return t.name\n",
        "    t = tempfile.NamedTemporaryFile(delete=False)\n    t.close()\n",  # no name read
        "    t = tempfile.NamedTemporaryFile(delete=False)\n    if d:\n        t = other()\n    return t.name\n",
        "    with tempfile.NamedTemporaryFile('w', delete=False) as t:\n        print('x', file=t)\n    return t.name\n",
    ],
)
def test_a_handle_used_otherwise_stays_counted(body: str) -> None:
    code = "import shutil, tempfile\n\ndef f(src, d):\n" + body
    # counted as kept, or published after its `with` (publish_after): never scratch
    assert _temp_sites(code) in ([COUNTED], [(Status.PENDING, None)])


def test_what_fills_the_reserved_name_is_still_migrated() -> None:
    code = (
        "import shutil, tempfile\n\ndef f(src):\n"
        "    tmp = tempfile.NamedTemporaryFile(delete=False)\n    tmp.close()\n"
        "    shutil.copyfile(src, tmp.name)\n    return tmp.name\n"
    )
    new = run_code(code).new_source.decode()  # type: ignore[union-attr]
    assert "storage.copyfile(src, tmp.name" in new
    assert "NamedTemporaryFile(delete=False)\n" in new


@pytest.mark.parametrize(
    "test",
    [
        "    return t.name if t else None\n",
        "    if t is not None:\n        return t.name\n",
        "    if not t:\n        return None\n    return t.name\n",
    ],
)
def test_a_handle_only_tested_for_truth_still_reserves(test: str) -> None:
    """comet-ml's points_3d log: `randomized_points_file.name if randomized_points_file
    else None` after the `with` that only took its name."""
    code = (
        "import tempfile\n\ndef f(src, d):\n    t = None\n    if d:\n"
        "        with tempfile.NamedTemporaryFile('w', delete=False) as t:\n"
        "            shuffle(src, t.name)\n" + test
    )
    assert _temp_sites(code) == [RESERVED]


def test_a_handle_compared_by_value_is_used() -> None:
    code = (
        "import tempfile\n\ndef f(src, d):\n"
        "    t = tempfile.NamedTemporaryFile(delete=False)\n    t.close()\n"
        "    if t == src:\n        return None\n    return t.name\n"
    )
    assert _temp_sites(code) == [COUNTED]
