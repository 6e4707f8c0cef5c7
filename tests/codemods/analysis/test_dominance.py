"""analysis/dominance.py through the receiver typer: a local name with several bindings is
a Path at a read where one Path-making binding provably holds (`.unlink()` and `.open()`
need a proven Path to be rewritten); where another binding may reach the read, it stays
unknown."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import FileStatus, Reason, Status

HEAD = "import os\nfrom pathlib import Path\nfrom typing import Union\n\n"


def _unlink(body: str) -> tuple[Status, Reason | None]:
    result = run_code(HEAD + body)
    assert result.status is not FileStatus.FAILED, result.message
    sites = [s for s in result.sites if s.name.endswith(".unlink")]
    assert len(sites) == 1, result.sites
    return sites[0].status, sites[0].reason


@pytest.mark.parametrize(
    "body",
    [
        # huggingface_hub 2.4.0 hub_mixin.save_pretrained
        "def save(d: Union[str, Path]):\n    d = Path(d)\n    d.mkdir(exist_ok=True)\n"
        "    config = d / 'config.json'\n    config.unlink(missing_ok=True)\n",
        "def f(p):\n    p = Path(p)\n    p = p / 'sub'\n    p.unlink()\n",
        "def f(p):\n    p = os.fspath(p)\n    p = Path(p)\n    if p.exists():\n        p.unlink()\n",
        "def f(p):\n    a = 1; p = Path(p); p.unlink()\n",
        "def f(p):\n    p = Path(p)\n    for x in range(3):\n        p.unlink()\n",
        "def f(p):\n    p: Path = Path(p)\n    p.unlink()\n    p = None\n",
        "def f(p):\n    while True:\n        p = Path(p)\n        p.unlink()\n",
        # a loop's own target is bound before its body: the body's binding overwrites it
        "def f(names):\n    for p in names:\n        p = Path(p)\n        p.unlink()\n",
        "def f(p):\n    with make() as p:\n        p = Path('x')\n        p.unlink()\n",
        # a binding in another branch, outside the block that runs from the binding to
        # the read, cannot run between them (a loop around the `if` re-enters the block
        # from its start)
        "def f(p, c):\n    if c:\n        p = make()\n    else:\n        p = Path(p)\n        p.unlink()\n",
        (
            "def f(ps, c):\n    for p in ps:\n        if c:\n            q = make()\n        else:\n"
            "            q = Path(p)\n            q.unlink()\n"
        ),
        "def f(p, c):\n    try:\n        q = Path(p)\n        q.unlink()\n    finally:\n        q = None\n",
    ],
)
def test_the_binding_that_holds_types_the_read(body: str) -> None:
    assert _unlink(body) == (Status.PENDING, None)


@pytest.mark.parametrize(
    "body",
    [
        "def f(p, c):\n    if c:\n        p = Path(p)\n    p.unlink()\n",  # one branch only
        "def f(p, items):\n    p = Path(p)\n    for i in items:\n        p.unlink()\n        p = str(i)\n",
        "def f(p):\n    p = Path(p)\n    p = str(p)\n    p.unlink()\n",  # the last one is a str
        "def f(p, c):\n    p = Path(p)\n    if c:\n        p = make(p)\n    p.unlink()\n",
        "def f(p):\n    try:\n        p = Path(p)\n    except TypeError:\n        pass\n    p.unlink()\n",
        "def f(p, c):\n    if c: p = Path(p)\n    p.unlink()\n",  # a one-line suite may not run
        "def f(p):\n    p = Path(p)\n    g = lambda: p.unlink()\n    p = 's'\n    return g\n",
        "def f(p):\n    p = Path(p)\n    (p := make()).unlink()\n",
        "def f(p):\n    with open(p) as p:\n        pass\n    p = Path('x')\n    del p\n    p.unlink()\n",
        # inside the region: the other branch's binding runs between them in the loop
        (
            "def f(p, ps):\n    p = Path(p)\n    for c in ps:\n        if c:\n            p.unlink()\n"
            "        else:\n            p = make()\n"
        ),
        # a nested function's `nonlocal` binding, called between them
        "def f(p):\n    def g():\n        nonlocal p\n        p = make()\n    p = Path(p)\n    g()\n    p.unlink()\n",
    ],
)
def test_where_another_binding_may_reach_the_read_it_stays_unknown(body: str) -> None:
    assert _unlink(body) == (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)


@pytest.mark.parametrize(
    "body",
    [
        # huggingface_hub 2.4.0 utils/tqdm.py: `path: Union[str, Path]`
        "def f(path: Union[str, Path]):\n    if isinstance(path, str):\n        path = Path(path)\n"
        "    path.unlink()\n",
        "def f(path: str | Path | None):\n    if isinstance(path, str): path = Path(path)\n    path.unlink()\n",
        "def f(path: str):\n    if isinstance(path, str):\n        path = Path(path)\n    path.unlink()\n",
        # whatever the parameter was, it is a Path after this
        "def f(path):\n    if not isinstance(path, Path):\n        path = Path(path)\n    path.unlink()\n",
    ],
)
def test_a_parameter_narrowed_to_a_path_by_isinstance(body: str) -> None:
    assert _unlink(body) == (Status.PENDING, None)


@pytest.mark.parametrize(
    "body",
    [
        # the parameter may be bytes or a PathLike: still not a Path after the `if`
        "def f(path):\n    if isinstance(path, str):\n        path = Path(path)\n    path.unlink()\n",
        "def f(path: Union[str, os.PathLike]):\n    if isinstance(path, str):\n        path = Path(path)\n"
        "    path.unlink()\n",
        # an else, a second statement, another class, another name, a str made
        "def f(path: Union[str, Path]):\n    if isinstance(path, str):\n        path = Path(path)\n"
        "    else:\n        log(path)\n    path.unlink()\n",
        "def f(path: Union[str, Path]):\n    if isinstance(path, str):\n        log(path)\n        path = Path(path)\n"
        "    path.unlink()\n",
        "def f(path: Union[bytes, Path]):\n    if isinstance(path, bytes):\n        path = Path(path)\n"
        "    path.unlink()\n",
        "def f(path: Union[str, Path], other):\n    if isinstance(other, str):\n        path = Path(path)\n"
        "    path.unlink()\n",
        "def f(path):\n    if not isinstance(path, Path):\n        path = str(path)\n    path.unlink()\n",
        "def f(path):\n    if not isinstance(path, os.PathLike):\n        path = Path(path)\n    path.unlink()\n",
    ],
)
def test_a_narrowing_that_does_not_prove_a_path(body: str) -> None:
    assert _unlink(body) == (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)
