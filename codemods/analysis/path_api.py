"""What pathlib's API builds: the tables the receiver typer (analysis/receivers.py, on
LibCST) and the package facts (pipeline/package_facts.py, on `ast`, in the runner's parent
process, which never imports LibCST) both read, so the two cannot disagree."""

from __future__ import annotations

#: Expressions of these qualified names build a concrete pathlib.Path (PurePath cannot do I/O).
PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})
PATH_CONSTRUCTORS = PATH_TYPES | {"pathlib.Path.home", "pathlib.Path.cwd"}
#: Methods and attributes of a Path that return a Path again.
PATH_TO_PATH_METHODS = frozenset(
    {
        "absolute",
        "expanduser",
        "joinpath",
        "resolve",
        "with_name",
        "with_stem",
        "with_suffix",
        "relative_to",
    }
)
PATH_TO_PATH_ATTRIBUTES = frozenset({"parent"})
#: Attributes of a Path that are sequences of Paths (`p.parents[1]`, `for d in p.parents`).
PATH_SEQUENCE_ATTRIBUTES = frozenset({"parents"})
