"""check(): warnings that need the tree (rules matching nothing, secrets published)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from migrate_storage.rules import Problem, RuleSet, check, load_rules


def _load(tmp_path: Path, text: str, files: tuple[str, ...] = ()) -> RuleSet:
    for rel in files:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "migrate-storage.toml").write_text(textwrap.dedent(text))
    return load_rules(None, tmp_path)


def _warnings(problems: list[Problem]) -> list[tuple[int | None, str]]:
    assert all(p.level == "warning" for p in problems)
    return [(p.line, p.message) for p in problems]


def test_rule_that_matches_no_file(tmp_path: Path) -> None:
    ruleset = _load(
        tmp_path,
        """\
        [[rules]]
        paths = ["src/**"]
        strategy = "pin"

        [[rules]]
        paths = ["srcs/models/**", "lib/*.py"]
        strategy = "pin"
    """,
        ("src/a.py",),
    )
    problems = check(ruleset, [tmp_path])
    assert _warnings(problems) == [(5, f"[[rules]] #2: matches no file under {tmp_path}")]
    assert problems[0].path == tmp_path / "migrate-storage.toml"
    assert (
        problems[0].format()
        == f"{tmp_path}/migrate-storage.toml:5: warning: [[rules]] #2: matches no file under {tmp_path}"
    )


def test_only_files_under_the_given_paths_count(tmp_path: Path) -> None:
    ruleset = _load(tmp_path, '[[rules]]\npaths = ["lib/**"]\nstrategy = "cache"\n', ("lib/a.py", "src/b.py"))
    assert check(ruleset, [tmp_path / "lib"]) == []
    assert _warnings(check(ruleset, [tmp_path / "src", tmp_path / "src/b.py"])) == [
        (1, f"[[rules]] #1: matches no file under {tmp_path / 'src'}, {tmp_path / 'src/b.py'}")
    ]


def test_files_in_vcs_folders_do_not_count(tmp_path: Path) -> None:
    ruleset = _load(tmp_path, '[[rules]]\npaths = ["objects/**"]\nstrategy = "cache"\n', (".git/objects/ab",))
    assert len(check(ruleset, [tmp_path])) == 1


FIX = 'add a later rule with strategy = "local" for them, or list them in allow_secrets'


@pytest.mark.parametrize(
    ("rules", "files", "expected"),
    [
        # a pin rule decides secret-looking files: named, up to three, in path order
        (
            '[[rules]]\npaths = ["config/**"]\nstrategy = "pin"\n',
            (
                "config/.env",
                "config/app.py",
                "config/tls/server.pem",
                "config/id_rsa",
                "config/credentials.json",
            ),
            [
                (
                    1,
                    "[[rules]] #1: strategy pin applies to secret-looking files: config/.env, config/credentials.json, "
                    f"config/id_rsa and 1 more; {FIX}",
                )
            ],
        ),
        # a family-specific cache rule still publishes them
        (
            '[[rules]]\npaths = ["config/**"]\nstrategy = "cache"\nfamilies = ["json"]\n',
            ("config/.env",),
            [(1, f"[[rules]] #1: strategy cache applies to secret-looking files: config/.env; {FIX}")],
        ),
        # a later local rule wins, so nothing is published: no warning
        (
            '[[rules]]\npaths = ["config/**"]\nstrategy = "pin"\n\n[[rules]]\npaths = [".env"]\nstrategy = "local"\n',
            ("config/.env", "config/app.py"),
            [],
        ),
        # allowed explicitly
        (
            'allow_secrets = ["config/.env"]\n[[rules]]\npaths = ["config/**"]\nstrategy = "pin"\n',
            ("config/.env",),
            [],
        ),
        # excluded files are never rewritten
        ('exclude = ["config/"]\n[[rules]]\npaths = ["**"]\nstrategy = "pin"\n', ("config/.env", "a.py"), []),
        # local rules never publish
        ('[[rules]]\npaths = ["**"]\nstrategy = "local"\n', ("config/.env",), []),
        # the default strategy is not a rule: no warning (the runtime's deny list still applies)
        ('default = "pin"\n[[rules]]\npaths = ["*.py"]\nstrategy = "local"\n', (".env", "a.py"), []),
        # a glob that names secrets outright warns even before any such file exists
        (
            '[[rules]]\npaths = ["src/**", "certs/*.pem", "deploy/.env"]\nstrategy = "pin"\n',
            ("src/a.py",),
            [
                (
                    1,
                    "[[rules]] #1: strategy pin with globs that name secret-looking files: 'certs/*.pem', 'deploy/.env'; "
                    + FIX,
                )
            ],
        ),
        (
            'allow_secrets = ["*.pem"]\n[[rules]]\npaths = ["src/**", "certs/*.pem"]\nstrategy = "pin"\n',
            ("src/a.py",),
            [],
        ),
    ],
)
def test_secret_looking_files_under_pin_or_cache(
    tmp_path: Path, rules: str, files: tuple[str, ...], expected: list[tuple[int, str]]
) -> None:
    ruleset = _load(tmp_path, rules, files)
    assert _warnings(check(ruleset, [tmp_path])) == expected


def test_defaults_have_nothing_to_check(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".env").write_text("")
    assert check(load_rules(None, tmp_path), [tmp_path]) == []


def test_errors_and_warnings_are_sorted_by_line(tmp_path: Path) -> None:
    (tmp_path / "migrate-storage.toml").write_text(
        textwrap.dedent("""\
        [[rules]]
        paths = ["nothing/**"]
        strategy = "pin"

        [[rules]]
        paths = ["a.py"]
        strategy = "pinn"
    """)
    )
    problems = check(load_rules(None, tmp_path, strict=False), [tmp_path])
    assert [(p.line, p.level) for p in problems] == [(1, "warning"), (7, "error")]
