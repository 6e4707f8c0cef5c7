"""The rules file's schema: which keys exist, their types, and the checks on each value.

`validate` turns the dict that `tomllib` parsed (the whole dedicated file, or the
`[tool.migrate-storage]` table of a pyproject.toml) into `Settings`, and collects every
problem it finds as a `Problem` with the line of the offending key (found by
`_locate.Locations`). It never raises: a broken key or rule is dropped and reported, so
`rules check` can list every problem at once; `load_rules` raises the first error.

Keys (all optional):

    runtime       = "storage_runtime"   # module the codemods import from (dotted name)
    default       = "cache"             # strategy when no rule matches: pin | cache | local
    exclude       = ["vendor/**"]       # gitignore-style globs: never rewritten
    allow_secrets = ["fixtures/*.pem"]  # secret-looking paths the user allows to be published
    [[rules]]                           # ordered; the last matching rule wins
    paths       = ["models/**"]         # required, gitignore-style globs
    strategy    = "pin"                 # required: pin | cache | local
    families    = ["json", "pickle"]    # optional subset of open, pathlib, json, pickle, lifecycle, third-party, existence
    name        = "..."                 # optional, shown by `rules explain`
    description = "..."                 # optional
"""

from __future__ import annotations

import difflib
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from migrate_storage.codemods.model import Family, Strategy
from migrate_storage.codemods.policy import DEFAULT_RUNTIME_MODULE
from migrate_storage.rules._locate import KeyPath, Locations
from pathspec import GitIgnoreSpec


def rewritable_families() -> tuple[Family, ...]:
    """The families a rule's `families` may name: those the codemods rewrite, as the
    family modules declare them (families/registry.py). Imported when first asked: the
    registry loads the codemods, which reading a rules file does not otherwise need."""
    from migrate_storage.codemods.families.registry import REWRITABLE_FAMILIES

    return REWRITABLE_FAMILIES


TOP_KEYS = ("runtime", "default", "exclude", "allow_secrets", "rules")
RULE_KEYS = ("paths", "strategy", "families", "name", "description")
DEFAULT_STRATEGY = Strategy.CACHE

# The secret-path rule (deny list, secret folders, allow globs) is the runtime's own
# (storage_runtime/secret_paths.py): `rules check`/`rules explain`, the finder's SECRET_PATH
# sites and the runtime's refusal to publish all ask that one module.
_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a float",
    bool: "a boolean",
    list: "an array",
    dict: "a table",
}
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of `load_rules(strict=False)` or `check`: where, what, how bad."""

    path: Path | None
    line: int | None
    message: str
    level: Literal["error", "warning"] = "error"

    def format(self) -> str:
        """`file:line: level: message`, the shape editors and CI logs understand."""
        where = str(self.path) if self.path is not None else "rules"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.level}: {self.message}"


@dataclass(frozen=True, slots=True)
class Rule:
    """One `[[rules]]` entry. `index` is its 1-based position in the file."""

    index: int
    paths: tuple[str, ...]
    strategy: Strategy
    families: tuple[Family, ...] | None
    name: str | None
    description: str | None
    line: int | None
    label: str  # "[[rules]]" or "[[tool.migrate-storage.rules]]"
    file_name: str  # "migrate-storage.toml", "pyproject.toml", ...
    spec: GitIgnoreSpec = field(compare=False, repr=False)

    def covers(self, family: Family) -> bool:
        """Whether the rule decides `family` (a rule without `families` decides them all)."""
        return self.families is None or family in self.families

    def matching_glob(self, rel: str) -> str | None:
        """The glob that makes `rel` (a posix path relative to the root) match, else None."""
        result = self.spec.check_file(rel)
        if not result.include or result.index is None:
            return None
        return self.paths[result.index]

    def describe(self) -> str:
        """`migrate-storage.toml:14 [[rules]] #2 paths=['models/**'] strategy=pin`."""
        where = self.file_name if self.line is None else f"{self.file_name}:{self.line}"
        text = f"{where} {self.label} #{self.index}"
        if self.name:
            text += f" {self.name!r}"
        text += f" paths={list(self.paths)!r} strategy={self.strategy.value}"
        if self.families is not None:
            text += f" families={[f.value for f in self.families]!r}"
        return text


@dataclass(frozen=True, slots=True)
class Settings:
    """What a rules file says, after validation, plus every problem found on the way."""

    runtime: str = DEFAULT_RUNTIME_MODULE
    default: Strategy = DEFAULT_STRATEGY
    exclude: tuple[str, ...] = ()
    exclude_lines: tuple[int | None, ...] = ()
    allow_secrets: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    problems: tuple[Problem, ...] = ()


def compile_globs(globs: tuple[str, ...]) -> GitIgnoreSpec:
    """A GitIgnoreSpec over `globs` (already validated by `glob_error`)."""
    return GitIgnoreSpec.from_lines(list(globs))


def glob_error(glob: str) -> str | None:
    """Why `glob` is not a usable gitignore-style glob relative to the rules file, or None.

    A leading '/' is gitignore's anchor ('/setup.py' is only the top-level one), so it is
    allowed on a single-component glob; on a glob with another '/' inside it would be
    redundant (such globs are anchored already), so there it means an absolute filesystem
    path and is rejected.
    """
    body = glob[1:] if glob.startswith("!") else glob
    if not body.strip():
        return "an empty pattern matches nothing"
    if body.startswith("#"):
        return "a pattern starting with '#' is a comment in gitignore syntax (escape it: '\\#')"
    if body.startswith("~"):
        return "'~' is not expanded; globs are relative to the folder of the rules file"
    if _DRIVE.match(body) or (body.startswith("/") and "/" in body[1:].rstrip("/")):
        return "absolute paths are not allowed; globs are relative to the folder of the rules file"
    parts = body.strip("/").split("/")
    if ".." in parts:
        return "'..' is not allowed; a glob cannot reach outside the folder of the rules file"
    if "." in parts:
        return "'.' components never match in gitignore syntax; drop the './'"
    try:
        spec = GitIgnoreSpec.from_lines([glob])
    except ValueError as exc:  # pathspec's GitIgnorePatternError / GitWildMatchPatternError
        return f"pathspec rejects it ({exc})"
    if not spec.patterns or spec.patterns[0].include is None:
        return "it matches nothing in gitignore syntax (an unclosed '[' or a lone '/')"
    return None


def _type_name(value: object) -> str:
    return _TYPE_NAMES.get(type(value), f"a {type(value).__name__}")


def _hint(word: str, known: tuple[str, ...], expected: str) -> str:
    """' (did you mean 'x'?)' for a near miss, else ' (expected ...)'."""
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" ({expected})"


def _one_of(words: tuple[str, ...]) -> str:
    return "expected " + ", ".join(words[:-1]) + " or " + words[-1]


def is_module_name(name: str) -> bool:
    """A dotted Python identifier such as 'storage_runtime' or 'company.storage'."""
    return bool(name) and all(p.isidentifier() and not keyword.iskeyword(p) for p in name.split("."))


class _Validator:
    def __init__(self, locations: Locations, prefix: KeyPath, source: Path | None) -> None:
        self.locations = locations
        self.prefix = prefix
        self.source = source
        self.problems: list[Problem] = []

    def error(self, key: KeyPath, message: str) -> None:
        self.problems.append(Problem(self.source, self.locations.line(self.prefix + key), message))

    def string(self, table: dict[str, Any], key: str, path: KeyPath, ctx: str) -> str | None:
        value = table[key]
        if not isinstance(value, str):
            self.error(path, f"{ctx}'{key}' must be a string, not {_type_name(value)}")
            return None
        return value

    def strategy(self, table: dict[str, Any], key: str, path: KeyPath, ctx: str) -> Strategy | None:
        value = self.string(table, key, path, ctx)
        if value is None:
            return None
        names = tuple(s.value for s in Strategy)
        if value not in names:
            self.error(path, f"{ctx}'{key}': unknown strategy '{value}'{_hint(value, names, _one_of(names))}")
            return None
        return Strategy(value)

    def globs(self, table: dict[str, Any], key: str, path: KeyPath, ctx: str) -> tuple[str, ...] | None:
        value = table[key]
        if not isinstance(value, list):
            self.error(path, f"{ctx}'{key}' must be a list of strings, not {_type_name(value)}")
            return None
        ok = True
        for i, glob in enumerate(value):
            if not isinstance(glob, str):
                self.error(path + (i,), f"{ctx}'{key}[{i}]' must be a string, not {_type_name(glob)}")
                ok = False
            elif (reason := glob_error(glob)) is not None:
                self.error(path + (i,), f"{ctx}'{key}[{i}]': malformed glob {glob!r}: {reason}")
                ok = False
        return tuple(value) if ok else None

    def families(self, table: dict[str, Any], path: KeyPath, ctx: str) -> tuple[Family, ...] | bool | None:
        """The families, None when absent, False when invalid (already reported)."""
        if "families" not in table:
            return None
        value = table["families"]
        names = tuple(f.value for f in rewritable_families())
        if not isinstance(value, list):
            self.error(path, f"{ctx}'families' must be a list of strings, not {_type_name(value)}")
            return False
        if not value:
            self.error(path, f"{ctx}'families' must not be empty (leave it out to cover every family)")
            return False
        found: list[Family] = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.error(path + (i,), f"{ctx}'families[{i}]' must be a string, not {_type_name(item)}")
                return False
            if item not in names:
                self.error(
                    path + (i,),
                    f"{ctx}'families[{i}]': unknown family '{item}'{_hint(item, names, _one_of(names))}",
                )
                return False
            if Family(item) in found:
                self.error(path + (i,), f"{ctx}'families' lists '{item}' twice")
                return False
            found.append(Family(item))
        return tuple(found)

    def unknown_keys(self, table: dict[str, Any], known: tuple[str, ...], path: KeyPath, ctx: str) -> None:
        for key in table:
            if key == "tool" and not self.prefix and not path:
                # A [tool.migrate-storage] table pasted from pyproject.toml into a dedicated file.
                self.error(
                    ("tool",),
                    "unknown key 'tool' (in a dedicated rules file the keys go at the "
                    "top level, without [tool.migrate-storage])",
                )
            elif key not in known:
                hint = _hint(key, known, "known keys: " + ", ".join(known))
                self.error(path + (key,), f"{ctx}unknown key '{key}'{hint}")


def validate(data: dict[str, Any], locations: Locations, prefix: KeyPath, source: Path | None) -> Settings:
    """Check `data` (one rules table) and build Settings; `prefix` is its key path in the file.

    Problems are returned sorted by line. Invalid values fall back to their defaults and an
    invalid rule is dropped (the others keep their file positions as `index`).
    """
    v = _Validator(locations, prefix, source)
    label = "[[" + ".".join([*map(str, prefix), "rules"]) + "]]"
    file_name = source.name if source is not None else "defaults"
    v.unknown_keys(data, TOP_KEYS, (), "")
    runtime, default = DEFAULT_RUNTIME_MODULE, DEFAULT_STRATEGY
    if "runtime" in data and (value := v.string(data, "runtime", ("runtime",), "")) is not None:
        if is_module_name(value):
            runtime = value
        else:
            v.error(
                ("runtime",),
                f"'runtime' must be a dotted module name such as 'storage_runtime', not {value!r}",
            )
    if "default" in data:
        default = v.strategy(data, "default", ("default",), "") or DEFAULT_STRATEGY
    exclude = v.globs(data, "exclude", ("exclude",), "") if "exclude" in data else ()
    allow = v.globs(data, "allow_secrets", ("allow_secrets",), "") if "allow_secrets" in data else ()
    rules: list[Rule] = []
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        v.error(("rules",), f"'rules' must be an array of tables ({label}), not {_type_name(raw_rules)}")
        raw_rules = []
    for n, table in enumerate(raw_rules, start=1):
        path: KeyPath = ("rules", n - 1)
        ctx = f"{label} #{n}: "
        if not isinstance(table, dict):
            v.error(path, f"{ctx}must be a table, not {_type_name(table)}")
            continue
        before = len(v.problems)
        v.unknown_keys(table, RULE_KEYS, path, ctx)
        for required in ("paths", "strategy"):
            if required not in table:
                v.error(path, f"{ctx}missing required key '{required}'")
        globs = v.globs(table, "paths", path + ("paths",), ctx) if "paths" in table else None
        if globs == ():
            v.error(path + ("paths",), f"{ctx}'paths' must not be empty")
        strategy = v.strategy(table, "strategy", path + ("strategy",), ctx) if "strategy" in table else None
        families = v.families(table, path + ("families",), ctx)
        texts = {k: v.string(table, k, path + (k,), ctx) for k in ("name", "description") if k in table}
        if len(v.problems) > before or not globs or strategy is None or families is False:
            continue
        rules.append(
            Rule(
                index=n,
                paths=globs,
                strategy=strategy,
                families=families if isinstance(families, tuple) else None,
                name=texts.get("name"),
                description=texts.get("description"),
                line=locations.exact(prefix + path),
                label=label,
                file_name=file_name,
                spec=compile_globs(globs),
            )
        )
    problems = sorted(v.problems, key=lambda p: (p.line is None, p.line or 0))
    exclude = exclude or ()
    exclude_lines = tuple(locations.exact(prefix + ("exclude", i)) for i in range(len(exclude)))
    return Settings(
        runtime=runtime,
        default=default,
        exclude=exclude,
        exclude_lines=exclude_lines,
        allow_secrets=allow or (),
        rules=tuple(rules),
        problems=tuple(problems),
    )
