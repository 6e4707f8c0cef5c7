"""Exclusive creation on a worker that does not have the file another worker published
(real node): `storage.path_touch(p, exist_ok=False)` and `storage.open(p, "x")`.

On one shared disk, `Path(p).touch(exist_ok=False)` or `open(p, "x")` of a file that exists
raises FileExistsError and changes nothing. The stand-ins restore the file first (as a
plain touch or an "a" open does), so the builtin itself refuses it, with its own error,
and a third worker still restores the first worker's content. Without the restore, the
second worker created an empty file and published it over the first worker's.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import migrated_pinned, run_program, worker_env

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


@pytest.mark.parametrize("mode", ["x", "xb", "x+", "xt"])
def test_an_exclusive_open_of_a_file_another_worker_published_raises(
    make_storage: Callable[..., Any], mode: str
) -> None:
    a, b, c = make_storage("a"), make_storage("b"), make_storage("c")
    _publish(a, "claim", "from A")
    path = os.path.join(b.settings.root, "claim")
    with pytest.raises(FileExistsError) as raised:
        b.open(path, mode)
    assert raised.value.filename == path
    assert _restored(c, "claim") == b"from A"


def test_an_exclusive_open_of_a_new_path_creates_and_publishes_it(
    make_storage: Callable[..., Any],
) -> None:
    a, b = make_storage("a"), make_storage("b")
    with a.open(os.path.join(a.settings.root, "fresh"), "x", pin=True) as f:
        f.write("made by A")
    assert _restored(b, "fresh") == b"made by A"
    with pytest.raises(FileExistsError):
        b.open(os.path.join(b.settings.root, "fresh"), "x")


# Workers claim jobs by creating a marker exclusively, each in its own way; a claimed job
# is skipped. Run on one disk, the second run claims nothing; run on two workers sharing
# a namespace, the second worker must see the first one's markers the same way.
CLAIM = textwrap.dedent(
    """\
    import os, sys, tarfile, zipfile
    from pathlib import Path

    def by_open(path, who):
        with open(path, "x") as f:
            f.write(who)

    def by_touch(path, who):
        Path(path).touch(exist_ok=False)

    def by_tar(path, who):
        with tarfile.open(path, "x:gz") as tar:
            tar.add(__file__, arcname=who)

    def by_zip(path, who):
        with zipfile.ZipFile(path, "x") as z:
            z.writestr("who", who)

    who = sys.argv[1]
    os.makedirs("claims", exist_ok=True)
    for job, claim in (("a.txt", by_open), ("b.flag", by_touch), ("c.tgz", by_tar),
                       ("d.zip", by_zip)):
        path = os.path.join("claims", job)
        try:
            claim(path, who)
        except FileExistsError as exc:
            print("taken", job, exc.filename == path)
        else:
            print("claimed", job)
    with open(os.path.join("claims", "a.txt")) as f:
        print(f.read())
    with zipfile.ZipFile(os.path.join("claims", "d.zip")) as z:
        print(z.read("who").decode())
    """
)


def _run(code: str, root: Path, who: str, api: str, namespace: str) -> str:
    root.mkdir(parents=True, exist_ok=True)
    return run_program(code, root, [who], worker_env(root, api, namespace))


def test_a_second_worker_sees_the_first_ones_exclusive_claims(
    tmp_path: Path, ipfs_api: str, namespace: str
) -> None:
    code = migrated_pinned(CLAIM)
    assert 'tarfile.open(storage.restored(path), "x:gz")' in code, code
    assert 'zipfile.ZipFile(storage.restored(path), "x")' in code, code
    assert "storage.path_touch(" in code, code
    claimed = "claimed a.txt\nclaimed b.flag\nclaimed c.tgz\nclaimed d.zip\nA\nA\n"
    taken = "taken a.txt True\ntaken b.flag True\ntaken c.tgz True\ntaken d.zip True\nA\nA\n"
    # The program as written, twice on one disk: the second run finds every claim.
    plain = tmp_path / "plain"
    assert _run(CLAIM, plain, "A", ipfs_api, namespace + "-plain") == claimed
    assert _run(CLAIM, plain, "B", ipfs_api, namespace + "-plain") == taken
    # Migrated, on two workers that share only the namespace: the same.
    assert _run(code, tmp_path / "a", "A", ipfs_api, namespace) == claimed
    assert _run(code, tmp_path / "b", "B", ipfs_api, namespace) == taken
    assert _run(code, tmp_path / "c", "C", ipfs_api, namespace) == taken
