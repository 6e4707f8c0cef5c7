"""pickle read-modify-write of one cache file, and friends."""
import pickle
import pickle as pkl
from pickle import HIGHEST_PROTOCOL
from storage_runtime import open, storage


def load_cache(path):
    return storage.load_pickle(path, "rb", call=pickle.load)


def save_cache(path, cache):
    storage.dump_pickle(cache, path, "wb", pin=True, protocol=HIGHEST_PROTOCOL, call=pickle.dump)


def positional_protocol(path, cache):
    storage.dump_pickle(cache, path, "wb", 4, pin=True, call=pkl.dump)


def one_liner(path):
    """Not collapsed: the open is migrated, the call stays on its (leaked) handle."""
    return pickle.load(open(path, "rb"))


def text_mode(path, cache):
    storage.dump_pickle(cache, path, "w", pin=True, call=pickle.dump)


def fix_imports(path, cache):
    storage.dump_pickle(cache, path, "wb", pin=True, fix_imports=False, call=pickle.dump)
