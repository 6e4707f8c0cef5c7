"""The runtime's own log records stay out of the program's logging (`storage_runtime/_log.py`).

A migrated program that configures logging (`logging.basicConfig`, a handler that records
everything, pytest's caplog) must see exactly the records it saw before: the runtime's
restore at info, or any other of its records, must not reach the program's handlers.
Warnings the README promises (publishing deferred, daemon unreachable) still reach
stderr; `STORAGE_RUNTIME_LOG=propagate` gives the records to the program's logging.

Each program is a separate process, as a program is, run unmigrated (builtin open),
migrated on the local backend and migrated on the ipfs backend against the real node,
where the file it reads is missing and restored from the namespace.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import PYTHON, closed_port_api

# argv[1]: "builtin" (the program before migration) or "runtime" (after). Its logging
# prints every record of every logger to stdout, and lists the loggers it saw.
_PROGRAM = r'''
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout,
                    format="%(levelname)s:%(name)s:%(message)s")
seen = []
handler = logging.Handler()
handler.emit = lambda record: seen.append(record.name)
logging.getLogger().addHandler(handler)
if sys.argv[1] == "runtime":
    from storage_runtime import open
log = logging.getLogger("app")
log.info("reading")
with open("shared.txt") as f:
    print(f.read(), end="")
with open("out.txt", "w") as f:
    f.write("written\n")
log.info("done")
print(sorted(set(seen)))
'''


def _run(args: list[str], env: dict[str, str], cwd: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_RUNTIME_", "PYTEST_"))}
    full.update(env)
    return subprocess.run([PYTHON, "-c", _PROGRAM, *args], env=full, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


def _plant(make_storage: Callable[..., Any]) -> None:
    writer = make_storage("writer")
    writer.write_text(Path(writer.settings.root, "shared.txt"), "from another worker\n", pin=True)


def _local_copy(tmp_path: Path, name: str) -> str:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "shared.txt").write_text("from another worker\n")
    return str(folder)


EXPECTED = ("INFO:app:reading\nfrom another worker\nINFO:app:done\n['app']\n")


@pytest.mark.ipfs
def test_a_program_that_configures_logging_prints_the_same_on_every_backend(
    tmp_path: Path, ipfs_settings: Callable[..., Any], make_storage: Callable[..., Any],
) -> None:
    _plant(make_storage)
    settings = ipfs_settings("program", strict=True)
    before = _run(["builtin"], {}, _local_copy(tmp_path, "before"))
    local = _run(["runtime"], {"STORAGE_RUNTIME_BACKEND": "local"}, _local_copy(tmp_path, "local"))
    ipfs = _run(["runtime"], settings.as_env(), settings.root)
    for done in (before, local, ipfs):
        assert done.returncode == 0, done.stderr[-2000:]
        assert (done.stdout, done.stderr) == (EXPECTED, "")
    # The ipfs run did restore and publish (the runtime worked, silently).
    assert Path(settings.root, "shared.txt").read_text() == "from another worker\n"
    from _ipfs_helpers import rows

    assert rows(settings.index)["out.txt"]["state"] == "published"


@pytest.mark.ipfs
def test_propagate_gives_the_runtimes_records_to_the_programs_logging(
    ipfs_settings: Callable[..., Any], make_storage: Callable[..., Any],
) -> None:
    _plant(make_storage)
    settings = ipfs_settings("program")
    done = _run(["runtime"], {**settings.as_env(), "STORAGE_RUNTIME_LOG": "propagate"},
                settings.root)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "INFO:storage_runtime:storage_runtime: restored " in done.stdout
    assert done.stdout.endswith("['app', 'storage_runtime']\n")


def test_the_promised_warnings_reach_stderr_and_not_the_programs_logging(tmp_path: Path) -> None:
    """The daemon down: the deferred publish warns once on stderr (the message alone, as
    when the program configured nothing), the program's handlers see only its records;
    `off` silences it; `info` shows more, still on stderr."""
    root = _local_copy(tmp_path, "root")
    env = {"STORAGE_RUNTIME_BACKEND": "ipfs", "STORAGE_RUNTIME_API": closed_port_api(),
           "STORAGE_RUNTIME_ROOT": root, "STORAGE_RUNTIME_TIMEOUT": "2"}
    default = _run(["runtime"], env, root)
    assert default.returncode == 0, default.stderr[-2000:]
    assert default.stdout == EXPECTED
    lines = default.stderr.splitlines()
    assert lines and all(line.startswith("storage_runtime: ") for line in lines), lines
    assert any("pending" in line or "unreachable" in line for line in lines), lines
    off = _run(["runtime"], {**env, "STORAGE_RUNTIME_LOG": "off"}, root)
    assert (off.returncode, off.stdout, off.stderr) == (0, EXPECTED, "")


_CONFIGURED_BEFORE = r'''
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout,
                    format="%(levelname)s:%(name)s:%(message)s")
logging.getLogger("storage_runtime").setLevel(logging.INFO)  # the operator wants restores
import storage_runtime
with storage_runtime.open("shared.txt") as f:
    f.read()
'''


@pytest.mark.ipfs
def test_a_logger_the_program_configured_before_the_import_is_left_alone(
    ipfs_settings: Callable[..., Any], make_storage: Callable[..., Any],
) -> None:
    _plant(make_storage)
    settings = ipfs_settings("program")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_RUNTIME_", "PYTEST_"))}
    done = subprocess.run([PYTHON, "-c", _CONFIGURED_BEFORE], env={**full, **settings.as_env()},
                          cwd=settings.root, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("INFO:storage_runtime:storage_runtime: restored "), done.stdout
    assert done.stderr == ""


def test_an_unknown_log_value_fails_the_import_naming_the_variable(tmp_path: Path) -> None:
    done = _run(["runtime"], {"STORAGE_RUNTIME_LOG": "loud"}, _local_copy(tmp_path, "root"))
    assert done.returncode == 1
    assert "ValueError: STORAGE_RUNTIME_LOG='loud': expected one of debug, info, warning, " \
           "error, off, propagate" in done.stderr
    cli = subprocess.run([PYTHON, "-m", "storage_runtime", "status"], cwd=str(tmp_path),
                         env={**os.environ, "STORAGE_RUNTIME_LOG": "loud"},
                         capture_output=True, text=True, timeout=60, check=False)
    assert cli.returncode == 2
    assert cli.stderr == ("error: STORAGE_RUNTIME_LOG='loud': expected one of debug, info, "
                          "warning, error, off, propagate\n")
