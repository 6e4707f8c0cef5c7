"""Site positions taken from the `ast` scan equal LibCST's PositionProvider positions.

The finder pairs its LibCST calls with the `ast` scan's candidates in source order and
takes line/column from `ast` (PositionProvider costs a full extra pass); when the two
disagree it falls back to PositionProvider. The same holds for the references that may
be file functions used as values (`Scan.values`). Here both ways must give identical Sites, on
the fixtures and on real standard-library modules full of calls, f-strings, decorators
and non-ASCII text.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import libcst as cst
import pytest
from codemod_cases import case_files, case_id, policy_for
from libcst.metadata import MetadataWrapper
from migrate_storage.codemods.analysis.finder import find_sites
from migrate_storage.codemods.pipeline import prefilter

STDLIB = Path(sys.modules["os"].__file__).parent  # type: ignore[arg-type]
REAL = ["gettext.py", "mimetypes.py", "netrc.py", "tempfile.py", "pathlib.py"]


def _both(source: bytes, policy):
    text = prefilter.decode(source)
    scan = prefilter.scan(source, text, policy.runtime_module)
    module = cst.parse_module(source)
    fast = find_sites(
        MetadataWrapper(module, unsafe_skip_copy=True), scan, "m.py", policy
    ).sites
    broken = dataclasses.replace(
        scan,
        candidates=tuple(
            dataclasses.replace(c, shape=("", None)) for c in scan.candidates
        ),
        values=tuple(dataclasses.replace(v, shape=("", None)) for v in scan.values),
    )
    slow = find_sites(
        MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True),
        broken,
        "m.py",
        policy,
    ).sites
    return fast, slow


def _parseable(path: Path) -> bool:
    try:
        prefilter.scan(
            path.read_bytes(), prefilter.decode(path.read_bytes()), "storage_runtime"
        )
        return prefilter.generated_marker_line(path.read_bytes()) is None
    except prefilter.SourceError:
        return False


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=case_id(p)) for p in case_files() if _parseable(p)]
)
def test_fixture_positions(path: Path) -> None:
    fast, slow = _both(path.read_bytes(), policy_for(path))
    assert fast == slow


@pytest.mark.parametrize("name", REAL)
def test_stdlib_positions(name: str) -> None:
    path = STDLIB / name
    fast, slow = _both(path.read_bytes(), policy_for(path))
    assert fast and fast == slow


def test_non_ascii_columns_count_characters() -> None:
    source = 'x = ("é", open("p", "w"))\n'.encode()
    fast, slow = _both(source, policy_for(Path("m.py")))
    assert [s.column for s in fast] == [10] == [s.column for s in slow]


# Big modules with I/O in some classes and none in others (the cut takes whole classes).
# (tarfile.py opens through `from builtins import open as bltn_open`: BOUND_AT_IMPORT.)
PRUNE_SAMPLES = ["mailbox.py", "shutil.py", "pydoc.py", "zipfile.py", "configparser.py", "doctest.py"]


CLASSES = """\
from pathlib import Path


class Plain:
    size = 3

    def grow(self):
        self.size += 1
        return self.size

    def shrink(self):
        self.size -= 1


class Store:
    def __init__(self, root):
        self.root = Path(root)

    def load(self, name):
        return (self.root / name).read_text()

    def keep(self, name, text):
        Path(name).write_text(text)
"""


def test_a_class_without_candidates_is_cut_whole_and_put_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from migrate_storage.codemods.pipeline import prune

    source = CLASSES.encode()
    cut = _cut(source)
    assert cut is not None and cut.ranges == ((4, 12),)
    # `Plain` is named nowhere else, so it goes whole; `Store` holds the candidates and the
    # store its receivers are typed from (`__init__`), so it stays as written.
    assert b"Plain" not in cut.source
    assert CLASSES[CLASSES.index("class Store") :].encode() in cut.source
    assert prune.splice(cut, cut.source).source == source  # type: ignore[union-attr]
    fast, whole = _analysed_both_ways(source, policy_for(Path("m.py")), monkeypatch)
    assert fast.rewritten_cut is not None and whole.rewritten_cut is None  # the cut was used
    assert fast.sites == whole.sites and [s.line for s in fast.sites] == [20, 23]
    assert fast.new_source is not None and fast.new_source == whole.new_source
    assert b"class Plain:\n    size = 3" in fast.new_source


# -- the cut: bodies removed from the bytes before LibCST parses them ---------------------

DECORATED = """\
import functools
import json


def deprecated(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        print("deprecated")
        return func(*args, **kwargs)

    return wrapper


def save(data, name):
    with open(name, "w") as handle:
        json.dump(data, handle)


__all__ = ["deprecated", "save", "Tail"]  # spelled elsewhere: only the bodies are cut
"""


def _cut(source: bytes):
    from migrate_storage.codemods.pipeline import prune

    text = prefilter.decode(source)
    scan = prefilter.scan(source, text, "storage_runtime")
    return prune.cut_source(source, scan, [c.line for c in scan.candidates])


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_a_cut_keeps_decorated_inner_functions_whole_and_splices_back(ending: str) -> None:
    from migrate_storage.codemods.pipeline import prune

    source = DECORATED.replace("\n", ending).encode()
    cut = _cut(source)
    assert cut is not None and cut.ranges == ((5, 11),)
    assert cut.source == source.replace(
        b"".join(line + ending.encode() for line in [
            b"    @functools.wraps(func)",
            b"    def wrapper(*args, **kwargs):",
            b'        print("deprecated")',
            b"        return func(*args, **kwargs)",
            b"",
            b"    return wrapper",
        ]),
        b"    ..." + ending.encode(),
    )
    cst.parse_module(cut.source)  # the cut is still Python
    assert prune.splice(cut, cut.source).source == source  # type: ignore[union-attr]


def test_splice_refuses_a_rewrite_that_touches_a_cut_body() -> None:
    from migrate_storage.codemods.pipeline import prune

    cut = _cut(DECORATED.encode())
    assert cut is not None
    touched = cut.source.replace(b"    ...\n", b"    pass\n")
    assert prune.splice(cut, touched) is None
    added = cut.source.replace(b"import json\n", b"import json\nfrom storage_runtime import storage\n")
    spliced = prune.splice(cut, added)
    assert spliced is not None
    assert spliced.source == DECORATED.encode().replace(
        b"import json\n", b"import json\nfrom storage_runtime import storage\n"
    )
    # Each line of the rewritten cut is mapped to its line in the whole rewritten source.
    whole, lines = spliced.source.splitlines(), added.splitlines()
    assert len(spliced.lines) == len(lines)
    assert all(
        whole[at - 1] == line for at, line in zip(spliced.lines, lines) if line.strip() != b"..."
    )
    assert spliced.lines != tuple(range(1, len(lines) + 1))  # the cut bodies shift lines


def test_a_last_body_line_without_a_newline_is_cut_cleanly() -> None:
    from migrate_storage.codemods.pipeline import prune

    source = (DECORATED + "\n\nclass Tail:\n" + "".join(f"    x{i} = {i}\n" for i in range(7))).rstrip("\n").encode()
    cut = _cut(source)
    assert cut is not None and len(cut.ranges) == 2
    assert cut.source.endswith(b"class Tail:\n    ...\n")
    cst.parse_module(cut.source)
    assert prune.splice(cut, cut.source).source == source  # type: ignore[union-attr]


def test_units_no_kept_line_spells_are_cut_whole_and_splice_back() -> None:
    from migrate_storage.codemods.pipeline import prune as _prune

    helper = "".join(f"    v{i} = a * {i}\n" for i in range(4)) + "    return v3\n"
    source = (
        "import json\n\n\n"
        + "".join(f"def calc{n}(a):\n{helper}\n\n" for n in range(3))
        + "# a comment between\n\n@staticmethod\ndef decorated(a):\n" + helper + "\n\n"
        + "def used(a):\n" + helper + "\n\n"
        + 'def save(data, name):\n    with open(name, "w") as handle:\n        json.dump(used(data), handle)\n'
    ).encode()
    cut = _cut(source)
    assert cut is not None
    # The four unreferenced units (and the lines between them) are one `...` line; `used`,
    # which `save` calls, keeps its header.
    assert cut.source == (
        b"import json\n\n\n...\n\n\ndef used(a):\n    ...\n\n\n"
        + b'def save(data, name):\n    with open(name, "w") as handle:\n        json.dump(used(data), handle)\n'
    )
    assert _prune.splice(cut, cut.source).source == source  # type: ignore[union-attr]


def _analysed_both_ways(source: bytes, policy, monkeypatch: pytest.MonkeyPatch):
    from migrate_storage.codemods.pipeline import prune
    from migrate_storage.codemods.pipeline.engine import analyse_source

    cut = analyse_source(source, "m.py", policy)
    with monkeypatch.context() as patched:
        patched.setattr(prune, "cut_source", lambda *args: None)
        whole = analyse_source(source, "m.py", policy)
    return cut, whole


@pytest.mark.parametrize("name", PRUNE_SAMPLES)
def test_the_cut_gives_the_same_sites_and_rewrite_on_stdlib(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = STDLIB / name
    cut, whole = _analysed_both_ways(path.read_bytes(), policy_for(path), monkeypatch)
    assert cut.sites and cut.sites == whole.sites
    assert cut.new_source is not None and cut.new_source == whole.new_source


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=case_id(p)) for p in case_files() if _parseable(p)]
)
def test_the_cut_gives_the_same_sites_and_rewrite_on_fixtures(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cut, whole = _analysed_both_ways(path.read_bytes(), policy_for(path), monkeypatch)
    assert cut.sites == whole.sites and cut.new_source == whole.new_source


def test_the_trie_of_words_matches_exactly_what_the_plain_alternation_matches() -> None:
    """prefilter.word_alternation (the hint search's regex) against `\\b(?:a|b|...)\\b` over
    random texts built from prefixes and extensions of the words and separators."""
    import random
    import re

    from migrate_storage.codemods.pipeline.prefilter import word_alternation

    words = {"open", "open_file", "opener", "o", "read_text", "read", "re", "x.y", "fdopen"}
    trie = re.compile(r"\b" + word_alternation(words) + r"\b")
    plain = re.compile(
        r"\b(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r")\b"
    )
    pieces = ["open", "_file", "er", "o", "re", "ad", "_text", "x", ".", "y", "fd", " ", "(", "\n", "z"]
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(10))
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)], text
    assert word_alternation(set()) == "(?:(?!))"


def test_the_byte_prefilter_answers_as_the_plain_alternation_of_the_families_texts() -> None:
    """may_contain_target's regex (a trie of the plain words beside the few patterns) lets
    through exactly the modules the plain alternation of every family's text would."""
    import re
    import sys
    from pathlib import Path

    from migrate_storage.codemods.pipeline import prefilter

    texts = [t for t in prefilter.candidates().text if t]
    plain = re.compile("|".join(texts).encode())
    stdlib = Path(sys.modules["os"].__file__).parent  # type: ignore[arg-type]
    sources = [p.read_bytes() for p in sorted(stdlib.glob("*.py"))]
    sources += [b"x = 1\n", b"import os as o\no.replace(a, b)\n", b"data.to_csv(p)\n"]
    answers = [prefilter.may_contain_target(s, "storage_runtime") for s in sources]
    assert answers == [plain.search(s) is not None or b"storage_runtime" in s for s in sources]
    assert not all(answers) and any(answers)
