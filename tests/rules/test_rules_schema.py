"""Every error a rules file can hold: its exact text, file and line, strict and lenient."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from migrate_storage.rules import RulesError, check, load_rules
from migrate_storage.rules.schema import glob_error

RULE = "[[rules]]\n"
ABS = "absolute paths are not allowed; globs are relative to the folder of the rules file"

# (rules file text, line of the error, message)
ERRORS = [
    ('defualt = "pin"\n', 1, "unknown key 'defualt' (did you mean 'default'?)"),
    ("zzz = 1\n", 1, "unknown key 'zzz' (known keys: runtime, default, exclude, allow_secrets, rules)"),
    ("runtime = 3\n", 1, "'runtime' must be a string, not an integer"),
    (
        'runtime = "storage-runtime"\n',
        1,
        "'runtime' must be a dotted module name such as 'storage_runtime', not 'storage-runtime'",
    ),
    (
        'runtime = "a.class"\n',
        1,
        "'runtime' must be a dotted module name such as 'storage_runtime', not 'a.class'",
    ),
    ('\ndefault = "pinned"\n', 2, "'default': unknown strategy 'pinned' (did you mean 'pin'?)"),
    ('default = "upload"\n', 1, "'default': unknown strategy 'upload' (expected pin, cache or local)"),
    ("default = true\n", 1, "'default' must be a string, not a boolean"),
    ('exclude = "build/"\n', 1, "'exclude' must be a list of strings, not a string"),
    ('exclude = [\n  "build/",\n  4,\n]\n', 3, "'exclude[1]' must be a string, not an integer"),
    (
        'exclude = ["../up"]\n',
        1,
        "'exclude[0]': malformed glob '../up': '..' is not allowed; a glob cannot reach outside the folder of the rules file",
    ),
    (
        'allow_secrets = ["/etc/ssl/*.pem"]\n',
        1,
        f"'allow_secrets[0]': malformed glob '/etc/ssl/*.pem': {ABS}",
    ),
    ("rules = 3\n", 1, "'rules' must be an array of tables ([[rules]]), not an integer"),
    ('[rules]\npaths = ["a"]\n', 1, "'rules' must be an array of tables ([[rules]]), not a table"),
    (RULE + 'strategy = "pin"\n', 1, "[[rules]] #1: missing required key 'paths'"),
    (RULE + 'paths = ["a"]\n', 1, "[[rules]] #1: missing required key 'strategy'"),
    (RULE + 'paths = []\nstrategy = "pin"\n', 2, "[[rules]] #1: 'paths' must not be empty"),
    (
        RULE + 'paths = "models/**"\nstrategy = "pin"\n',
        2,
        "[[rules]] #1: 'paths' must be a list of strings, not a string",
    ),
    (
        RULE + 'paths = ["a", 3]\nstrategy = "pin"\n',
        2,
        "[[rules]] #1: 'paths[1]' must be a string, not an integer",
    ),
    (
        RULE + 'paths = ["a"]\nstrategy = "Pin"\n',
        3,
        "[[rules]] #1: 'strategy': unknown strategy 'Pin' (did you mean 'pin'?)",
    ),
    (
        RULE + 'paths = ["a"]\nstrategy = ["pin"]\n',
        3,
        "[[rules]] #1: 'strategy' must be a string, not an array",
    ),
    (
        RULE + 'paths = ["a"]\nstrategy = "pin"\nfamilies = "json"\n',
        4,
        "[[rules]] #1: 'families' must be a list of strings, not a string",
    ),
    (
        RULE + 'paths = ["a"]\nstrategy = "pin"\nfamilies = []\n',
        4,
        "[[rules]] #1: 'families' must not be empty (leave it out to cover every family)",
    ),
    (
        RULE + 'paths = ["a"]\nstrategy = "pin"\nfamilies = ["json",\n  "pickel"]\n',
        5,
        "[[rules]] #1: 'families[1]': unknown family 'pickel' (did you mean 'pickle'?)",
    ),
    (
        RULE + 'paths = ["a"]\nstrategy = "pin"\nfamilies = ["unsupported"]\n',
        4,
        "[[rules]] #1: 'families[0]': unknown family 'unsupported' (expected open, pathlib, json, pickle, lifecycle, third-party or existence)",
    ),
    (
        RULE + 'paths = ["a"]\nstrategy = "pin"\nfamilies = ["json", "json"]\n',
        4,
        "[[rules]] #1: 'families' lists 'json' twice",
    ),
    (
        RULE + 'paths = ["a"]\nstrategy = "pin"\nfamilies = [1]\n',
        4,
        "[[rules]] #1: 'families[0]' must be a string, not an integer",
    ),
    (
        RULE + 'paths = ["a"]\nstrategy = "pin"\nname = 1\n',
        4,
        "[[rules]] #1: 'name' must be a string, not an integer",
    ),
    (
        RULE + 'paths = ["a"]\nstrategy = "pin"\ndescription = []\n',
        4,
        "[[rules]] #1: 'description' must be a string, not an array",
    ),
    (
        RULE + 'paths = ["a"]\nstrategy = "pin"\nstrategies = "x"\n',
        4,
        "[[rules]] #1: unknown key 'strategies' (did you mean 'strategy'?)",
    ),
    # the error names the rule by its position in the file, and points at its own line
    (
        RULE + 'paths = ["a"]\nstrategy = "pin"\n\n' + RULE + 'paths = ["b"]\nstrategy = "pinn"\n',
        7,
        "[[rules]] #2: 'strategy': unknown strategy 'pinn' (did you mean 'pin'?)",
    ),
    # globs
    (
        RULE + 'paths = ["!"]\nstrategy = "pin"\n',
        2,
        "[[rules]] #1: 'paths[0]': malformed glob '!': an empty pattern matches nothing",
    ),
    (
        RULE + "paths = ['a', '\\']\nstrategy = 'pin'\n",
        2,
        "[[rules]] #1: 'paths[1]': malformed glob '\\\\': pathspec rejects it (Invalid git pattern: '\\\\')",
    ),
    (
        RULE + 'paths = ["src/[abc"]\nstrategy = "pin"\n',
        2,
        "[[rules]] #1: 'paths[0]': malformed glob 'src/[abc': it matches nothing in gitignore syntax (an unclosed '[' or a lone '/')",
    ),
    (
        RULE + 'paths = ["/home/me/proj/**"]\nstrategy = "pin"\n',
        2,
        f"[[rules]] #1: 'paths[0]': malformed glob '/home/me/proj/**': {ABS}",
    ),
    (
        RULE + "paths = ['C:\\proj\\x']\nstrategy = \"pin\"\n",
        2,
        f"[[rules]] #1: 'paths[0]': malformed glob 'C:\\\\proj\\\\x': {ABS}",
    ),
    (
        RULE + 'paths = ["a/../b"]\nstrategy = "pin"\n',
        2,
        "[[rules]] #1: 'paths[0]': malformed glob 'a/../b': '..' is not allowed; a glob cannot reach outside the folder of the rules file",
    ),
    (
        RULE + 'paths = ["./models/**"]\nstrategy = "pin"\n',
        2,
        "[[rules]] #1: 'paths[0]': malformed glob './models/**': '.' components never match in gitignore syntax; drop the './'",
    ),
    (
        RULE + 'paths = ["~/x"]\nstrategy = "pin"\n',
        2,
        "[[rules]] #1: 'paths[0]': malformed glob '~/x': '~' is not expanded; globs are relative to the folder of the rules file",
    ),
    (
        RULE + 'paths = [" "]\nstrategy = "pin"\n',
        2,
        "[[rules]] #1: 'paths[0]': malformed glob ' ': an empty pattern matches nothing",
    ),
    (
        RULE + 'paths = ["#notes"]\nstrategy = "pin"\n',
        2,
        "[[rules]] #1: 'paths[0]': malformed glob '#notes': a pattern starting with '#' is a comment in gitignore syntax (escape it: '\\#')",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), ERRORS)
def test_strict_load_raises_the_error_with_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / "migrate-storage.toml"
    path.write_text(text)
    with pytest.raises(RulesError) as info:
        load_rules(path, tmp_path)
    assert (info.value.path, info.value.line, info.value.message) == (path, line, message)
    assert str(info.value) == f"{path}:{line}: {message}"


@pytest.mark.parametrize(("text", "line", "message"), ERRORS)
def test_same_errors_in_pyproject_name_the_section(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    """Should report the same text, one line lower, with the rules table's pyproject name."""
    body = text.replace("[[rules]]", "[[tool.migrate-storage.rules]]").replace(
        "[rules]", "[tool.migrate-storage.rules]"
    )
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.migrate-storage]\n" + body)
    with pytest.raises(RulesError) as info:
        load_rules(None, tmp_path)
    expected = message.replace("[[rules]]", "[[tool.migrate-storage.rules]]")
    assert (info.value.path, info.value.line, info.value.message) == (path, line + 1, expected)


def test_lenient_load_collects_every_error_in_line_order(tmp_path: Path) -> None:
    path = tmp_path / "migrate-storage.toml"
    path.write_text(
        textwrap.dedent("""\
        defualt = "pin"
        exclude = ["../x"]

        [[rules]]
        paths = ["models/**"]
        strategy = "pinn"

        [[rules]]
        paths = ["ok/**"]
        strategy = "cache"

        [[rules]]
        paths = ["a"]
        stratgy = "pin"
        strategy = "local"
    """)
    )
    with pytest.raises(RulesError) as info:
        load_rules(path, tmp_path)
    assert info.value.line == 1  # strict: the first one by line
    ruleset = load_rules(path, tmp_path, strict=False)
    assert [(p.line, p.level) for p in ruleset.load_problems] == [
        (1, "error"),
        (2, "error"),
        (6, "error"),
        (14, "error"),
    ]
    assert [p.message for p in ruleset.load_problems][
        3
    ] == "[[rules]] #3: unknown key 'stratgy' (did you mean 'strategy'?)"
    # broken rules are dropped; the good one keeps its position in the file
    assert [r.index for r in ruleset.rules] == [2]
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.py").write_text("")
    errors = [p for p in check(ruleset, [tmp_path]) if p.level == "error"]
    assert errors == list(ruleset.load_problems)
    assert errors[0].format() == f"{path}:1: error: unknown key 'defualt' (did you mean 'default'?)"


@pytest.mark.parametrize(
    "glob",
    [
        "models/**",
        "*.py",
        "/setup.py",
        "build/",
        "!keep.py",
        "src/**/test_*.py",
        "a/[bc]/*.py",
        "\\#literal",
        "**",
    ],
)
def test_ordinary_globs_are_accepted(glob: str) -> None:
    """Should accept these, since they are plain gitignore patterns ('/setup.py' is the anchor)."""
    assert glob_error(glob) is None


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('rules = [\n  "models/**",\n]\n', 2, "[[rules]] #1: must be a table, not a string"),
        (
            '[tool.migrate-storage]\ndefault = "pin"\n',
            1,
            "unknown key 'tool' (in a dedicated rules file the keys go at the top level, without [tool.migrate-storage])",
        ),
        # an array of inline tables is as good as [[rules]] headers, and errors point inside it
        (
            'rules = [\n  { paths = ["a"], strategy = "pin" },\n  { paths = ["b"], strategy = "pinn" },\n]\n',
            3,
            "[[rules]] #2: 'strategy': unknown strategy 'pinn' (did you mean 'pin'?)",
        ),
    ],
)
def test_more_shapes(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(RulesError) as info:
        load_rules(path, tmp_path)
    assert (info.value.line, info.value.message) == (line, message)
