"""cache.Cache: black's rules (size, then mtime, then hash), atomic, unreadable = empty."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from migrate_storage.codemods.pipeline.cache import Cache, cache_file, file_digest


def recorded(tmp_path: Path, data: bytes = b"x = 1\n") -> tuple[Cache, Path]:
    source = tmp_path / "a.py"
    source.write_bytes(data)
    cache = Cache(tmp_path / "cache" / "c.json")
    cache.record(source, os.stat(source), file_digest(data), {"receiver type unknown": 2})
    cache.write()
    return Cache.read(cache.path), source


def test_round_trip_keeps_entries_and_left_alone_counts(tmp_path: Path) -> None:
    cache, source = recorded(tmp_path)
    entry = cache.lookup(source)
    assert entry is not None and entry.left_alone == (("receiver type unknown", 2),)
    assert [p.name for p in cache.path.parent.iterdir()] == ["c.json"]  # no temp file left


def test_a_changed_size_is_a_miss(tmp_path: Path) -> None:
    cache, source = recorded(tmp_path)
    source.write_bytes(b"x = 12\n")
    assert cache.lookup(source) is None


def test_same_size_new_mtime_is_decided_by_the_hash(tmp_path: Path) -> None:
    cache, source = recorded(tmp_path)
    os.utime(source, ns=(1, 1))  # touched: same bytes
    assert cache.lookup(source) is not None
    source.write_bytes(b"x = 2\n")  # same size, other bytes
    os.utime(source, ns=(2, 2))
    assert cache.lookup(source) is None


def test_a_missing_file_is_a_miss(tmp_path: Path) -> None:
    cache, source = recorded(tmp_path)
    source.unlink()
    assert cache.lookup(source) is None


@pytest.mark.parametrize("content", [b"", b"not json", b'{"format": 1, "files": {"a": [1]}}', b'{"format": 99, "files": {}}', b"[]"])
def test_an_unreadable_cache_counts_as_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(content)
    assert Cache.read(path).entries == {}


def test_a_cache_folder_that_cannot_be_written_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    Cache(blocker / "sub" / "c.json").write()  # parent is a file: OSError swallowed


def test_the_key_depends_on_rules_and_tool() -> None:
    base = Path("/c")
    assert cache_file(base, "r1", "v1") != cache_file(base, "r2", "v1")
    assert cache_file(base, "r1", "v1") != cache_file(base, "r1", "v2")
    assert cache_file(base, "r1", "v1") == cache_file(base, "r1", "v1")


def test_a_changed_libcst_or_python_version_misses(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An upgrade may parse or print differently: a result the old LibCST made is not replayed."""
    from importlib import metadata

    from migrate_storage.codemods.pipeline import cache

    real_version = metadata.version
    before = cache.cache_file(tmp_path, "rules")
    stored = Cache(before)
    source = tmp_path / "a.py"
    source.write_bytes(b"x = 1\n")
    stored.record(source, os.stat(source), file_digest(b"x = 1\n"), {})
    stored.write()
    assert Cache.read(cache.cache_file(tmp_path, "rules")).lookup(source) is not None  # same versions: a hit
    with monkeypatch.context() as patched:
        patched.setattr(metadata, "version", lambda name: "0.0.1" if name == "libcst" else real_version(name))
        after = cache.cache_file(tmp_path, "rules")
        assert after != before and Cache.read(after).lookup(source) is None
    with monkeypatch.context() as patched:
        patched.setattr(cache.sys, "version", "3.99.0 (elsewhere)")
        assert cache.cache_file(tmp_path, "rules") != before


def test_every_codemods_module_is_in_the_fingerprint() -> None:
    """The modules live in subfolders (pipeline/, analysis/, families/...): an edited finder
    must change the key as an edited engine does."""
    from migrate_storage.codemods.pipeline import cache

    fingerprint = cache.tool_fingerprint()
    for name in ("analysis/finder.py", "families/open_calls.py", "pipeline/engine.py", "model.py", "rules/matcher.py"):
        assert f"\n{name}:" in fingerprint


def test_cache_dir_comes_from_the_environment_then_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from migrate_storage.codemods.settings import Settings, default_cache_dir

    monkeypatch.setenv("MIGRATE_STORAGE_CACHE_DIR", str(tmp_path / "env"))
    assert default_cache_dir() == tmp_path / "env"
    monkeypatch.delenv("MIGRATE_STORAGE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "migrate-storage"
    assert Settings(cache_dir=tmp_path / "given").resolved_cache_dir() == tmp_path / "given"


def _pending(tmp_path: Path, new: bytes = b"y = 1\n") -> tuple[Cache, Path]:
    from migrate_storage.codemods.model import Family, Reason, Site, Status, Strategy

    source = tmp_path / "a.py"
    source.write_bytes(b"x = 1\n")
    st = os.stat(source)
    sites = (
        Site("a.py", 1, 4, Family.JSON, "json.dump", Status.PENDING, None, Strategy.PIN),
        Site("a.py", 2, 0, Family.PATHLIB, "pathlib.Path.read_text", Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN),
    )
    cache = Cache(tmp_path / "cache" / "c.json")
    cache.record_pending(source, (st.st_mtime_ns, st.st_size), file_digest(b"x = 1\n"), "a.py", sites, new, b"diff")
    cache.write()
    return Cache.read(cache.path), source


def test_a_pending_entry_round_trips_with_its_sites_and_blobs(tmp_path: Path) -> None:
    cache, source = _pending(tmp_path)
    entry = cache.lookup(source)
    assert entry is not None and entry.pending is not None
    assert [
        (s.path, s.line, s.column, s.family.value, s.name, s.status.value, s.reason and s.reason.name,
         s.strategy and s.strategy.value)
        for s in entry.pending.sites
    ] == [
        ("a.py", 1, 4, "json", "json.dump", "pending", None, "pin"),
        ("a.py", 2, 0, "pathlib", "pathlib.Path.read_text", "unmigrated", "RECEIVER_UNKNOWN", None),
    ]
    assert cache.blob(entry.pending.new_sha256) == b"y = 1\n"
    assert cache.blob(entry.pending.diff_sha256) == b"diff"


def test_a_blob_that_does_not_match_its_hash_is_a_miss(tmp_path: Path) -> None:
    cache, source = _pending(tmp_path)
    entry = cache.lookup(source)
    assert entry is not None and entry.pending is not None
    (cache.blob_dir / entry.pending.new_sha256).write_bytes(b"tampered\n")
    assert cache.blob(entry.pending.new_sha256) is None
    assert cache.blob("0" * 64) is None and cache.blob(None) is None


def test_writing_drops_blobs_no_entry_names(tmp_path: Path) -> None:
    cache, source = _pending(tmp_path)
    assert len(list(cache.blob_dir.iterdir())) == 2
    st = os.stat(source)
    cache.record(source, st, file_digest(source.read_bytes()), {})  # now clean: blobs unused
    cache.write()
    assert list(cache.blob_dir.iterdir()) == []
