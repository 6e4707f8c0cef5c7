"""Hand integration: the runtime imported and instantiated, yet no call goes through it."""
import json

from storage_runtime import storage, Storage

STORE = Storage()


def save(path, obj):
    storage.dump_json(obj, path, "w", pin=True, call=json.dump)


def load(path):
    return STORE.load_json(path)
