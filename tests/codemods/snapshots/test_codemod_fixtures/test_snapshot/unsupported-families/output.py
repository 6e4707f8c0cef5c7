"""File I/O the codemods do not rewrite yet: found, reported by name, left alone."""
import bz2
import codecs
import gzip
import lzma
import os
import shutil
import sqlite3
import tempfile
from shutil import copyfile

import aiofiles
import numpy as np
import torch
from storage_runtime import storage


def atomic_write(path, obj):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "w") as handle:
        handle.write(repr(obj))
        os.fsync(handle.fileno())
    storage.replace(tmp, path, pin=True, call=os.replace)


def everything(path, array, model):
    storage.codecs_open(path, "r", "utf-8", call=codecs.open).read()
    os.close(os.open(storage.restored(path), os.O_RDONLY))
    storage.copy(path, path + ".bak", pin=True, call=shutil.copy)
    storage.copy2(path, path + ".bak2", pin=True, call=shutil.copy2)
    storage.move(path + ".bak", path + ".old", pin=True, call=shutil.move)
    storage.copyfile(path, path + ".copy", pin=True, call=copyfile)
    storage.copytree("a", "b", pin=True, call=shutil.copytree)
    with tempfile.NamedTemporaryFile("w", delete=False) as tmp:
        tmp.write("x")
    storage.publish(tmp.name, pin=True)
    tempfile.TemporaryDirectory()
    np.save(storage.held(path + ".npy"), array)
    storage.publish_held(pin=True, suffix=".npy")
    np.load(storage.restored(path + ".npy"))
    torch.save(model, storage.held(path + ".pt"))
    storage.publish_held(pin=True)
    torch.load(storage.restored(path + ".pt"))
    gzip.open(storage.restored(path + ".gz")).read()
    bz2.open(storage.restored(path + ".bz2")).read()
    lzma.open(storage.restored(path + ".xz")).read()
    sqlite3.connect(path + ".db").close()


async def read_async(path):
    async with aiofiles.open(storage.restored(path)) as handle:
        return await handle.read()
