"""pickle read-modify-write of one cache file, and friends."""
import pickle
import pickle as pkl
from pickle import HIGHEST_PROTOCOL
from storage_runtime import open, storage


def load_cache(path):
    return storage.load_pickle(path)


def save_cache(path, cache):
    storage.dump_pickle(cache, path, pin=True, protocol=HIGHEST_PROTOCOL)


def positional_protocol(path, cache):
    storage.dump_pickle(cache, path, pin=True, protocol=4)


def one_liner(path):
    return storage.load_pickle(path)


def text_mode(path, cache):
    with open(path, "w", pin=True) as f:
        pickle.dump(cache, f)


def fix_imports(path, cache):
    with open(path, "wb", pin=True) as f:
        pickle.dump(cache, f, fix_imports=False)
