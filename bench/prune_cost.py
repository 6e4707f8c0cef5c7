"""Bytes LibCST must parse after the pruner's cut, on this Python's standard library (a corpus the
benchmark does not choose): candidate lines only vs `prune.marks` (candidates plus the lines receivers.py types attributes from), and the time each cut takes. Run: .venv/bin/python bench/prune_cost.py
import sys, sysconfig, time
from pathlib import Path
from migrate_storage.codemods.pipeline import prefilter, prune

root = Path(sysconfig.get_paths()["stdlib"])
old_total = new_total = full_total = files = 0
t_old = t_new = 0.0
for path in sorted(root.rglob("*.py")):
    if "site-packages" in path.parts:
        continue
    try:
        source = path.read_bytes()
        text = prefilter.decode(source)
        if not prefilter.may_contain_target(source, "storage_runtime"):
            continue
        scan = prefilter.scan(source, text, "storage_runtime")
    except Exception:
        continue
    if not scan.candidates or scan.tree is None:
        continue
    files += 1
    full_total += len(source)
    old_marks = [c.line for c in scan.candidates]
    a = time.perf_counter()
    cut = prune.cut_source(source, scan, old_marks)
    b = time.perf_counter()
    cut2 = prune.cut_source(source, scan, prune.marks(scan, None))
    c = time.perf_counter()
    t_old += b - a; t_new += c - b
    old_total += len(cut.source) if cut else len(source)
    new_total += len(cut2.source) if cut2 else len(source)
print(f"files with candidates: {files}; source bytes {full_total}")
print(f"bytes left for LibCST: main marks {old_total}, with class typing lines {new_total}, ratio {new_total/old_total:.3f}")
print(f"cut time: {t_old:.2f}s vs {t_new:.2f}s (ratio {t_new/t_old:.2f})")
