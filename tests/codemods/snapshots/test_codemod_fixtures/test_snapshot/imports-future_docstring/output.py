#!/usr/bin/env python3
"""Module docstring first, then __future__: the runtime import goes after them."""
from __future__ import annotations

import json
from storage_runtime import open


def save(path, obj):
    with open(path, "w", pin=True) as handle:
        handle.write(json.dumps(obj))
