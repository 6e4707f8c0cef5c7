"""Runtime overhead, measured in one run: `storage.open` against builtin `open`, and the
ipfs backend's publish throughput against plain `ipfshttpclient` `add` of the same files
(and the runtime's own RPC client, `_rpc`, alone).

Local part (no daemon), each a ratio of times (1.00 = same cost, >1 = slower):

- small-file open/close: write 100 bytes to a file and close, many times; and open a
  small file for reading and close;
- 1 MiB and 64 MiB writes (write and close, the same file rewritten);
- reads: a small file and a 1 MiB file, read whole.

Each operation runs for every side in alternation, several rounds, best round kept, in
the same temporary folder (`--dir` picks its parent, e.g. a tmpfs to leave disk noise out). Rows: `local` is `Storage` with the embedded local backend
(the default); `tracked` is a `Storage` whose backend does nothing, so it shows the cost
of the tracked raw layer that every publishing backend adds on write opens.

IPFS part (skipped, with a message, unless MIGRATE_STORAGE_TEST_IPFS_API names a node
that answers): the same files published through `IpfsBackend.after_write` (local CID
computed while streaming, index transactions, pin=False) versus
`client.add(path, pin=False, cid_version=1, raw_leaves=True, ...)`, as MB/s and their ratio
(>1 = the backend is faster). Then opens of missing files for reading (a program probing
for a checkpoint in a loop): builtin open's FileNotFoundError against `Storage.open` with the
ipfs backend, whose first open of a path asks the node (no namespace has it) and whose later
opens within the negative-cache window (`_ipfs.NEGATIVE_TTL`) do not; printed as time per
open and as ratios against builtin. Timings are printed, never asserted.

    python bench/runtime_overhead.py [--quick] [--dir FOLDER]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storage_runtime import Storage
from storage_runtime.config import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import best_of

MIB = 1024 * 1024


class _NullBackend:
    """A backend that does nothing: isolates the cost of the tracked write layer."""

    name = "null"

    def after_write(self, path: str, *, pin: bool) -> None:
        return None

    def before_read(self, path: str) -> None:
        return None

    def close(self) -> None:
        return None


def _local_cases(folder: str, quick: bool) -> list[tuple[str, Callable[[Any], Callable[[], None]]]]:
    small = os.path.join(folder, "small.txt")
    one = os.path.join(folder, "one.bin")
    big = os.path.join(folder, "big.bin")
    mib, big_data = os.urandom(MIB), os.urandom(64 * MIB)
    n_small = 300 if quick else 1000
    with open(small, "w") as f:
        f.write("x" * 100)
    with open(one, "wb") as f:
        f.write(mib)

    def small_write(opener: Any) -> Callable[[], None]:
        def run() -> None:
            for _ in range(n_small):
                with opener(small, "w") as f:
                    f.write("x" * 100)
        return run

    def small_read(opener: Any) -> Callable[[], None]:
        def run() -> None:
            for _ in range(n_small):
                with opener(small) as f:
                    f.read()
        return run

    def write_1m(opener: Any) -> Callable[[], None]:
        def run() -> None:
            for _ in range(10 if quick else 30):
                with opener(one, "wb") as f:
                    f.write(mib)
        return run

    def write_64m(opener: Any) -> Callable[[], None]:
        def run() -> None:
            with opener(big, "wb") as f:
                f.write(big_data)
        return run

    def read_1m(opener: Any) -> Callable[[], None]:
        def run() -> None:
            for _ in range(30 if quick else 100):
                with opener(one, "rb") as f:
                    f.read()
        return run

    return [
        (f"small-file write open/close x{n_small}", small_write),
        (f"small-file read open/close x{n_small}", small_read),
        ("1 MiB writes", write_1m),
        ("64 MiB write", write_64m),
        ("1 MiB reads", read_1m),
    ]


def bench_local(quick: bool, folder: str | None) -> None:
    rounds = 3 if quick else 5
    with tempfile.TemporaryDirectory(dir=folder) as root:
        local = Storage(Settings(backend="local", root=root))
        tracked = Storage(Settings(backend="local", root=root), backend_impl=_NullBackend())
        openers = {"builtin": open, "local": local.open, "tracked": tracked.open}
        print(f"local backend, in {root}: time of storage.open / time of builtin open "
              "(1.00 = same; best of interleaved rounds)")
        print(f"  {'operation':<36} {'builtin s':>10} {'local':>7} {'tracked':>8}")
        for label, case in _local_cases(root, quick):
            runs = {name: case(opener) for name, opener in openers.items()}
            best = dict.fromkeys(runs, float("inf"))
            for _ in range(rounds):  # alternate the sides so load changes hit all alike
                for name, run in runs.items():
                    best[name] = min(best[name], best_of(run, 1))
            base = best["builtin"]
            print(f"  {label:<36} {base:>10.4f} {best['local'] / base:>7.2f} "
                  f"{best['tracked'] / base:>8.2f}")


def bench_ipfs(quick: bool) -> None:
    api = os.environ.get("MIGRATE_STORAGE_TEST_IPFS_API", "").strip()
    if not api:
        print("ipfs: skipped (set MIGRATE_STORAGE_TEST_IPFS_API, e.g. after "
              "`scripts/ipfs-node start`)")
        return
    from storage_runtime._cid import IMPORT_OPTS
    from storage_runtime._ipfs import IpfsBackend, default_client

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(backend="ipfs", api=api, root=folder,
                            namespace=f"/bench-{os.getpid()}", timeout=60)
        try:
            import ipfshttpclient  # the baseline: the plain client, its own session

            client = ipfshttpclient.Client(api, timeout=60)
            client.version()
            ours = default_client(settings)
        except Exception as exc:  # noqa: BLE001 - any failure: no node to measure
            print(f"ipfs: skipped (no node answers at {api}: {exc})")
            return
        sizes = [64 * 1024] * (40 if quick else 100) + [4 * MIB] * (3 if quick else 6)
        paths = []
        for i, size in enumerate(sizes):
            path = os.path.join(folder, f"f{i:04d}.bin")
            with open(path, "wb") as f:
                f.write(os.urandom(size))
            paths.append(path)
        total = sum(sizes) / MIB
        backend = IpfsBackend(settings, drain_on_start=False)

        def plain() -> None:
            for path in paths:
                client.add(path, pin=False, cid_version=1, raw_leaves=True, opts=IMPORT_OPTS)

        def own_client() -> None:  # the runtime's RPC client alone (_rpc, http.client)
            for path in paths:
                with open(path, "rb") as f:
                    ours.add(f, pin=False, cid_version=1, raw_leaves=True, opts=IMPORT_OPTS)

        def runtime() -> None:
            for path in paths:
                backend.after_write(path, pin=False)

        runtime()  # warm all three (index created, connections open)
        plain()
        own_client()
        t_plain = best_of(plain, 2)
        t_own = best_of(own_client, 2)
        t_runtime = best_of(runtime, 2)

        def marks() -> None:  # what every writable open adds: the writer mark, a gen bump
            for path in paths:
                release = backend.begin_write(path)
                if release is not None:
                    release()

        def opens() -> None:
            for path in paths:
                open(path, "rb").close()

        t_marks, t_opens = best_of(marks, 3), best_of(opens, 3)
        backend.close()
        client.close()
        print(f"ipfs publish of {len(paths)} files, {total:.1f} MiB, pin=False, node {api}")
        print(f"  plain ipfshttpclient add: {total / t_plain:8.1f} MiB/s")
        print(f"  runtime's RPC client add: {total / t_own:8.1f} MiB/s "
              f"(ratio to plain {t_plain / t_own:.2f})")
        print(f"  IpfsBackend.after_write:  {total / t_runtime:8.1f} MiB/s")
        print(f"  throughput ratio (backend / plain): {t_plain / t_runtime:.2f}")
        print(f"  begin_write + release (per writable open): "
              f"{t_marks * 1e6 / len(paths):.1f} us, {t_marks / t_opens:.1f}x builtin open+close")
        bench_missing(settings, 50 if quick else 200, 5 if quick else 20)


def bench_missing(settings: Settings, n_paths: int, repeats: int) -> None:
    """Missing-file opens: builtin vs the ipfs backend, first open of each path (one node
    lookup) and repeated opens within the negative-cache window (none)."""
    from storage_runtime._ipfs import NEGATIVE_TTL, IpfsBackend

    backend = IpfsBackend(settings, drain_on_start=False)
    storage = Storage(settings, backend_impl=backend)
    missing = [os.path.join(settings.root, "missing", f"m{i:04d}.ckpt") for i in range(n_paths)]

    def probe(opener: Any) -> Callable[[], None]:
        def run() -> None:
            for path in missing:
                try:
                    opener(path, "rb")
                except FileNotFoundError:
                    pass
        return run

    storage.open(os.path.join(settings.root, "warm-up"), "wb").close()  # index, connection
    t_first = best_of(probe(storage.open), 1)  # every path asks the node once
    builtin_run, runtime_run = probe(open), probe(storage.open)
    t_builtin = t_warm = float("inf")
    deadline = time.monotonic() + NEGATIVE_TTL * 0.8  # stay inside the window
    for _ in range(repeats):
        if time.monotonic() > deadline:
            break
        t_builtin = min(t_builtin, best_of(builtin_run, 1))
        t_warm = min(t_warm, best_of(runtime_run, 1))
    backend.close()
    per = 1e6 / n_paths
    print(f"missing-file open for reading, {n_paths} paths (negative cache {NEGATIVE_TTL} s)")
    print(f"  builtin open:                  {t_builtin * per:9.1f} us/open")
    print(f"  ipfs backend, first open:      {t_first * per:9.1f} us/open  "
          f"ratio {t_first / t_builtin:8.1f}")
    print(f"  ipfs backend, within window:   {t_warm * per:9.1f} us/open  "
          f"ratio {t_warm / t_builtin:8.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--dir", help="folder for the local part's files (default: temp)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=r"The 'strict' parameter", category=FutureWarning)
    bench_local(args.quick, args.dir)
    bench_ipfs(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
