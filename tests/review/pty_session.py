"""Drive a command through a real pseudo-terminal (stdlib `pty`), for the interactive tests.

`Session(argv, cwd)` starts the command with stdin, stdout and stderr on the pty's
terminal side; `expect(text)` reads until `text` has appeared (bounded by a timeout) and
`send(keys)` types. Everything read is kept in `output` (ANSI escapes included).
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path


class Session:
    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        master, slave = pty.openpty()
        self.master = master
        self.proc = subprocess.Popen(
            argv, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env,
            start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self.output = b""
        self._seen = 0

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.output += data
        return bool(data)

    def expect(self, text: str, timeout: float = 20.0) -> str:
        """Wait until `text` appears after what an earlier expect matched; return the new part."""
        needle = text.encode()
        deadline = time.monotonic() + timeout
        while needle not in self.output[self._seen :]:
            if time.monotonic() > deadline or (not self._read(0.2) and self.proc.poll() is not None
                                               and not self._read(0.1)):
                raise AssertionError(f"{text!r} not seen; output so far:\n{self.output.decode(errors='replace')}")
        end = self.output.index(needle, self._seen) + len(needle)
        part = self.output[self._seen : end].decode(errors="replace")
        self._seen = end
        return part

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        while self._read(0.05):
            pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise AssertionError("the command did not end")
        os.close(self.master)
        return self.proc.returncode
