"""Long functions without file I/O are stubbed for scope analysis: the names they use
still count (a `storage` parameter forces an alias, a module-level handle read in one
keeps its with-block)."""
import json
from pathlib import Path
from storage_runtime import open, storage as storage_runtime_storage

with open("settings.json") as settings_file:
    SETTINGS = json.load(settings_file)


def describe_settings():
    """Reads the module-level handle after the block: the block must stay."""
    lines = []
    for key, value in SETTINGS.items():
        lines.append(f"{key}={value}")
    lines.append(settings_file.name)
    lines.sort()
    return "\n".join(lines)


def configure(storage, bucket):
    """A parameter named `storage`: the runtime's storage gets another name."""
    options = {}
    options["bucket"] = bucket
    options["region"] = storage.region
    options["retries"] = 3
    options["timeout"] = 30
    return options


class Exporter:
    def __init__(self, root):
        self.root = Path(root)

    def summary(self, rows):
        total = 0
        for row in rows:
            total += row.size
            if total > 10:
                break
        return total

    def export(self, rows):
        storage_runtime_storage.write_text(Path(self.root).joinpath("rows.json"), json.dumps(rows), pin=True)
