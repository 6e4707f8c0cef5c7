"""analysis/handles.py `_archive_member`: a json/pickle call on a member of an archive
(`z.open(name)` on a `zipfile.ZipFile`, `tar.extractfile(m)` on a TarFile) reads or
writes through the archive's own file, which is the site where the archive is opened:
the call is no site of its own (langchain-community 0.4.2's slack loaders, flair 0.15.1's
TACRED reader). Anything the receiver may be other than such an archive keeps the call
counted."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import Family, FileStatus

HEAD = "import json\nimport pickle\nimport tarfile\nimport zipfile\nfrom zipfile import ZipFile\n\n"


def _handle_calls(code: str) -> list[str]:
    result = run_code(HEAD + code)
    assert result.status is not FileStatus.FAILED, result.message
    return [s.name for s in result.sites if s.family in (Family.JSON, Family.PICKLE)]


@pytest.mark.parametrize(
    "code",
    [
        # langchain_community chat_loaders/slack.py
        (
            "def read(zip_file: zipfile.ZipFile, name: str):\n"
            "    with zip_file.open(name, 'r') as f:\n        return json.load(f)\n"
        ),
        # langchain_community document_loaders/slack_directory.py, flair relation_extraction
        (
            "def read(p):\n    with zipfile.ZipFile(p, 'r') as z:\n"
            "        with z.open('channels.json', 'r') as f:\n            return json.load(f)\n"
        ),
        "def read(p):\n    return json.load(ZipFile(p).open('a.json'))\n",
        "def write(p, obj):\n    with ZipFile(p, 'w') as z, z.open('a.pkl', 'w') as f:\n        pickle.dump(obj, f)\n",
        (
            "def read(p, m):\n    with tarfile.open(p) as tar:\n"
            "        return pickle.load(tar.extractfile(m))\n"
        ),
    ],
)
def test_a_member_of_an_archive_is_no_site(code: str) -> None:
    assert _handle_calls(code) == []


@pytest.mark.parametrize(
    "code",
    [
        "def read(z, name):\n    with z.open(name) as f:\n        return json.load(f)\n",
        # bound to something else too
        (
            "def read(p, c):\n    z = zipfile.ZipFile(p)\n    if c:\n        z = make(p)\n"
            "    with z.open('a') as f:\n        return json.load(f)\n"
        ),
        # a TarFile's `open` is its constructor: it opens a path
        "def read(p, q):\n    with tarfile.open(p) as tar:\n        return json.load(tar.open(q))\n",
        # extractfile is no ZipFile method, open no member of a TarFile
        "def read(p):\n    z = zipfile.ZipFile(p)\n    return pickle.load(z.extractfile('a'))\n",
        "def read(z: 'Archive', name):\n    return json.load(z.open(name))\n",
    ],
)
def test_other_receivers_keep_the_call_counted(code: str) -> None:
    assert len(_handle_calls(code)) == 1
