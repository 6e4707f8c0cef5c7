"""`from os import *` binds os.open: a bare `open` here cannot be known to be builtin."""
from os import *


def read(path):
    return open(path, O_RDONLY)
