# -*- coding: utf-8 -*-
"""A file with a UTF-8 BOM and an encoding declaration: café."""
from storage_runtime import open


def write(path, text):
    with open(path, "w", encoding="utf-8", pin=True) as f:  # été
        f.write(text)
