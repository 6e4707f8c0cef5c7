"""Find the line of every key, table and array element in a TOML text.

Why: `tomllib` returns plain dicts with no positions, yet every rules-file message must say
`file:line`. This module re-reads the raw text with a small structural scanner (not a
second TOML parser: it builds no values) and maps each *key path* to the line where it
starts, using the same path shape as the parsed data:

    ("runtime",)                      -> line of `runtime = ...`
    ("rules", 1)                      -> line of the second `[[rules]]` header
    ("rules", 1, "paths", 0)          -> line of the first string in that rule's `paths`
    ("tool", "migrate-storage", ...)  -> the same inside pyproject.toml

How: it walks the text once, skipping comments and all four string forms (so a `#`, `[`
or `=` inside a string never confuses it), follows `[table]` and `[[array of tables]]`
headers (counting array-of-tables elements, resolving `[[a.b]]` under the last `[[a]]`),
dotted and quoted keys, inline tables and nested arrays. It is only ever run on text that
`tomllib` already accepted, so it can assume valid TOML; if it still meets something it does
not understand it stops and keeps what it found (callers then fall back to the nearest
enclosing key's line, or to no line).
"""

from __future__ import annotations

import bisect
import re
import tomllib

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")


class _Stop(Exception):
    """The scanner met text it does not understand; keep what was found so far."""


class Locations:
    """Line numbers (1-based) of key paths in one TOML text."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._offsets: dict[KeyPath, int] = {}
        self._aot: dict[KeyPath, int] = {}
        self._i = 0
        try:
            self._scan()
        except (_Stop, IndexError, tomllib.TOMLDecodeError):
            pass

    def line(self, path: KeyPath) -> int | None:
        """The line of `path`, else of its nearest enclosing key that was found, else None."""
        while path:
            offset = self._offsets.get(path)
            if offset is not None:
                return bisect.bisect_left(self._newlines, offset) + 1
            path = path[:-1]
        return None

    def exact(self, path: KeyPath) -> int | None:
        """The line of exactly `path`, or None (no fallback to the enclosing key)."""
        offset = self._offsets.get(path)
        return None if offset is None else bisect.bisect_left(self._newlines, offset) + 1

    # -- scanner ----------------------------------------------------------------------

    def _scan(self) -> None:
        s = self._text
        current: KeyPath = ()
        while True:
            self._skip_blank(newlines=True)
            if self._i >= len(s):
                return
            start = self._i
            if s.startswith("[[", start):
                self._i += 2
                key = self._key()
                self._expect("]]")
                array = self._resolve(key[:-1]) + (key[-1],)
                index = self._aot.get(array, 0)
                self._aot[array] = index + 1
                for n in range(1, len(array) + 1):
                    self._offsets.setdefault(array[:n], start)
                current = array + (index,)
                self._offsets[current] = start
            elif s[start] == "[":
                self._i += 1
                key = self._key()
                self._expect("]")
                current = self._resolve(key)
                for n in range(1, len(current) + 1):  # [a.b] also (implicitly) defines a
                    self._offsets.setdefault(current[:n], start)
            else:
                key = self._key()
                for n in range(1, len(key)):
                    self._offsets.setdefault(current + key[:n], start)
                path = current + key
                self._offsets[path] = start
                self._expect("=")
                self._value(path)

    def _resolve(self, key: tuple[str, ...]) -> KeyPath:
        """A header's key path, with the last element of each array of tables on the way."""
        path: KeyPath = ()
        for part in key:
            path += (part,)
            if path in self._aot:
                path += (self._aot[path] - 1,)
        return path

    def _skip_blank(self, *, newlines: bool) -> None:
        s = self._text
        while self._i < len(s):
            c = s[self._i]
            if c in " \t" or (newlines and c in "\r\n"):
                self._i += 1
            elif c == "#" and newlines:
                end = s.find("\n", self._i)
                self._i = len(s) if end < 0 else end
            else:
                return

    def _expect(self, token: str) -> None:
        self._skip_blank(newlines=False)
        if not self._text.startswith(token, self._i):
            raise _Stop
        self._i += len(token)

    def _key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            c = self._text[self._i]
            if c in "\"'":
                start = self._i
                self._string()
                # tomllib decodes the quoted key exactly as it did when loading the file.
                parts.append(tomllib.loads("k = " + self._text[start : self._i])["k"])
            else:
                match = _BARE_KEY.match(self._text, self._i)
                if match is None:
                    raise _Stop
                parts.append(match.group())
                self._i = match.end()
            self._skip_blank(newlines=False)
            if self._text.startswith(".", self._i):
                self._i += 1
                continue
            return tuple(parts)

    def _string(self) -> None:
        """Skip one string of any of the four TOML forms, starting at its opening quote."""
        s = self._text
        quote = s[self._i]
        if s.startswith(quote * 3, self._i):
            self._i += 3
            while not s.startswith(quote * 3, self._i):
                self._i += 2 if (quote == '"' and s[self._i] == "\\") else 1
                if self._i >= len(s):
                    raise _Stop
            self._i += 3
            # Up to two more quotes may close the string ("""a""""" is 'a""').
            for _ in range(2):
                if self._i < len(s) and s[self._i] == quote:
                    self._i += 1
            return
        self._i += 1
        while s[self._i] != quote:
            if s[self._i] == "\n":
                raise _Stop
            self._i += 2 if (quote == '"' and s[self._i] == "\\") else 1
        self._i += 1

    def _value(self, path: KeyPath) -> None:
        self._skip_blank(newlines=False)
        c = self._text[self._i]
        if c in "\"'":
            self._string()
        elif c == "[":
            self._array(path)
        elif c == "{":
            self._table(path)
        else:
            match = _SCALAR_END.search(self._text, self._i)
            end = len(self._text) if match is None else match.start()
            if end == self._i:
                raise _Stop  # not a value: never loop in place
            self._i = end

    def _array(self, path: KeyPath) -> None:
        self._i += 1
        index = 0
        while True:
            self._skip_blank(newlines=True)
            if self._text[self._i] == "]":
                self._i += 1
                return
            self._offsets[path + (index,)] = self._i
            self._value(path + (index,))
            self._skip_blank(newlines=True)
            if self._text[self._i] == ",":
                self._i += 1
                index += 1

    def _table(self, path: KeyPath) -> None:
        self._i += 1
        while True:
            self._skip_blank(newlines=True)
            if self._text[self._i] == "}":
                self._i += 1
                return
            start = self._i
            key = self._key()
            for n in range(1, len(key) + 1):
                self._offsets.setdefault(path + key[:n], start)
            self._expect("=")
            self._value(path + key)
            self._skip_blank(newlines=True)
            if self._text[self._i] == ",":
                self._i += 1
