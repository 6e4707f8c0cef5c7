"""pickle read-modify-write of one cache file, and friends."""
import pickle
import pickle as pkl
from pickle import HIGHEST_PROTOCOL
from storage_runtime import storage


def load_cache(path):
    return storage.load_pickle(path, "rb")


def save_cache(path, cache):
    storage.dump_pickle(cache, path, "wb", pin=True, protocol=HIGHEST_PROTOCOL)


def positional_protocol(path, cache):
    storage.dump_pickle(cache, path, "wb", pin=True, protocol=4)


def one_liner(path):
    return storage.load_pickle(path, "rb")


def text_mode(path, cache):
    storage.dump_pickle(cache, path, "w", pin=True)


def fix_imports(path, cache):
    storage.dump_pickle(cache, path, "wb", pin=True, fix_imports=False)
