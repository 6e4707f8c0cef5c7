"""Helpers for the real-node runtime tests (imported by name: tests/runtime is on sys.path)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from storage_runtime._cid import cid_of_file

PYTHON = sys.executable


def make_client(api: str) -> Any:
    """A plain ipfshttpclient client (the tests' independent view of the node)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import ipfshttpclient
    return ipfshttpclient.Client(api, timeout=30)


def closed_port_api() -> str:
    """A multiaddr on 127.0.0.1 where nothing listens (a daemon that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"/ip4/127.0.0.1/tcp/{port}/http"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rows(index_path: str) -> dict[str, dict[str, Any]]:
    """Every index row, read with plain sqlite3 (independent of the runtime's Index);
    {} when the index was never created."""
    if not os.path.exists(index_path):
        return {}
    conn = sqlite3.connect(index_path)
    conn.row_factory = sqlite3.Row
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {r["path"]: dict(r) for r in conn.execute("SELECT * FROM files")}
    finally:
        conn.close()


def has_content(client: Any, cid: str) -> bool:
    """True when the node can serve `cid` (bounded: a server-side timeout)."""
    try:
        client.cat(cid, opts={"timeout": "2s"})
        return True
    except Exception:  # noqa: BLE001 - ErrorResponse "request timed out" means missing
        return False


def is_pinned(client: Any, cid: str) -> bool:
    from storage_runtime._cid import normalize_cid

    try:
        keys = client.pin.ls(cid, type="recursive")["Keys"]
    except Exception:  # noqa: BLE001 - "is not pinned"
        return False
    return any(normalize_cid(k) == cid for k in keys)


def mfs_cid(client: Any, path: str) -> str | None:
    from storage_runtime._cid import normalize_cid

    try:
        return normalize_cid(client.files.stat(path, opts={"cid-base": "base32"})["Hash"])
    except Exception:  # noqa: BLE001 - "does not exist"
        return None


def disk_cid(path: str) -> str:
    return cid_of_file(path)[0]


def worker_env(root: Path | str, api: str, namespace: str) -> dict[str, str]:
    """The environment of one worker running a migrated program as its own process: the
    ipfs backend on `api`, its own root (and so its own index), the shared `namespace`,
    strict (a publish or restore that fails raises in the program)."""
    env = {**os.environ, "STORAGE_RUNTIME_BACKEND": "ipfs", "STORAGE_RUNTIME_API": api,
           "STORAGE_RUNTIME_ROOT": str(root), "STORAGE_RUNTIME_NAMESPACE": namespace,
           "STORAGE_RUNTIME_TIMEOUT": "5", "STORAGE_RUNTIME_STRICT": "1"}
    env.pop("STORAGE_RUNTIME_INDEX", None)
    return env


def race_workers(worker: Path, n: int, rounds: int, tmp_path: Path, api: str,
                 namespace: str) -> dict[str, str]:
    """Run `n` workers `worker` (w0, w1, ...), each a separate process on its own root
    under `tmp_path`, all in one namespace, as `python WORKER WHO N ROUNDS BARRIER_DIR`
    (they meet at a file barrier: `_barrier.py`); each must exit 0. What each printed."""
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    names = [f"w{k}" for k in range(n)]
    procs = []
    for who in names:
        root = tmp_path / who
        root.mkdir()
        procs.append(subprocess.Popen(
            [sys.executable, str(worker), who, str(n), str(rounds), str(barrier)],
            cwd=root, env=worker_env(root, api, namespace), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outputs = {}
    for who, proc in zip(names, procs):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{who}: {err}"
        outputs[who] = out
    return outputs


def run_program(program: Path | str, root: Path, argv: list[str], env: dict[str, str]) -> str:
    """Run a program in `root` as its own process and return what it printed (it must
    exit 0): `program` is a file, or source text, written beside `root` first."""
    if isinstance(program, str):
        source, program = program, root.parent / f"{root.name}-main.py"
        program.write_text(source)
    done = subprocess.run([PYTHON, str(program), *argv], cwd=root, env=env, text=True,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def migrated_pinned(source: str) -> str:
    """`source` as `apply` leaves it under a `pin` strategy (it must rewrite something)."""
    from migrate_storage.codemods.model import Strategy
    from migrate_storage.codemods.pipeline.engine import transform_source
    from migrate_storage.codemods.policy import FilePolicy

    result = transform_source(source.encode(), "main.py", FilePolicy(strategy=Strategy.PIN))
    assert result.new_source is not None, result.message
    return result.new_source.decode()


def run_cli(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    return subprocess.run([PYTHON, "-m", "storage_runtime", *args], env=full, text=True,
                          capture_output=True, timeout=timeout, check=False)


NODE_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "ipfs-node")


class OwnNode:
    """A private js-ipfs node (scripts/ipfs-node on free ports, its own folder), for
    tests that stop it or may wedge it (js-ipfs hangs later adds after a client is
    killed mid-upload), so the shared test node is never disturbed."""

    def __init__(self, folder: str) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "IPFS_NODE_API_PORT": str(self.port),
            "IPFS_NODE_GATEWAY_PORT": str(free_port()),
            "IPFS_NODE_DIR": folder,
        }
        self.api = f"/ip4/127.0.0.1/tcp/{self.port}/http"

    def _run(self, command: str) -> None:
        result = subprocess.run(["bash", NODE_SCRIPT, command], env=self.env, text=True,
                                capture_output=True, timeout=120, check=False)
        assert result.returncode == 0, f"ipfs-node {command}: {result.stderr}"

    def start(self) -> None:
        self._run("start")

    def stop(self) -> None:
        self._run("stop")


WORKER_SCRIPT = os.path.join(os.path.dirname(__file__), "_ns_worker.py")


class Worker:
    """One worker process (`_ns_worker.py`): its own root and index, the shared namespace.
    `call(op, **args)` sends a command and returns its answer (bounded wait)."""

    def __init__(self, root: str, api: str, namespace: str, **env: str) -> None:
        os.makedirs(root, exist_ok=True)
        self.root = root
        self.env = {**os.environ, "STORAGE_RUNTIME_BACKEND": "ipfs",
                    "STORAGE_RUNTIME_API": api, "STORAGE_RUNTIME_ROOT": root,
                    "STORAGE_RUNTIME_NAMESPACE": namespace, "STORAGE_RUNTIME_TIMEOUT": "5",
                    **env}
        self.env.pop("STORAGE_RUNTIME_INDEX", None)
        self.proc = subprocess.Popen([PYTHON, WORKER_SCRIPT], env=self.env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def call(self, op: str, timeout: float = 60, **args: Any) -> Any:
        import json
        import select

        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, f"worker {self.root}: no answer to {op} within {timeout} s"
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            return Failure(answer["error"], answer["message"])
        return answer["ok"]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Failure:
    """An exception a worker's command raised: its type name and message."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind, self.message = kind, message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Failure) and other.kind == self.kind

    def __repr__(self) -> str:
        return f"Failure({self.kind!r}, {self.message!r})"


def recursive_pins(client: Any) -> set[str]:
    from storage_runtime._cid import normalize_cid

    return {normalize_cid(k) for k in client.pin.ls(type="recursive")["Keys"]}


def local_blocks(client: Any) -> set[str]:
    """Every block the node holds (`refs/local`): a quick "is it still there" for
    single-block content, where `cat` of a missing CID waits for its timeout."""
    from storage_runtime._cid import normalize_cid

    return {normalize_cid(r["Ref"]) for r in client.unstable.refs.local()}
