"""`apply --interactive`, driven through a real pseudo-terminal (stdlib pty).

Each session runs `python -m migrate_storage.codemods.cli apply --interactive` with its
stdin, stdout and stderr on a pty, waits for each prompt and types single keys.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from migrate_storage.codemods.cli.main import main
from pty_session import Session
from review_helpers import MIXED, git

PROMPT = "Apply this rewrite [y,n,a,d,q,?]? "
SHARED_IMPORT = '''\
import json


def save(obj, path):
    with open(path, "w") as handle:
        json.dump(obj, handle)


def read(path):
    return open(path).read()
'''


def start(root: Path, *args: str) -> Session:
    argv = [sys.executable, "-m", "migrate_storage.codemods.cli.main", "apply", "--interactive", *args]
    return Session(argv, root, env=dict(os.environ))


def test_review_session_applies_what_was_accepted_and_remembers_skips(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "m.py").write_text(MIXED)
    (root / "n.py").write_text(MIXED)

    s = start(root, "--color", "always", ".")
    first = s.expect("(1/3) " + PROMPT)
    assert "m.py:8:10: MS-OPEN open() (family open, strategy cache)" in first
    assert "m.py:9:9: MS-JSON json.dump() (family json, strategy cache)" in first
    assert '\x1b[32m+    storage.dump_json(obj, path, "w", pin=False, call=json.dump)\x1b[0m' in first  # colored
    s.send("?")
    assert "q - quit; what was accepted so far is applied" in s.expect("(1/3) " + PROMPT)
    s.send("y")
    assert "MS-PICKLE pickle.load()" in s.expect("(2/3) " + PROMPT)
    s.send("n")
    assert "MS-PATHLIB pathlib.Path.read_text()" in s.expect("(3/3) " + PROMPT)
    s.send("y")
    s.expect("(1/3) " + PROMPT)  # n.py
    s.send("q")
    assert s.wait() == 0
    assert "Applied 3 site(s) in 1 file(s); skipped 1 rewrite(s)." in s.output.decode()

    m = (root / "m.py").read_text()
    assert 'storage.dump_json(obj, path, "w", pin=False, call=json.dump)' in m and "storage.read_text(Path(path))" in m
    assert 'with open(path, "rb") as handle:\n        return pickle.load(handle)' in m  # skipped
    compile(m, "m.py", "exec")
    after_first = (root / "m.py").read_bytes()
    assert (root / "n.py").read_text() == MIXED  # quit before answering
    skipped = json.loads((root / ".migrate-storage/skipped.json").read_text())
    assert list(skipped) == ["m.py"] and len(skipped["m.py"]) == 1

    # Next run: the skipped rewrite is not asked again; n.py is, and `d` skips all of it.
    s = start(root, "--color", "never", ".")
    assert "n.py:8:10" in s.expect("(1/3) " + PROMPT)
    s.send("d")
    assert s.wait() == 0
    assert "m.py:13" not in s.output.decode()
    assert "1 skipped earlier not asked (--ask-again asks them)" in s.output.decode()

    # --ask-again asks everything again; `a` takes the rest of a file.
    s = start(root, "--color", "never", "--ask-again", ".")
    assert "m.py:13:10: MS-OPEN open()" in s.expect("(1/1) " + PROMPT)
    s.send("y")
    s.expect("(1/3) " + PROMPT)
    s.send("a")
    assert s.wait() == 0
    assert json.loads((root / ".migrate-storage/skipped.json").read_text()) == {}
    check = CliRunner().invoke(main, ["check", str(root)])
    assert check.exit_code == 0, check.stderr  # everything rewritten now

    # Every interactive run that wrote something is an apply record: undo reverts the last.
    monkeypatch.chdir(root)
    assert CliRunner().invoke(main, ["undo"]).exit_code == 0
    assert (root / "n.py").read_text() == MIXED
    assert (root / "m.py").read_bytes() == after_first


def test_a_partial_rewrite_that_would_change_a_skipped_site_is_refused(tmp_path: Path) -> None:
    """Should leave the file alone, since the added import would move the skipped open()."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "s.py").write_text(SHARED_IMPORT)
    s = start(root, "--color", "never", "s.py")
    assert "MS-JSON json.dump()" in s.expect("(1/2) " + PROMPT)
    s.send("y")
    shown = s.expect("(2/2) " + PROMPT)
    assert "s.py:10:12: MS-OPEN open()" in shown
    assert "rewritten by the import below" in shown and "+from storage_runtime import open" in shown
    s.send("n")
    assert s.wait() == 2
    assert ("refused: s.py: not written: the skipped sites share the added import with the "
            "accepted ones") in s.output.decode().replace("\r\n", "\n")
    assert (root / "s.py").read_text() == SHARED_IMPORT
    assert not (root / ".migrate-storage/applies").exists()


def test_interactive_changed_since_asks_only_about_changed_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "old.py").write_text(MIXED)
    (root / "new.py").write_text("x = 1\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    (root / "new.py").write_text(MIXED)
    s = start(root, "--color", "never", "--changed-since", "HEAD", ".")
    assert "new.py:8:10" in s.expect("(1/3) " + PROMPT)
    s.send("a")
    assert s.wait() == 0
    assert "old.py" not in s.output.decode()
    assert (root / "old.py").read_text() == MIXED and "storage" in (root / "new.py").read_text()


def test_interactive_refuses_without_a_terminal(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "m.py").write_text(MIXED)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["apply", "--interactive", "m.py"], input="y\n")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: apply --interactive needs a terminal, and stdin is not one; review with "
        "`migrate-storage diff` instead, or run it in a terminal\n"
    )
    assert (tmp_path / "m.py").read_text() == MIXED
    both = CliRunner().invoke(main, ["apply", "--interactive", "--check", "m.py"])
    assert both.exit_code == 2 and "--interactive excludes --check and --dry-run" in both.stderr


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_review_under_tmux(tmp_path: Path) -> None:
    """The same review in a tmux pane: keys with send-keys, the screen with capture-pane."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "m.py").write_text(MIXED)
    socket = str(tmp_path / "tmux.sock")  # a private server: never the user's sessions
    tmux = ["tmux", "-S", socket]
    command = f"{shlex.quote(sys.executable)} -m migrate_storage.codemods.cli apply -i m.py; sleep 30"
    env = {**os.environ, "TERM": "xterm"}
    subprocess.run([*tmux, "new-session", "-d", "-x", "120", "-y", "50", "-c", str(root), command],
                   check=True, env=env)

    def screen_when(text: str) -> str:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            shown = subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True, text=True, check=False).stdout
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not on screen:\n{shown}")

    try:
        assert "MS-JSON json.dump()" in screen_when("(1/3) " + PROMPT.rstrip())
        subprocess.run([*tmux, "send-keys", "n"], check=True)
        screen_when("(2/3) " + PROMPT.rstrip())
        subprocess.run([*tmux, "send-keys", "a"], check=True)
        assert "Applied 3 site(s) in 1 file(s); skipped 1 rewrite(s)." in screen_when("Applied")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, check=False)
    text = (root / "m.py").read_text()
    assert "json.dump(obj, handle)" in text and 'storage.load_pickle(path, "rb", call=pickle.load)' in text
