"""Where the rules come from: --rules, pyproject.toml, migrate-storage.toml, defaults."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from migrate_storage.codemods.errors import MigrateStorageError
from migrate_storage.codemods.model import Strategy
from migrate_storage.rules import RulesError, find_rules_file, load_rules

Write = Callable[..., Path]  # the `write` fixture (conftest.py)

DEDICATED = 'default = "pin"\n'
PYPROJECT = '[project]\nname = "x"\n\n[tool.migrate-storage]\ndefault = "local"\n'


def test_defaults_when_nothing_is_found(project: Path) -> None:
    (project / "src").mkdir()
    ruleset = load_rules(None, project / "src")
    assert ruleset.source is None
    assert ruleset.root == project / "src"
    assert ruleset.default is Strategy.CACHE
    assert ruleset.runtime == "storage_runtime"
    assert ruleset.rules == ()
    policy = ruleset.policy_for(project / "src" / "a.py")
    assert (policy.strategy, policy.runtime_module, policy.rule) == (Strategy.CACHE, "storage_runtime", None)


def test_start_may_be_a_file(project: Path, write: Write) -> None:
    write("migrate-storage.toml", DEDICATED)
    source = write("pkg/mod.py", "")
    assert load_rules(None, source).source == project / "migrate-storage.toml"


@pytest.mark.parametrize(
    ("files", "start", "expected"),
    [
        # same folder: the dedicated file wins over pyproject.toml
        ({"migrate-storage.toml": DEDICATED, "pyproject.toml": PYPROJECT}, ".", "migrate-storage.toml"),
        # the nearest folder wins, whichever kind of file it holds
        (
            {"pyproject.toml": PYPROJECT, "sub/migrate-storage.toml": DEDICATED},
            "sub",
            "sub/migrate-storage.toml",
        ),
        ({"migrate-storage.toml": DEDICATED, "sub/pyproject.toml": PYPROJECT}, "sub", "sub/pyproject.toml"),
        # a pyproject.toml without [tool.migrate-storage] is passed over
        (
            {"migrate-storage.toml": DEDICATED, "sub/pyproject.toml": '[project]\nname = "x"\n'},
            "sub",
            "migrate-storage.toml",
        ),
        # ... even one that mentions the tool elsewhere
        (
            {
                "pyproject.toml": PYPROJECT,
                "sub/pyproject.toml": '[project]\ndescription = "migrate-storage"\n',
            },
            "sub/deeper",
            "pyproject.toml",
        ),
    ],
)
def test_precedence_of_sources(
    project: Path, write: Write, files: dict[str, str], start: str, expected: str
) -> None:
    for name, text in files.items():
        write(name, text)
    (project / start).mkdir(parents=True, exist_ok=True)
    ruleset = load_rules(None, project / start)
    assert ruleset.source == project / expected
    assert ruleset.root == (project / expected).parent
    assert find_rules_file(project / start) is not None


def test_pyproject_section_is_read(project: Path, write: Write) -> None:
    write(
        "pyproject.toml",
        """
        [project]
        name = "demo"

        [tool.migrate-storage]
        runtime = "company.storage"
        default = "pin"
        exclude = ["vendor/**"]

        [[tool.migrate-storage.rules]]
        paths = ["secrets/**"]
        strategy = "local"
    """,
    )
    ruleset = load_rules(None, project)
    assert ruleset.runtime == "company.storage"
    assert ruleset.default is Strategy.PIN
    assert ruleset.policy_for(project / "secrets" / "vault.py").strategy is Strategy.LOCAL
    assert ruleset.policy_for(project / "vendor" / "x.py").excluded
    assert ruleset.rules[0].describe() == (
        "pyproject.toml:9 [[tool.migrate-storage.rules]] #1 paths=['secrets/**'] strategy=local"
    )


def test_explicit_rules_file_wins_over_discovery(project: Path, write: Write) -> None:
    write("migrate-storage.toml", DEDICATED)
    other = write("conf/strict.toml", 'default = "local"\n')
    ruleset = load_rules(other, project)
    assert ruleset.source == other
    assert ruleset.root == project / "conf"  # globs are relative to the rules file
    assert ruleset.default is Strategy.LOCAL


def test_explicit_pyproject_reads_its_section(project: Path, write: Write) -> None:
    path = write("pyproject.toml", PYPROJECT)
    assert load_rules(path, project / "elsewhere").default is Strategy.LOCAL


def test_discovery_stops_at_the_project_root(tmp_path: Path, write: Write) -> None:
    write("migrate-storage.toml", DEDICATED)  # above the project: must not apply
    (tmp_path / "proj" / ".git").mkdir(parents=True)
    (tmp_path / "proj" / "src").mkdir()
    ruleset = load_rules(None, tmp_path / "proj" / "src")
    assert ruleset.source is None
    assert find_rules_file(tmp_path / "proj" / "src") is None


@pytest.mark.parametrize(
    ("name", "content", "line", "message"),
    [
        ("rules.toml", None, None, "rules file not found"),
        ("rules.toml", b'runtime = "x"\ndefault = \n', 2, "invalid TOML: Invalid value"),
        (
            "rules.toml",
            b"a = 1\n[[rules]\n",
            2,
            "invalid TOML: Expected ']]' at the end of an array declaration",
        ),
        ("rules.toml", b'runtime = "x"\n# caf\xe9\n', 2, "rules file is not valid UTF-8"),
        (
            "pyproject.toml",
            b'[project]\nname = "x"\n',
            None,
            "no [tool.migrate-storage] table in this pyproject.toml",
        ),
        ("pyproject.toml", b"[tool]\nmigrate-storage = 3\n", 2, "'tool.migrate-storage' must be a table"),
    ],
)
def test_unloadable_files(
    tmp_path: Path, name: str, content: bytes | None, line: int | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(RulesError) as info:
        load_rules(path, tmp_path)
    assert (info.value.path, info.value.line, info.value.message) == (path, line, message)
    assert isinstance(info.value, MigrateStorageError)
    where = f"{path}:{line}" if line else str(path)
    assert str(info.value) == f"{where}: {message}"


def test_invalid_pyproject_met_during_discovery_is_reported(project: Path, write: Write) -> None:
    write("pyproject.toml", "[tool.migrate-storage\n")
    with pytest.raises(RulesError) as info:
        load_rules(None, project)
    assert info.value.line == 1 and info.value.message.startswith("invalid TOML")


def test_digest_covers_the_bytes_and_the_runtime(
    project: Path, write: Write, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = write("migrate-storage.toml", 'runtime = "a"\n')
    first = load_rules(None, project).digest
    assert first == hashlib.sha256(b"migrate-storage rules\0" + path.read_bytes() + b"\0a").hexdigest()
    assert load_rules(None, project).digest == first  # stable
    path.write_text('runtime = "a"\n# a comment changes the bytes\n')
    assert load_rules(None, project).digest != first
    elsewhere = tmp_path_factory.mktemp("no-rules")
    (elsewhere / ".git").mkdir()
    defaults = load_rules(None, elsewhere)
    assert defaults.source is None
    assert defaults.digest != load_rules(path, project).digest


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(b'\xef\xbb\xbfdefault = "pin"\n[[rules]]\npaths = ["a"]\nstrategy = "pinn"\n')
    with pytest.raises(RulesError) as info:
        load_rules(path, tmp_path)
    assert info.value.line == 4
