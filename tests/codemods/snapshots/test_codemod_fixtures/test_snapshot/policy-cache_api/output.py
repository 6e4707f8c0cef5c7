"""Under a `cache` rule: response caches are published unpinned (pin=False)."""
import json
from pathlib import Path
from storage_runtime import open, storage


def store_response(key, payload):
    with open(f"cache/{key}.json", "w", pin=False) as handle:
        json.dump(payload, handle)
    storage.write_text(Path("cache/last"), key, pin=False)
