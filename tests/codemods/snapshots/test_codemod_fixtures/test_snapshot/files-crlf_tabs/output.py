"""A file with CRLF line endings and tab indentation."""
import json
from pathlib import Path
from storage_runtime import open, storage


def save(obj, path):
	storage.dump_json(obj, path, "w", pin=True, call=json.dump)


def load(path):
	if storage.path_exists(Path(path)):
		return storage.read_text(Path(path))
	return open(path,
			"a", pin=True)
