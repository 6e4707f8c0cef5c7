"""`--diff-base REF`: which lines changed since a git ref, so the gate judges only new I/O.

In the manner of diff-cover: the changes are those between the merge base of REF and
HEAD and the working tree (committed, staged and unstaged alike), read from
`git diff --unified=0`, plus untracked files (all their lines are new). Renames are
followed (`-M`), so a moved file counts only its edited lines; deleted files count
nothing. A site counts as changed when the line it starts on was added or modified.

Limits: a multi-line call whose first line is unchanged but whose later lines changed is
not considered changed.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from migrate_storage.codemods.errors import MigrateStorageError

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class GitError(MigrateStorageError):
    """Not a git repository, an unknown ref, or git itself missing or failing."""


def _git(args: list[str], cwd: Path, option: str = "--diff-base") -> str:
    try:
        proc = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise GitError(f"{option} needs git, and git was not found on PATH") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {detail[-1] if detail else 'exit ' + str(proc.returncode)}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def unquote_path(text: str) -> str:
    """Undo git's C-style quoting of unusual paths ("a\\tb.py", octal UTF-8 bytes)."""
    if not (text.startswith('"') and text.endswith('"')):
        return text
    body = text[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "01234567":
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out += _ESCAPES.get(nxt, nxt).encode()
            i += 2
            continue
        out += ch.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "surrogateescape")


def parse_diff(diff: str) -> dict[str, set[int]]:
    """Map each new-side path of a `git diff --unified=0` to its added/modified lines.

    Files with only deletions map to an empty set; deleted files are left out.
    """
    changed: dict[str, set[int]] = {}
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            current = None
        elif line.startswith("+++ "):
            target = line[4:].rstrip("\t")
            if target == "/dev/null":
                current = None
                continue
            target = unquote_path(target)
            current = target[2:] if target.startswith("b/") else target
            changed.setdefault(current, set())
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match is None:
                continue
            start = int(match.group(1))
            count = 1 if match.group(2) is None else int(match.group(2))
            changed[current].update(range(start, start + count))
    return changed


def _top_and_base(base: str, cwd: Path, option: str) -> tuple[Path, str]:
    """The work tree's top folder and the commit to compare with (merge base of `base` and
    HEAD). Raises GitError when `cwd` is not in a git work tree or `base` is not a commit;
    the messages name `option` (the CLI option that asked: --diff-base, --changed-since)."""
    try:
        top = _git(["rev-parse", "--show-toplevel"], cwd, option).strip()
    except GitError as exc:
        if "not found on PATH" in str(exc):
            raise
        raise GitError(f"{option} needs a git repository, and {cwd} is not inside one") from None
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], cwd)
    except GitError:
        raise GitError(
            f"{option}: unknown git ref {base!r} (is it fetched? in CI, check out the full "
            "history, e.g. actions/checkout with fetch-depth: 0)"
        ) from None
    try:
        merge_base = _git(["merge-base", base, "HEAD"], cwd).strip()
    except GitError:
        merge_base = base  # unrelated histories, or no HEAD yet: compare with REF itself
    return Path(top), merge_base


def _untracked(root: Path) -> list[str]:
    """Untracked files not ignored, relative to the top folder."""
    return list(filter(None, _git(["ls-files", "--others", "--exclude-standard", "-z"], root).split("\0")))


def changed_lines(base: str, cwd: Path, option: str = "--diff-base") -> dict[Path, frozenset[int]]:
    """Absolute path -> lines changed since `base` (a ref), including untracked files.

    Raises GitError when `cwd` is not in a git work tree or `base` is not a commit.
    """
    root, merge_base = _top_and_base(base, cwd, option)
    diff = _git(
        [
            "diff", "--unified=0", "--no-color", "--no-ext-diff", "-M",
            "--src-prefix=a/", "--dst-prefix=b/", "--diff-filter=d", merge_base, "--",
        ],
        root,
    )
    result = {(root / rel).resolve(): frozenset(lines) for rel, lines in parse_diff(diff).items()}
    for rel in _untracked(root):
        path = (root / rel).resolve()
        try:
            data = (root / rel).read_bytes()
            count = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        except OSError:
            continue
        result[path] = frozenset(range(1, count + 1))
    return result


def changed_files(base: str, cwd: Path, option: str = "--changed-since") -> frozenset[Path]:
    """Real paths of the files that differ from the merge base of `base` and HEAD (committed,
    staged or not; a renamed file counts under its new name), plus untracked files.
    Deleted files are left out. Raises GitError as `changed_lines` does."""
    root, merge_base = _top_and_base(base, cwd, option)
    names = _git(["diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", merge_base, "--"], root)
    rels = [*filter(None, names.split("\0")), *_untracked(root)]
    return frozenset((root / rel).resolve() for rel in rels)


def changed_for_report(
    base: str, report_paths: list[str], cwd: Path, repo_dir: Path | None = None
) -> dict[str, frozenset[int]]:
    """Changed lines keyed by the report's own path strings (relative to `cwd`, or absolute).

    git runs in `repo_dir` (default `cwd`): any folder inside the repository.
    """
    by_abs = changed_lines(base, repo_dir or cwd)
    out: dict[str, frozenset[int]] = {}
    for path in report_paths:
        key = Path(os.path.join(cwd, path)).resolve()
        if key in by_abs:
            out[path] = by_abs[key]
    return out
