"""analysis/dominance.py `narrowing`: `if isinstance(p, str): p = Path(p)` followed by an
`elif`/`else` that always raises (camel's `save_to_json`: `elif not isinstance(file_path,
Path): raise TypeError(...)`) narrows as the `if` alone does: after it, the name holds the
parameter (the tests said what it is) or the value. An `elif`/`else` that may end
normally, or binds the name, leaves it unknown."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import FileStatus, Reason, Status

HEAD = "import json\nfrom pathlib import Path\nfrom typing import Union\n\n"


def _open_status(body: str) -> tuple[Status, Reason | None]:
    result = run_code(HEAD + body)
    assert result.status is not FileStatus.FAILED, result.message
    sites = [s for s in result.sites if s.name.endswith("open")]
    assert len(sites) == 1, result.sites
    return sites[0].status, sites[0].reason


OPEN = "    with file_path.open('w', encoding='utf-8') as f:\n        json.dump(data, f)\n"


@pytest.mark.parametrize(
    "narrowing",
    [
        ("    if isinstance(file_path, str):\n        file_path = Path(file_path)\n"
        "    elif not isinstance(file_path, Path):\n        raise TypeError('no path')\n"),
        ("    if isinstance(file_path, str):\n        file_path = Path(file_path)\n"
        "    else:\n        log(file_path)\n        raise TypeError('no path')\n"),
        ("    if isinstance(file_path, str):\n        file_path = Path(file_path)\n"
        "    elif file_path is None:\n        raise ValueError('none')\n"
        "    elif not isinstance(file_path, Path):\n        raise TypeError('no path')\n"),
    ],
)
def test_an_else_that_always_raises_keeps_the_narrowing(narrowing: str) -> None:
    body = "def save(file_path: Union[str, Path], data):\n" + narrowing + OPEN
    assert _open_status(body) == (Status.PENDING, None)


@pytest.mark.parametrize(
    "narrowing",
    [
        # the `elif` may end normally: the parameter is then whatever it is
        ("    if isinstance(file_path, str):\n        file_path = Path(file_path)\n"
        "    elif not isinstance(file_path, Path):\n        log(file_path)\n"),
        # a raise only under a condition
        ("    if isinstance(file_path, str):\n        file_path = Path(file_path)\n"
        "    else:\n        if strict:\n            raise TypeError('no path')\n"),
        # the `else` binds the name
        ("    if isinstance(file_path, str):\n        file_path = Path(file_path)\n"
        "    else:\n        file_path = other\n        raise TypeError('no path')\n"),
    ],
)
def test_an_else_that_may_end_normally_proves_nothing(narrowing: str) -> None:
    body = "def save(file_path: Union[str, Path], data, strict=True, other=None):\n" + narrowing + OPEN
    assert _open_status(body) == (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)


def test_a_parameter_that_may_be_anything_is_not_narrowed_by_a_raise_about_str() -> None:
    body = (
        "def save(file_path, data):\n    if isinstance(file_path, str):\n"
        "        file_path = Path(file_path)\n    else:\n        raise TypeError('x')\n" + OPEN
    )
    # unannotated: the `else` raises for anything not a str, so the name is a Path after
    # it; the rule asks the annotation all the same (str | Path), as without the `else`
    assert _open_status(body) == (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)
