"""The cost of proving which binding of a rebound temp name holds at each read.

A test function that binds `fd, tmp = mkstemp()` again for each of its N cases (sktime's
tsfile tests) has N sites, about 2N reads of `tmp` and N bindings of it. Each site asks
`Flow.dominated_reads`, which asks `holding_binding` for every read of the name, which
walks every binding (`dominance._positions`). Unmemoised that was cubic or worse in N per
file (N=100: over two minutes for one file, found by review15); the Flow now keeps each
read's answer and each node's positions (`dominance.Positions`). Counted here by the
walks made, so the test is fast and does not depend on the machine's speed.
"""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.analysis import dominance


def _cases(n: int) -> str:
    lines = ["import os", "import tempfile", "", "", "def test_cases():"]
    for i in range(n):
        lines += [
            "    fd, tmp = tempfile.mkstemp()",
            "    os.close(fd)",
            "    with open(tmp, 'w') as f:",
            f"        f.write('{i}')",
            "    os.remove(tmp)",
        ]
    return "\n".join(lines) + "\n"


def _walks(monkeypatch: pytest.MonkeyPatch, n: int) -> int:
    calls = 0
    real = dominance._positions

    def counted(*args):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return real(*args)

    monkeypatch.setattr(dominance, "_positions", counted)
    run_code(_cases(n))
    monkeypatch.setattr(dominance, "_positions", real)
    return calls


def test_rebound_temp_names_cost_at_most_quadratic(monkeypatch: pytest.MonkeyPatch) -> None:
    small = _walks(monkeypatch, 8)
    large = _walks(monkeypatch, 16)
    # twice the cases: about twice the walks (each node's positions found once)
    assert 0 < small and large <= 3 * small, (small, large)
