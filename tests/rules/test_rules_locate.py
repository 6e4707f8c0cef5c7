"""Locations: the raw-text scan that gives tomllib's dicts their line numbers."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from migrate_storage.rules._locate import Locations

TRICKY = '''\
# [[rules]] in a comment; key = "value"
runtime = "a#b[c]"   # trailing comment
"quoted key" = 'x = [1'
dotted.key = 1
doc = """
[[rules]]
paths = ["not a rule"]
"""
lit = \'\'\'
[[rules]]\'\'\'
exclude = [
    "build/",   # first
    # a comment between elements
    "dist/",
]

[[rules]]
paths = ["models/**"]
strategy = "pin"

[[rules]] # second rule
paths = [
  "a/**",
  "b/**",
]
strategy = "cache"
inline = { x = 1, y = [1, 2] }

[[rules.sub]]
k = 1

[tool.migrate-storage]
runtime = "x"
'''


def _line_of(text: str, needle: str, nth: int = 0) -> int:
    """1-based line of the nth occurrence of needle: the expected answer, found by hand."""
    lines = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[nth]


@pytest.mark.parametrize(
    ("path", "needle", "nth"),
    [
        (("runtime",), 'runtime = "a#b', 0),
        (("quoted key",), '"quoted key"', 0),
        (("dotted", "key"), "dotted.key", 0),
        (("dotted",), "dotted.key", 0),
        (("doc",), "doc = ", 0),
        (("exclude",), "exclude = [", 0),
        (("exclude", 0), '"build/"', 0),
        (("exclude", 1), '"dist/"', 0),
        (("rules", 0), "[[rules]]", 3),  # the first three are in a comment and strings
        (("rules", 0, "paths", 0), '"models/**"', 0),
        (("rules", 0, "strategy"), 'strategy = "pin"', 0),
        (("rules", 1), "[[rules]] # second rule", 0),
        (("rules", 1, "paths"), "paths = [", 2),
        (("rules", 1, "paths", 1), '"b/**"', 0),
        (("rules", 1, "inline", "y", 1), "inline = ", 0),
        (("rules", 1, "sub", 0, "k"), "k = 1", 0),
        (("tool", "migrate-storage", "runtime"), 'runtime = "x"', 0),
    ],
)
def test_finds_the_line_of_each_key(path: tuple[str | int, ...], needle: str, nth: int) -> None:
    tomllib.loads(TRICKY)  # the scanner is only ever given valid TOML
    assert Locations(TRICKY).exact(path) == _line_of(TRICKY, needle, nth)


def test_crlf_line_endings_count_the_same() -> None:
    text = TRICKY.replace("\n", "\r\n")
    tomllib.loads(text)
    assert Locations(text).exact(("rules", 1, "paths", 1)) == _line_of(TRICKY, '"b/**"')


def test_array_of_inline_tables_gives_each_rule_its_line() -> None:
    text = (
        'rules = [\n  { paths = ["a"], strategy = "pin" },\n\n  { paths = ["b"], strategy = "cache" },\n]\n'
    )
    locations = Locations(text)
    assert locations.exact(("rules", 0)) == 2
    assert locations.exact(("rules", 1, "strategy")) == 4


def test_unknown_path_falls_back_to_the_nearest_enclosing_key() -> None:
    locations = Locations(TRICKY)
    assert locations.exact(("rules", 0, "nope")) is None
    assert locations.line(("rules", 0, "nope")) == _line_of(TRICKY, "[[rules]]", 3)
    assert locations.line(("absent",)) is None


def test_multiline_string_ending_in_quotes_and_escapes() -> None:
    text = 'a = """x\\"""y"""""\nb = 2\n'  # content: x"""y""  (escaped quote, two extra quotes)
    assert tomllib.loads(text)["b"] == 2
    assert Locations(text).exact(("b",)) == 2


def test_headers_define_their_parent_tables() -> None:
    text = '[project]\nname = "x"\n\n[tool.migrate-storage]\nruntime = "y"\n\n[[tool.other.list]]\nk = 1\n'
    locations = Locations(text)
    assert locations.exact(("tool",)) == 4
    assert locations.exact(("tool", "other")) == 7
    assert locations.exact(("tool", "other", "list", 0, "k")) == 8


REPO = Path(__file__).resolve().parents[2]
# Real TOML files: this repository's, and CPython's own tomllib test data when installed.
SAMPLES = sorted(
    {*REPO.glob("*.toml"), *REPO.glob("*/*.toml"), *REPO.glob("fixtures/*/*.toml"),
     *Path(tomllib.__file__).parents[1].glob("test/test_tomllib/data/valid/**/*.toml")}
)


def _key_paths(value: object, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, dict):
        items: Iterable[tuple[str | int, object]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from _key_paths(child, (*prefix, key))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_every_key_of_real_files_is_found_on_its_line(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    lines = text.splitlines()
    locations = Locations(text)
    for path in _key_paths(tomllib.loads(text)):
        line = locations.exact(path)
        assert line is not None, path
        last = path[-1]
        if isinstance(last, str) and re.fullmatch(r"[A-Za-z0-9_-]+", last):
            assert last in lines[line - 1], (path, line)


def test_the_samples_include_this_repositorys_files() -> None:
    assert REPO / "pyproject.toml" in SAMPLES and REPO / "rules" / "example.toml" in SAMPLES
