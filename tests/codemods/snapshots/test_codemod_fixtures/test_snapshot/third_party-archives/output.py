"""Archives, compressed files, databases, shelves: the mode decides writer or reader."""
import bz2
import codecs
import dbm
import fileinput
import gzip
import io
import lzma
import shelve
import sqlite3
import tarfile
import zipfile

import h5py
from storage_runtime import storage


def pack(root, dest):
    with tarfile.open(dest, "w:gz") as tar:
        tar.add(root)
    storage.publish(dest, pin=True)
    with zipfile.ZipFile(dest + ".zip", mode="w") as archive:
        archive.write(root)
    with tarfile.open(storage.restored(dest)) as tar:
        tar.getmembers()
    with zipfile.ZipFile(storage.restored(dest + ".zip")) as archive:
        archive.namelist()


def compressed(path, mode):
    gzip.open(path, "wt").write("x")
    bz2.open(storage.restored(path)).read()
    lzma.open(path, mode)
    storage.codecs_open(path, encoding="utf-8", call=codecs.open).read()
    io.FileIO(path, "w").close()


def stores(path):
    with shelve.open(path) as db:
        db["k"] = 1
    with shelve.open(path, flag="r") as db:
        db.get("k")
    dbm.open(path).close()
    sqlite3.connect(path).close()
    with h5py.File(storage.restored(path), "r") as f:
        f.keys()
    with h5py.File(storage.restored(path), "a") as f:
        f.create_dataset("x", data=[1])
    storage.publish(path, pin=True)
    for line in fileinput.input(files=[path], inplace=True):
        print(line, end="")
    for line in fileinput.input([path]):
        print(line, end="")
