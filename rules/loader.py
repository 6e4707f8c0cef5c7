"""Find and load the rules file.

Where the rules come from, first hit wins:

1. `--rules FILE` (`rules_file`). A file named `pyproject.toml` is read for its
   `[tool.migrate-storage]` table; any other file is a dedicated rules file.
2. Walking up from `start` (itself if it is a folder, else its folder), in each folder:
   `migrate-storage.toml`, then a `pyproject.toml` that has a `[tool.migrate-storage]`
   table. The nearest folder holding either wins; **in one folder the dedicated file wins**
   over pyproject.toml (it exists only to hold rules, so it is the more explicit of the two;
   ruff resolves its ruff.toml/pyproject.toml pair the same way). A pyproject.toml without
   the table is passed over. The walk stops after the first folder containing `.git` or
   `.hg` (the project root), so rules in a home folder never leak into a project.
3. Built-in defaults: strategy cache, runtime `storage_runtime`, no rules; root = start.

Globs are relative to `root`, the folder of the file the rules came from.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from migrate_storage.codemods.errors import RulesError
from migrate_storage.rules._locate import KeyPath, Locations
from migrate_storage.rules.matcher import RuleSet
from migrate_storage.rules.schema import Settings, validate

DEDICATED_NAME = "migrate-storage.toml"
PYPROJECT_NAME = "pyproject.toml"
PYPROJECT_SECTION: KeyPath = ("tool", "migrate-storage")
_PROJECT_ROOT_MARKERS = (".git", ".hg")
_TOML_POSITION = re.compile(r" \(at (?:line (\d+), column \d+|end of document)\)$")


def _read(path: Path) -> tuple[bytes, str, dict[str, Any]]:
    """The file's bytes, text and parsed TOML; RulesError (with line) when it can't be had."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RulesError(path, None, "rules file not found") from None
    except OSError as exc:
        raise RulesError(path, None, f"cannot read rules file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")  # a BOM (some Windows editors add one) is not TOML
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RulesError(path, line, "rules file is not valid UTF-8") from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line: int | None = None
        if match:
            message = message[: match.start()]
            line = int(match.group(1)) if match.group(1) else text.count("\n") + 1
        raise RulesError(path, line, f"invalid TOML: {message}") from None
    return data, text, parsed


def _section(parsed: dict[str, Any]) -> Any:
    tool = parsed.get("tool")
    return tool.get("migrate-storage") if isinstance(tool, dict) else None


def _build(path: Path, prefix: KeyPath, strict: bool) -> RuleSet:
    data, text, parsed = _read(path)
    table = _section(parsed) if prefix else parsed
    locations = Locations(text)
    if prefix and table is None:
        raise RulesError(path, None, "no [tool.migrate-storage] table in this pyproject.toml")
    if not isinstance(table, dict):
        raise RulesError(path, locations.line(prefix), "'tool.migrate-storage' must be a table")
    settings = validate(table, locations, prefix, path)
    errors = settings.problems
    if strict and errors:
        first = errors[0]
        raise RulesError(first.path, first.line, first.message)
    return RuleSet.build(path.parent, path, data, settings, load_problems=errors)


def find_rules_file(start: Path) -> tuple[Path, KeyPath] | None:
    """The rules file that applies to `start` and the key path of its rules table, or None."""
    folder = Path(os.path.abspath(start))
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        dedicated = candidate / DEDICATED_NAME
        if dedicated.is_file():
            return dedicated, ()
        pyproject = candidate / PYPROJECT_NAME
        if pyproject.is_file() and _has_section(pyproject):
            return pyproject, PYPROJECT_SECTION
        if any((candidate / marker).exists() for marker in _PROJECT_ROOT_MARKERS):
            return None
    return None


def _has_section(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise RulesError(pyproject, None, f"cannot read: {exc.strerror or exc}") from None
    if "migrate-storage" not in text:  # cheap: most pyproject.toml files never mention us
        return False
    return _section(_read(pyproject)[2]) is not None


def load_rules(rules_file: Path | None, start: Path, *, strict: bool = True) -> RuleSet:
    """Load the rules that apply to `start` (see the module docstring for where from).

    strict (the default): the first error in the file (by line) raises RulesError naming
    the key. strict=False: errors are kept in `RuleSet.load_problems` (and reported by
    `check`), the broken keys and rules are left out. A file that is missing, unreadable or
    not valid TOML raises RulesError either way.
    """
    if rules_file is not None:
        path = Path(rules_file)
        prefix = PYPROJECT_SECTION if path.name == PYPROJECT_NAME else ()
        return _build(path, prefix, strict)
    found = find_rules_file(start)
    if found is not None:
        return _build(found[0], found[1], strict)
    folder = Path(os.path.abspath(start))
    if not folder.is_dir():
        folder = folder.parent
    return RuleSet.build(folder, None, b"<defaults>", Settings())
