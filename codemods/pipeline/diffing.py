"""Unified diffs that `git apply` accepts, built on bytes so nothing is lost on the way.

The diff is computed on the raw bytes (difflib.diff_bytes), split on `\\n` only, the way git
splits lines: a CRLF file keeps its `\\r` in every line of the diff, a file in Latin-1 is
not re-encoded, and a last line without a newline gets git's `\\ No newline at end of file`
marker. Paths are `a/<path>` and `b/<path>` with `path` relative to the current folder, so
`migrate-storage diff src | git apply` works from the repository root.

Color is applied afterwards (`colorize`), only when asked for; the plain diff is what gets
computed (in the worker) and what a pipe receives.
"""

from __future__ import annotations

import difflib

NO_NEWLINE = b"\\ No newline at end of file\n"

_RESET = b"\x1b[0m"
_STYLES = {
    b"---": b"\x1b[1m",  # bold
    b"+++": b"\x1b[1m",
    b"@@": b"\x1b[36m",  # cyan
    b"-": b"\x1b[31m",  # red
    b"+": b"\x1b[32m",  # green
}


def split_lines(data: bytes) -> list[bytes]:
    """Lines as git sees them: split after each `\\n`, the last one possibly without it."""
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _quote(path: str) -> bytes:
    return path.replace("\\", "/").encode("utf-8", "surrogateescape")


def unified_diff(old: bytes, new: bytes, path: str, *, context: int = 3) -> bytes:
    """The diff from `old` to `new` for the file at `path` (empty when they are equal)."""
    if old == new:
        return b""
    name = _quote(path)
    out: list[bytes] = []
    for line in difflib.diff_bytes(
        difflib.unified_diff,
        split_lines(old),
        split_lines(new),
        fromfile=b"a/" + name,
        tofile=b"b/" + name,
        n=context,
        lineterm=b"\n",
    ):
        if line.endswith(b"\n"):
            out.append(line)
        else:  # the last line of a file that does not end in a newline
            out.append(line + b"\n" + NO_NEWLINE)
    return b"".join(out)


def colorize(diff: bytes) -> bytes:
    """`diff` with ANSI colors per line (headers bold, hunks cyan, removals red, additions
    green); the bytes of each line are kept, only escapes are added around them."""
    out: list[bytes] = []
    for line in split_lines(diff):
        body = line.rstrip(b"\n")
        end = line[len(body) :]
        style = next((s for prefix, s in _STYLES.items() if line.startswith(prefix)), None)
        out.append(style + body + _RESET + end if style else line)
    return b"".join(out)
