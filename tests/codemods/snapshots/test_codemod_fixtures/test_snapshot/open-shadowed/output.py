"""Names spelled `open` that are not builtin open: none of these may change."""
import os
import tarfile
import webbrowser

from PIL import Image
from storage_runtime import storage


def with_parameter(open, path):
    return open(path)


def with_local(path):
    open = make_opener()
    return open(path)


def with_inner_def(path):
    def open(p):
        return p

    return open(path)


class Door:
    def open(self):
        return "opened"

    def use(self):
        return self.open()

    opened = open(None)


def look_alikes(path, url, fd):
    Image.open(storage.restored(path)).save(path + ".png")
    webbrowser.open(url)
    tarfile.open(storage.restored(path)).extractall()
    os.open(storage.restored(path), os.O_RDONLY | os.O_NOFOLLOW)


def unknown_objects(thing, archive):
    thing.open()
    return archive.member.open("rb")


def make_opener():
    return print
