"""What the pruner leaves for LibCST, on this Python's standard library (a corpus the
benchmark does not choose): bytes left after the cut with the candidate lines only vs with
`prune.marks` (candidates plus the lines receivers.py types attributes from), and the time
each cut takes, as ratios measured in the same run.

    .venv/bin/python bench/prune_cost.py
"""

from __future__ import annotations

import sysconfig
import time
from pathlib import Path

from migrate_storage.codemods.pipeline import prefilter, prune


def main() -> None:
    root = Path(sysconfig.get_paths()["stdlib"])
    base_bytes = marked_bytes = source_bytes = files = 0
    base_time = marked_time = 0.0
    for path in sorted(root.rglob("*.py")):
        if "site-packages" in path.parts:
            continue
        try:
            source = path.read_bytes()
            text = prefilter.decode(source)
            if not prefilter.may_contain_target(source, "storage_runtime"):
                continue
            scan = prefilter.scan(source, text, "storage_runtime")
        except prefilter.SourceError:
            continue
        if not scan.candidates or scan.tree is None:
            continue
        files += 1
        source_bytes += len(source)
        start = time.perf_counter()
        base = prune.cut_source(source, scan, [c.line for c in scan.candidates])
        middle = time.perf_counter()
        marked = prune.cut_source(source, scan, prune.marks(scan, None))
        end = time.perf_counter()
        base_time += middle - start
        marked_time += end - middle
        base_bytes += len(base.source) if base else len(source)
        marked_bytes += len(marked.source) if marked else len(source)
    print(f"files with candidates: {files}; their source: {source_bytes} bytes")
    print(
        f"left for LibCST: candidate lines {base_bytes}, prune.marks {marked_bytes}"
        f" (ratio {marked_bytes / base_bytes:.3f})"
    )
    print(
        f"cut time: {base_time:.2f}s vs {marked_time:.2f}s (ratio {marked_time / base_time:.2f})"
    )


if __name__ == "__main__":
    main()
