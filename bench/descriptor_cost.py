"""What it costs the ipfs backend to keep no descriptor open between the program's calls.

A program that counts its descriptors around a write (zict's and dask's
`check_fd_leaks`) must see the count it saw before migration. The ipfs backend could close
its `writers.lock` descriptor when no file is open for writing (`Writers.transient`) and
its index connection (database, -wal, -shm) after each call (`Index.transient`). This
compares, in one run, three sides, each with its own root and index, against the test
node: "kept" (both kept for the process, the earlier behaviour), "lock" (the lock
descriptor closed when idle, the index kept: the default now) and "none" (both closed:
no descriptor between calls):

- publish: write a small file through `Storage.open` and close it (a node `add` and
  three index transactions), files of the sizes given (default: this repository's own
  Python files' sizes, a corpus the benchmark does not choose);
- rewrite: the same files again (update rows);
- writable open without a change (`r+b` opened and closed: index transactions only,
  no node call): the worst case, where nothing else hides the reopen;
- missing: opening missing files for reading (an index lookup and a node lookup each).

Rounds alternate between the two modes, best round kept; printed as time per operation
and the ratios lock / kept and none / kept (1.00 = same cost). Never asserted.

    MIGRATE_STORAGE_TEST_IPFS_API=... python bench/descriptor_cost.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storage_runtime import Storage
from storage_runtime._ipfs import IpfsBackend
from storage_runtime.config import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import best_of

REPO = Path(__file__).resolve().parent.parent


def _corpus_sizes(limit: int) -> list[int]:
    """Sizes of this repository's Python files (the runtime's and the codemods'), in path
    order: small text files, as a spill-to-disk mapping or a cache writes."""
    files = sorted(p for p in REPO.glob("*/**/*.py") if ".venv" not in p.parts)
    return [p.stat().st_size for p in files[:limit]]


def _make(api: str, folder: str, side: str) -> Storage:
    root = os.path.join(folder, side)
    os.makedirs(root)
    settings = Settings(backend="ipfs", api=api, root=root, timeout=30,
                        namespace=f"/bench-fd-{uuid.uuid4().hex[:8]}")
    backend = IpfsBackend(settings, drain_on_start=False)
    backend.index.transient = side == "none"
    backend.writers.transient = side != "kept"
    return Storage(settings, backend_impl=backend)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer files and rounds")
    args = parser.parse_args()
    api = os.environ.get("MIGRATE_STORAGE_TEST_IPFS_API", "").strip()
    if not api:
        print("skipped: set MIGRATE_STORAGE_TEST_IPFS_API (scripts/ipfs-node start)")
        return 0
    sizes = _corpus_sizes(40 if args.quick else 150)
    rounds = 2 if args.quick else 4
    with tempfile.TemporaryDirectory() as folder:
        sides = {side: _make(api, folder, side) for side in ("kept", "lock", "none")}
        payload = {i: os.urandom(size) for i, size in enumerate(sizes)}
        counter = iter(range(10**9))

        def publish(storage: Storage) -> Callable[[], None]:
            root = storage.settings.root

            def run() -> None:
                tag = next(counter)
                for i, data in payload.items():
                    with storage.open(os.path.join(root, f"n{tag}-{i}.bin"), "wb") as f:
                        f.write(data)
            return run

        def rewrite(storage: Storage) -> Callable[[], None]:
            root = storage.settings.root

            def run() -> None:
                for i, data in payload.items():
                    with storage.open(os.path.join(root, f"f{i}.bin"), "wb") as f:
                        f.write(data[::-1] if next(counter) % 2 else data)
            return run

        def unchanged(storage: Storage) -> Callable[[], None]:
            root = storage.settings.root

            def run() -> None:
                for i in payload:
                    storage.open(os.path.join(root, f"f{i}.bin"), "r+b").close()
            return run

        def missing(storage: Storage) -> Callable[[], None]:
            root = storage.settings.root

            def run() -> None:
                tag = next(counter)
                for i in payload:
                    try:
                        storage.open(os.path.join(root, f"absent-{tag}-{i}.bin"), "rb")
                    except FileNotFoundError:
                        pass
            return run

        cases: list[tuple[str, Callable[[Storage], Callable[[], None]]]] = [
            ("publish (new files)", publish), ("rewrite (published files)", rewrite),
            ("writable open, no change", unchanged), ("missing file, read open", missing),
        ]
        for storage in sides.values():  # warm: index made, files present, node warm
            publish(storage)()
            rewrite(storage)()
        print(f"{len(sizes)} files ({sum(sizes) / 1024:.0f} KiB, this repository's .py sizes), "
              f"node {api}, best of {rounds} interleaved rounds")
        print(f"  {'operation':28} {'kept us/op':>10} {'lock us/op':>10} {'none us/op':>10} "
              f"{'lock/kept':>9} {'none/kept':>9}")
        for label, case in cases:
            best = dict.fromkeys(sides, float("inf"))
            for _ in range(rounds):
                for name, storage in sides.items():
                    best[name] = min(best[name], best_of(case(storage), 1))
            per = {k: v * 1e6 / len(sizes) for k, v in best.items()}
            print(f"  {label:28} {per['kept']:10.0f} {per['lock']:10.0f} {per['none']:10.0f} "
                  f"{best['lock'] / best['kept']:9.2f} {best['none'] / best['kept']:9.2f}")
        for storage in sides.values():
            backend: Any = storage.backend
            backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
