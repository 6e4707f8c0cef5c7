"""What an unannotated function or method returns (analysis/receivers.py, "Unannotated
returns"): the same helpers typed in their own module (the LibCST side, through the engine
and its pruner, which cuts the bodies of functions holding no site) and from another
module of the run (the `ast` side, pipeline/package_facts.py, through the runner). Each
call line says what its `.open()` site must be: `# path` PENDING, `# unknown` "receiver
type unknown"; both sides must agree with it, and apply must rewrite exactly the PENDING
ones as `storage.path_open`."""

from __future__ import annotations

import pytest
from migrate_storage.codemods.model import Reason, Status
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.pipeline.runner import run
from migrate_storage.codemods.policy import FilePolicy
from migrate_storage.codemods.settings import Mode, Settings

HELPERS = """\
import functools
from pathlib import Path


def force_path(location, require_exists=True):
    if not isinstance(location, Path):
        location = Path(location)
    if require_exists and not location.exists():
        raise ValueError(location)
    return location


def built(p):
    print("building", p)
    return Path(p).expanduser().resolve()


def joined(root, name):
    root = Path(root)
    return root / name


def maybe(p):
    if p:
        return Path(p)


@functools.lru_cache
def cached(p):
    print("caching", p)
    return Path(p)


def unconverted(p):
    if isinstance(p, str):
        return Path(p)
    return p


def as_str(p):
    p = Path(p)
    return str(p)


def explicit_none(p):
    if not p:
        return None
    return Path(p)


def bare(p):
    if not p:
        return
    return Path(p)


def str_narrowed(p):
    if isinstance(p, str):
        p = Path(p)
    return p


def rebound(p):
    p = Path(p)
    p = str(p)
    return p


def in_loop(ps):
    for p in ps:
        p = Path(p)
    return p


def generator(ps):
    for p in ps:
        yield p
    return Path(ps)


def nested(p):
    def inner():
        return Path(p)

    return p


def rebound_by_a_call(x):
    def forget():
        nonlocal p
        p = str(p)

    p = Path(x)
    forget()
    return p


def recursive(p):
    print("again", p)
    return recursive(p)


def wrap(f):
    return f


@wrap
def wrapped(p):
    print("wrapped", p)
    return Path(p)


async def remote(p):
    print("remote", p)
    return Path(p)


by_lambda = lambda p: Path(p)  # noqa: E731


class Store:
    def __init__(self, root: Path):
        self.root = root

    def target(self, name):
        print("target", name)
        return self.root / name

    def label(self, name):
        print("label", name)
        return name
"""

CALLS = """\
def use(x, s: Store):
    force_path(x).open("w")  # path
    f = force_path(x, require_exists=False)
    f.open("w")  # path
    built(x).open()  # path
    joined(x, "a").open()  # path
    maybe(x).open()  # path
    cached(x).open()  # path
    s.target("a").open()  # path
    unconverted(x).open()  # unknown
    as_str(x).open()  # unknown
    explicit_none(x).open()  # unknown
    bare(x).open()  # unknown
    str_narrowed(x).open()  # unknown
    rebound(x).open()  # unknown
    in_loop(x).open()  # unknown
    generator(x).open()  # unknown
    nested(x).open()  # unknown
    recursive(x).open()  # unknown
    rebound_by_a_call(x).open()  # unknown
    wrapped(x).open()  # unknown
    by_lambda(x).open()  # unknown
    s.label("a").open()  # unknown
"""

NAMES = (
    "force_path, built, joined, maybe, cached, unconverted, as_str, explicit_none, bare, "
    "str_narrowed, rebound, in_loop, generator, nested, recursive, rebound_by_a_call, "
    "wrapped, by_lambda, Store"
)


def expected(source: str) -> dict[int, Status]:
    out = {}
    for number, line in enumerate(source.splitlines(), 1):
        if line.endswith("# path"):
            out[number] = Status.PENDING
        elif line.endswith("# unknown"):
            out[number] = Status.UNMIGRATED
    return out


def open_statuses(sites) -> dict[int, Status]:  # type: ignore[no-untyped-def]
    found = {}
    for site in sites:
        if site.name.endswith("open"):
            found[site.line] = site.status
            if site.status is Status.UNMIGRATED:
                assert site.reason is Reason.RECEIVER_UNKNOWN, site
    return found


def test_in_their_own_module() -> None:
    source = HELPERS + "\n\n" + CALLS
    result = transform_source(source.encode(), "helpers.py", FilePolicy())
    assert open_statuses(result.sites) == expected(source)
    assert result.new_source is not None, result.message
    text = result.new_source.decode()
    assert 'storage.path_open(force_path(x), "w", pin=False)' in text
    assert "unconverted(x).open()" in text
    assert text.count("storage.path_open(") == list(expected(source).values()).count(
        Status.PENDING
    )


@pytest.mark.parametrize("spelling", ["from-import", "module"])
def test_from_another_module_of_the_run(tree, spelling: str) -> None:  # type: ignore[no-untyped-def]
    if spelling == "from-import":
        header = f"from .helpers import {NAMES}\n\n\n"
        calls = CALLS
    else:  # `helpers.force_path(x)`: the same facts through a module name
        header = "from . import helpers\nfrom .helpers import Store\n\n\n"
        calls = CALLS
        for name in NAMES.split(", "):
            if name != "Store":
                calls = calls.replace(f" {name}(", f" helpers.{name}(")
                calls = calls.replace(f"= {name}(", f"= helpers.{name}(")
    use = header + calls
    root = tree({"pkg/__init__.py": "", "pkg/helpers.py": HELPERS, "pkg/use.py": use})
    scan = run([str(root)], Settings(mode=Mode.SCAN, jobs=1), cwd=root)
    (found,) = [f for f in scan.files if f.path == "pkg/use.py"]
    assert open_statuses(found.sites) == expected(use)
    run([str(root)], Settings(mode=Mode.APPLY, jobs=1), cwd=root)
    text = (root / "pkg/use.py").read_text()
    assert text.count("storage.path_open(") == list(expected(use).values()).count(
        Status.PENDING
    )
