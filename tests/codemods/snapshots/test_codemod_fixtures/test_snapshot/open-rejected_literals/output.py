"""Literal paths the OS rejects on its own terms keep the original's error: a call that
would be renamed stays as written, and no with-block or one-liner is collapsed."""
import io
import json
from storage_runtime import open

io.open("out/", "w")
io.open("a\0b")
io.open("")
with open("report.json/", "w", pin=True) as f:
    json.dump([1], f)
json.dump([2], open("exists.json/", "w", pin=True))
json.dump([3], open("fine.json", "w", pin=True))
