"""One secret-path rule (storage_runtime.secret_paths) for `rules`, the finder and the runtime.

The three used to keep copies, and the copies disagreed: `rules` matched case-sensitively
and ignored secret folders, so `.ENV`, `x.PEM` and `home/.ssh/config` were secret to the
finder and the runtime but not to `rules check` / `rules explain`.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from migrate_storage.codemods.analysis.secret_paths import looks_secret
from migrate_storage.codemods.cli import main
from migrate_storage.rules import check, load_rules
from storage_runtime import _paths
from storage_runtime.config import Settings

# The three shapes the copies disagreed on, then a spread of others.
DISAGREED = [".ENV", "x.PEM", "home/.ssh/config"]
PATHS = [
    *DISAGREED,
    ".env",
    "conf/.Env.Production",
    "keys/Server.Key",
    "ID_RSA.pub",
    "a/.GnuPG/trustdb",
    "a/.ssh",
    "src/environment.py",
    "sshd/config",
    "keys.py",
    "secretary.txt",
    "tests/fixtures/selfsigned.pem",
    # issue 15 item 9: published before the rule was widened
    ".envrc",
    ".env~",
    "my.pem.bak",
    "secrets/db_password.txt",
    ".docker/config.json",
    "terraform.tfstate",
    # ordinary names near them
    "docker/config.json",
    "notes.bak",
    "passing.txt",
]


@pytest.mark.parametrize("rel", PATHS)
def test_rules_the_finder_and_the_runtime_give_one_answer(
    tmp_path: Path, rel: str
) -> None:
    (tmp_path / "migrate-storage.toml").write_text(
        'allow_secrets = ["tests/fixtures/*.pem"]\n'
    )
    ruleset = load_rules(None, tmp_path)
    runtime = _paths.is_secret(
        str(tmp_path / rel),
        Settings(root=str(tmp_path), allow_secrets=("tests/fixtures/*.pem",)),
    )
    assert (
        ruleset.is_secret(tmp_path / rel)
        is looks_secret(rel, ("tests/fixtures/*.pem",))
        is runtime
    )


@pytest.mark.parametrize("rel", DISAGREED)
def test_rules_explain_notes_the_paths_the_copies_missed(
    tmp_path: Path, rel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "migrate-storage.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["rules", "explain", rel])
    assert done.exit_code == 0, done.output
    assert "this path looks like a secret" in done.output
    assert looks_secret(rel) and _paths.is_secret(rel)


@pytest.mark.parametrize("rel", DISAGREED)
def test_rules_check_warns_about_a_pin_rule_on_the_paths_the_copies_missed(
    tmp_path: Path, rel: str
) -> None:
    (tmp_path / "migrate-storage.toml").write_text(
        f'[[rules]]\npaths = ["{Path(rel).parent.as_posix() if "/" in rel else ""}**"]\nstrategy = "pin"\n'.replace(
            '[""**"]', '["**"]'
        )
    )
    target = tmp_path / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("")
    warnings = [p.message for p in check(load_rules(None, tmp_path), [tmp_path])]
    assert any("secret-looking files" in w and rel in w for w in warnings), warnings


def test_importing_the_rule_builds_no_storage() -> None:
    code = textwrap.dedent(
        """
        import sys
        import storage_runtime.secret_paths
        import migrate_storage.rules, migrate_storage.codemods.analysis.secret_paths
        package = sys.modules["storage_runtime"]
        print("storage" in vars(package))
        from storage_runtime import storage
        print(type(storage).__name__, vars(package)["storage"] is storage)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "Storage", "True"]
