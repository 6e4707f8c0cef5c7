"""File functions and classes handed on, stored or made defaults instead of called: each
reference is a site of its function's family, left as written (the I/O is done by
whatever calls it later). Calls of the same functions are rewritten as usual."""

import atexit
import functools
import gzip
import lzma
import os
import shutil
import tempfile
from os import replace as concurrency_safe_rename
from typing import Optional
from storage_runtime import open as _storage_open, storage

COMPRESSORS = {"xz": lzma.LZMAFile, "gz": gzip.open}


class Store:
    _open_item = staticmethod(open)
    _move_item = staticmethod(concurrency_safe_rename)

    def __init__(self, location):
        self.location = location
        with _storage_open(os.path.join(location, ".gitignore"), "w", pin=True) as f:
            f.write("*\n")


def _run_safely(fn, *args):
    for _ in range(3):
        try:
            return fn(*args)
        except PermissionError:
            pass
    return None


def commit(tmp, dst):
    _run_safely(os.replace, tmp, dst)
    storage.replace(tmp + ".bak", dst + ".bak", pin=True, call=os.replace)


def clean(paths):
    list(map(os.remove, paths))


def copier(src):
    return functools.partial(shutil.copy, src)


def read(path, opener=open):
    with opener(path) as f:
        return f.read()


def scratch_folder():
    work = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, work)
    return work


# Not sites: never called through these.
def mirror(src, dst, handle: Optional[gzip.GzipFile] = None):
    storage.copytree(src, dst, copy_function=shutil.copy2, pin=True, call=shutil.copytree)
    if isinstance(handle, gzip.GzipFile) or _run_safely is os.remove:
        return open.__name__
    return None
