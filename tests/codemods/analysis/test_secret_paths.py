"""Sites whose literal path looks secret are LOCAL (reason SECRET_PATH) and never rewritten.

The runtime refuses to publish such paths whatever the code says, so the report must not
count them as migrated or pending, and `apply` must not add `pin=True` to them.
"""

from __future__ import annotations

import textwrap

import pytest
from migrate_storage.codemods.analysis.secret_paths import looks_secret
from migrate_storage.codemods.model import FileStatus, Reason, Status, Strategy
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

PIN = FilePolicy(strategy=Strategy.PIN)


def statuses(source: str, policy: FilePolicy = PIN) -> list[tuple[int, str, Status, Reason | None]]:
    result = transform_source(textwrap.dedent(source).encode(), "mod.py", policy, rewrite=False)
    assert result.status is not FileStatus.FAILED, result.message
    return [(s.line, s.name, s.status, s.reason) for s in result.sites]


@pytest.mark.parametrize(
    "path",
    [".env", "config/.env.prod", "server.pem", "keys/id_rsa", "id_ed25519.pub",
     "CREDENTIALS.json", ".ssh/config", "a/.gnupg/x", "app.secrets", ".netrc"],
)
def test_secret_names_match_the_runtime_rule(path: str) -> None:
    assert looks_secret(path)


@pytest.mark.parametrize("path", ["settings.json", "keys.py", "environment.txt", "pemfile", "", "."])
def test_ordinary_names_are_not_secret(path: str) -> None:
    assert not looks_secret(path)


def test_allowed_globs_lift_the_mark() -> None:
    assert not looks_secret("tests/fixtures/selfsigned.pem", ("tests/fixtures/*.pem",))
    assert not looks_secret("selfsigned.pem", ("selfsigned.pem",))
    assert looks_secret("other.pem", ("tests/fixtures/*.pem",))


def test_each_shape_of_secret_literal_is_local() -> None:
    found = statuses(
        """\
        import json
        from pathlib import Path
        from storage_runtime import storage
        open(".env")
        open(file="id_rsa", mode="w")
        Path("server.key").write_text("k")
        (Path.home() / ".netrc").read_text()
        storage.dump_json({}, "credentials.json", pin=True)
        with open("secrets.toml") as f:
            data = f.read()
        with open(".env.local") as f:
            settings = json.load(f)
        """
    )
    secret = [(line, name) for line, name, status, reason in found
              if (status, reason) == (Status.LOCAL, Reason.SECRET_PATH)]
    assert [line for line, _ in secret] == [4, 5, 6, 7, 8, 9, 11, 12]
    assert all(status is Status.LOCAL for _, _, status, _ in found)


def test_a_secret_write_gets_no_pin_and_stays_local_after_apply() -> None:
    source = b'def save(key, rows):\n    open("server.pem", "w").write(key)\n    open("rows.txt", "w").write(rows)\n'
    first = transform_source(source, "mod.py", PIN)
    assert first.status is FileStatus.CHANGED
    text = first.new_source.decode()
    assert 'open("server.pem", "w").write(key)' in text  # untouched: no pin=True
    assert 'open("rows.txt", "w", pin=True)' in text
    again = transform_source(first.new_source, "mod.py", PIN)
    assert again.status is FileStatus.UNCHANGED
    by_line = {s.line: (s.status, s.reason) for s in again.sites}
    assert (Status.LOCAL, Reason.SECRET_PATH) in by_line.values()
    assert (Status.MIGRATED, None) in by_line.values()


def test_allow_secrets_in_the_policy_migrates_the_site() -> None:
    allowed = FilePolicy(strategy=Strategy.PIN, allow_secrets=("server.pem",))
    found = statuses('open("server.pem", "w")\n', allowed)
    assert found == [(1, "open", Status.PENDING, None)]


def test_a_local_rule_keeps_its_own_reason() -> None:
    local = FilePolicy(strategy=Strategy.LOCAL)
    assert statuses('open(".env")\n', local) == [(1, "open", Status.LOCAL, Reason.LOCAL_RULE)]


def test_a_path_built_at_run_time_is_left_to_the_runtime() -> None:
    """Should do nothing special, since only literals can be judged here."""
    assert statuses("name = '.env'\nopen(name)\n") == [(2, "open", Status.PENDING, None)]
