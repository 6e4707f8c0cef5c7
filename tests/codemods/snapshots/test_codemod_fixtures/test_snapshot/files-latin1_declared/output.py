# -*- coding: latin-1 -*-
"""Declared latin-1, and it is: café."""
from storage_runtime import open


def write(path):
    with open(path, "w", encoding="latin-1", pin=True) as f:
        f.write("café")
