"""Secret-looking names the runtime never publishes (issue 15 item 9), ordinary names it
does, and hard links: a second name of a secret file is a secret file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from storage_runtime import Settings, _paths
from storage_runtime._paths import publishable, secret_hard_link

SECRET = [
    ".envrc",
    ".env~",
    ".secrets.toml",
    "secrets/db_password.txt",
    "application_default_credentials.json",
    "gcp-service-account.json",
    ".docker/config.json",
    ".kube/config",
    "putty.ppk",
    ".vault-token",
    "terraform.tfstate",
    "my.pem.bak",
    "deploy/prod.tfvars",
    "home/.aws/config",
    ".env.production.orig",
    "ID_RSA.BAK",
    "data/notebook_secret",  # nbformat's signing key (written, then chmod 0o600)
    "runtime/jupyter_cookie_secret",
    "client_secret.json",
    "secret_key",
    "github_token",
    "keys/signing_key.bin",
    "private-key.der",
    "openai_api_key.txt",
]
ORDINARY = [
    "config.json",
    "docker/config.json",
    "kube/config.yaml",
    "data/model.json",
    "notes.bak",
    "out.tmp",
    "environment.yml",
    ".envelope",
    "keyboard.txt",
    "passing.txt",
    "tokens.txt",
    "src/app.py",
    "settings.toml",
    "tokenizer.json",
    "token_counts.csv",
    "keys.json",
    "monkey.txt",
]


def _settings(root: Path, **kw: object) -> Settings:
    return Settings(root=str(root), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("rel", SECRET)
def test_secret_looking_names_are_never_published(tmp_path: Path, rel: str) -> None:
    target = tmp_path / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("s3cr3t")
    assert publishable(target, _settings(tmp_path)) is None


@pytest.mark.parametrize("rel", ORDINARY)
def test_ordinary_names_near_them_are_published(tmp_path: Path, rel: str) -> None:
    target = tmp_path / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("data")
    assert publishable(target, _settings(tmp_path)) == str(target)


def test_an_allow_glob_lifts_a_widened_name(tmp_path: Path) -> None:
    (tmp_path / "terraform.tfstate").write_text("{}")
    allowed = _settings(tmp_path, allow_secrets=("*.tfstate",))
    assert publishable(tmp_path / "terraform.tfstate", allowed) == str(
        tmp_path / "terraform.tfstate"
    )


def test_a_hard_link_to_a_secret_file_is_secret(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / ".env").write_text("TOKEN=1")
    os.link(tmp_path / "conf" / ".env", tmp_path / "notes.txt")
    assert publishable(tmp_path / "notes.txt", s) is None
    # the link goes: the same name is publishable again (ctime moved, the answer is renewed)
    (tmp_path / "conf" / ".env").unlink()
    assert publishable(tmp_path / "notes.txt", s) == str(tmp_path / "notes.txt")


def test_a_hard_link_between_ordinary_names_is_published(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    (tmp_path / "a.json").write_text("{}")
    os.link(tmp_path / "a.json", tmp_path / "b.json")
    assert publishable(tmp_path / "b.json", s) == str(tmp_path / "b.json")
    assert not secret_hard_link(str(tmp_path / "a.json"), s)


def test_a_huge_root_counts_a_multiply_linked_file_as_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past the scan bound the answer is the safe one: not published.
    for i in range(20):
        (tmp_path / f"f{i}.txt").write_text("x")
    os.link(tmp_path / "f0.txt", tmp_path / "zz-link.txt")
    (tmp_path / "zz-link.txt").chmod(
        0o640
    )  # move ctime: no answer from an earlier test
    monkeypatch.setattr(_paths, "LINK_SCAN_LIMIT", 5)
    assert publishable(tmp_path / "zz-link.txt", _settings(tmp_path)) is None
