"""policy_for / is_excluded: last match wins, per family; exclude; paths outside the root."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from migrate_storage.codemods.families.registry import REWRITABLE_FAMILIES
from migrate_storage.codemods.model import Family, Strategy
from migrate_storage.codemods.policy import FilePolicy
from migrate_storage.rules import RuleSet, load_rules

PIN, CACHE, LOCAL = Strategy.PIN, Strategy.CACHE, Strategy.LOCAL
OPEN, PATHLIB, JSON, PICKLE = Family.OPEN, Family.PATHLIB, Family.JSON, Family.PICKLE

RULES = """\
default = "cache"
exclude = ["build/", "vendor/**", "**/migrations/*.py"]

[[rules]]
paths = ["src/**"]
strategy = "pin"

[[rules]]
paths = ["src/api/**", "!src/api/keep_pinned.py"]
strategy = "cache"

[[rules]]
paths = ["src/api/secret*.py"]
strategy = "local"

[[rules]]
paths = ["src/reports/**"]
strategy = "local"
families = ["json"]

[[rules]]
paths = ["src/reports/mixed.py"]
strategy = "cache"
families = ["pickle", "open"]

[[rules]]
paths = ["*.pem", "/top.py"]
strategy = "local"
"""


@pytest.fixture
def ruleset(tmp_path: Path) -> RuleSet:
    (tmp_path / "migrate-storage.toml").write_text(RULES)
    return load_rules(None, tmp_path)


#: The families these cases spell out (a family added later falls back like these do).
FAMILIES = REWRITABLE_FAMILIES  # the expected tuples below spell out this order


def _all(policy: FilePolicy) -> tuple[Strategy, ...]:
    return tuple(policy.strategy_for(f) for f in FAMILIES)


@pytest.mark.parametrize(
    ("rel", "expected", "rule_index"),
    [
        ("src/models/convert.py", (PIN, PIN, PIN, PIN, PIN, PIN, PIN), 1),
        ("src/api/client.py", (CACHE, CACHE, CACHE, CACHE, CACHE, CACHE, CACHE), 2),  # later rule overrides #1
        ("src/api/keep_pinned.py", (PIN, PIN, PIN, PIN, PIN, PIN, PIN), 1),  # negated inside rule #2
        ("src/api/secret_store.py", (LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL), 3),
        ("src/reports/weekly.py", (PIN, PIN, LOCAL, PIN, PIN, PIN, PIN), 4),  # only json is overridden
        ("src/reports/mixed.py", (CACHE, PIN, LOCAL, CACHE, PIN, PIN, PIN), 5),  # three strategies in one file
        ("scripts/run.py", (CACHE, CACHE, CACHE, CACHE, CACHE, CACHE, CACHE), None),  # no rule: the default
        ("src/keys/server.pem", (LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL), 6),  # unanchored glob: any depth
        ("top.py", (LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL), 6),
        ("src/top.py", (PIN, PIN, PIN, PIN, PIN, PIN, PIN), 1),  # '/top.py' is anchored to the root
    ],
)
def test_last_matching_rule_wins_per_family(
    ruleset: RuleSet, rel: str, expected: tuple[Strategy, ...], rule_index: int | None
) -> None:
    policy = ruleset.policy_for(ruleset.root / rel)
    assert _all(policy) == expected
    assert policy.runtime_module == "storage_runtime"
    assert not policy.excluded
    if rule_index is None:
        assert policy.rule is None
    else:
        assert policy.rule is not None and f"[[rules]] #{rule_index} " in policy.rule


def test_family_rule_encoding(ruleset: RuleSet) -> None:
    weekly = ruleset.policy_for(ruleset.root / "src/reports/weekly.py")
    assert (weekly.strategy, weekly.families, weekly.fallback, weekly.by_family) == (
        LOCAL,
        (JSON,),
        PIN,
        None,
    )
    assert weekly.rule == (
        "migrate-storage.toml:16 [[rules]] #4 paths=['src/reports/**'] strategy=local families=['json']"
    )
    mixed = ruleset.policy_for(ruleset.root / "src/reports/mixed.py")
    assert (mixed.strategy, mixed.families) == (CACHE, (PICKLE, OPEN))
    # json (rule #4) and pathlib (rule #1) differ: one fallback cannot say it
    assert mixed.by_family is not None and dict(mixed.by_family)[JSON] is LOCAL
    assert mixed.strategy_for(Family.UNSUPPORTED) is PIN  # follows the last all-family rule
    plain = ruleset.policy_for(ruleset.root / "src/models/convert.py")
    assert (plain.strategy, plain.families, plain.fallback, plain.by_family) == (PIN, None, None, None)
    assert plain.rule == "migrate-storage.toml:4 [[rules]] #1 paths=['src/**'] strategy=pin"


def test_family_rule_without_an_earlier_match_falls_back_to_the_default(tmp_path: Path) -> None:
    (tmp_path / "migrate-storage.toml").write_text(
        'default = "local"\n[[rules]]\npaths = ["*.py"]\nstrategy = "pin"\nfamilies = ["pathlib"]\n'
    )
    policy = load_rules(None, tmp_path).policy_for(tmp_path / "a.py")
    assert _all(policy) == (LOCAL, PIN, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL)
    assert (policy.fallback, policy.by_family) == (LOCAL, None)


@pytest.mark.parametrize(
    ("rel", "glob", "line"),
    [
        ("build/lib/x.py", "build/", 2),
        ("vendor/a/b.py", "vendor/**", 2),
        ("app/migrations/0001.py", "**/migrations/*.py", 2),
    ],
)
def test_exclude(ruleset: RuleSet, rel: str, glob: str, line: int) -> None:
    path = ruleset.root / rel
    assert ruleset.is_excluded(path)
    policy = ruleset.policy_for(path)
    assert policy.excluded
    assert policy.rule == f"migrate-storage.toml:{line} exclude {glob!r}"


def test_excluded_folders_match_as_folders(ruleset: RuleSet) -> None:
    (ruleset.root / "build").mkdir()
    (ruleset.root / "vendor").mkdir()
    assert ruleset.is_excluded(ruleset.root / "build")  # 'build/' matches the folder itself
    assert ruleset.is_excluded(ruleset.root / "vendor")  # 'vendor/**' too, so discovery can prune it
    assert not ruleset.is_excluded(ruleset.root / "src")
    (ruleset.root / "buildx.py").write_text("")
    assert not ruleset.is_excluded(ruleset.root / "buildx.py")


def test_relative_paths_are_relative_to_the_current_directory(
    ruleset: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    (ruleset.root / "src" / "api").mkdir(parents=True)
    monkeypatch.chdir(ruleset.root / "src")
    assert _all(ruleset.policy_for(Path("api/client.py"))) == (CACHE,) * len(FAMILIES)
    assert _all(ruleset.policy_for(Path("models/m.py"))) == (PIN,) * len(FAMILIES)
    assert ruleset.policy_for(Path("../src/api/../models/m.py")).strategy is PIN  # normalised
    monkeypatch.chdir(ruleset.root)
    assert ruleset.is_excluded(Path("vendor/x.py"))
    assert ruleset.policy_for("src/api/client.py").strategy is CACHE  # str works too


def test_paths_outside_the_root_match_nothing(
    ruleset: RuleSet, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Should apply the default, since globs are relative to the rules file's folder."""
    outside = tmp_path_factory.mktemp("elsewhere") / "src" / "models" / "m.py"
    policy = ruleset.policy_for(outside)
    assert (_all(policy), policy.rule, policy.excluded) == ((CACHE,) * len(FAMILIES), None, False)
    assert not ruleset.is_excluded(outside.parent.parent.parent / "vendor" / "x.py")
    assert ruleset.relative(ruleset.root) is None  # the root itself is not a file under it


def test_symlinked_root_is_matched_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "migrate-storage.toml").write_text('[[rules]]\npaths = ["m/**"]\nstrategy = "pin"\n')
    (tmp_path / "link").symlink_to(real)
    ruleset = load_rules(None, real)
    assert ruleset.policy_for(tmp_path / "link" / "m" / "x.py").strategy is PIN


def test_runtime_module_is_carried_into_every_policy(tmp_path: Path) -> None:
    (tmp_path / "migrate-storage.toml").write_text(
        textwrap.dedent("""\
        runtime = "company.storage_runtime"
        [[rules]]
        paths = ["a.py"]
        strategy = "local"
    """)
    )
    ruleset = load_rules(None, tmp_path)
    assert ruleset.policy_for(tmp_path / "a.py").runtime_module == "company.storage_runtime"
    assert ruleset.policy_for(tmp_path / "b.py").runtime_module == "company.storage_runtime"


@pytest.mark.parametrize(
    ("rel", "secret"),
    [
        (".env", True),
        ("conf/.env.production", True),
        ("keys/server.pem", True),
        ("id_rsa.pub", True),
        ("credentials.json", True),
        ("home/.netrc", True),
        ("tests/fixtures/selfsigned.pem", False),
        ("src/environment.py", False),
        ("keys.py", False),
    ],
)
def test_secret_looking_paths(tmp_path: Path, rel: str, secret: bool) -> None:
    (tmp_path / "migrate-storage.toml").write_text('allow_secrets = ["tests/fixtures/*.pem"]\n')
    assert load_rules(None, tmp_path).is_secret(tmp_path / rel) is secret


def test_ruleset_and_policies_survive_pickling(ruleset: RuleSet) -> None:
    """Should pickle, since the CLI's worker processes may receive either."""
    import pickle

    copy = pickle.loads(pickle.dumps(ruleset))
    for rel in ("src/reports/mixed.py", "src/api/client.py", "vendor/x.py", "top.py"):
        assert copy.policy_for(ruleset.root / rel) == ruleset.policy_for(ruleset.root / rel)
    policy = ruleset.policy_for(ruleset.root / "src/reports/mixed.py")
    assert pickle.loads(pickle.dumps(policy)) == policy
