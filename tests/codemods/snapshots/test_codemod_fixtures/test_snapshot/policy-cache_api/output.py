"""Under a `cache` rule: response caches are published unpinned (pin=False)."""
import json
from pathlib import Path
from storage_runtime import storage


def store_response(key, payload):
    storage.dump_json(payload, f"cache/{key}.json", pin=False)
    storage.write_text(Path("cache/last"), key, pin=False)
