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


def atomic_write(path, obj):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "w") as handle:
        handle.write(repr(obj))
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def everything(path, array, model):
    codecs.open(path, "r", "utf-8").read()
    os.close(os.open(path, os.O_RDONLY))
    shutil.copy(path, path + ".bak")
    shutil.copy2(path, path + ".bak2")
    shutil.move(path + ".bak", path + ".old")
    copyfile(path, path + ".copy")
    shutil.copytree("a", "b")
    with tempfile.NamedTemporaryFile("w", delete=False) as tmp:
        tmp.write("x")
    tempfile.TemporaryDirectory()
    np.save(path + ".npy", array)
    np.load(path + ".npy")
    torch.save(model, path + ".pt")
    torch.load(path + ".pt")
    gzip.open(path + ".gz").read()
    bz2.open(path + ".bz2").read()
    lzma.open(path + ".xz").read()
    sqlite3.connect(path + ".db").close()


async def read_async(path):
    async with aiofiles.open(path) as handle:
        return await handle.read()
