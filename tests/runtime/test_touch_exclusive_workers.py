"""`storage.path_touch(p, exist_ok=False)` on a worker that does not have the file another
worker published (real node).

On one shared disk, `Path(p).touch(exist_ok=False)` of a file that exists raises
FileExistsError and changes nothing. The stand-in restores nothing first (as for
`open(p, "x")`, lifecycle._touched), so worker B creates an empty file, publishes it, and
worker C then restores that empty file instead of A's content. Known today: strict
xfail. (The default `exist_ok=True` restores first and keeps A's content: checked too.)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.ipfs


def _publish(storage: Any, name: str, text: str) -> None:
    with storage.open(os.path.join(storage.settings.root, name), "w", pin=True) as f:
        f.write(text)


def _restored(storage: Any, name: str) -> bytes:
    with storage.open(os.path.join(storage.settings.root, name), "rb") as f:
        return f.read()


def test_a_plain_touch_keeps_what_another_worker_published(
    make_storage: Callable[..., Any],
) -> None:
    a, b, c = make_storage("a"), make_storage("b"), make_storage("c")
    _publish(a, "flag", "from A")
    assert b.path_touch(Path(b.settings.root, "flag"), pin=True) is None
    assert Path(b.settings.root, "flag").read_bytes() == b"from A"
    assert _restored(c, "flag") == b"from A"


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="touch(exist_ok=False) "
                   "restores nothing first: it creates and publishes an empty file over "
                   "what another worker published")
def test_an_exclusive_touch_of_a_file_another_worker_published_raises(
    make_storage: Callable[..., Any],
) -> None:
    a, b, c = make_storage("a"), make_storage("b"), make_storage("c")
    _publish(a, "flag", "from A")
    raised = None
    try:
        b.path_touch(Path(b.settings.root, "flag"), exist_ok=False, pin=True)
    except FileExistsError as exc:
        raised = exc
    assert raised is not None, "B's exclusive touch succeeded"
    assert _restored(c, "flag") == b"from A"
