"""Helpers shared by the review tests (a module of its own: `conftest` is not importable by
name reliably when several test folders have one)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# A small module with one site of each rewritable family that the engine rewrites, one it
# leaves alone (a read-only shelve.open, third-party) and an already migrated one.
MIXED = '''\
import shelve
import json
import pickle
from pathlib import Path


def save(obj, path):
    with open(path, "w") as handle:
        json.dump(obj, handle)


def load_blob(path):
    with open(path, "rb") as handle:
        return pickle.load(handle)


def read(path):
    return Path(path).read_text()


def legacy(path):
    return shelve.open(path, "r")
'''


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    proc = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True)
    return proc.stdout
