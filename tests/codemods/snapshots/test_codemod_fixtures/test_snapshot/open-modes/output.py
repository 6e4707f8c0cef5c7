"""Builtin open with every kind of mode: literal, variable, conditional, defaulted."""
import os
from storage_runtime import open

LOG = os.path.join(os.path.dirname(__file__), "events.log")


def read_config(path):
    with open(path) as handle:
        return handle.read()


def read_binary(path):
    with open(path, "rb") as handle:
        return handle.read()


def write_report(path, text):
    with open(path, "w", encoding="utf-8", pin=True) as handle:
        handle.write(text)


def append_event(line):
    # 66 of these in the real codebase: append-mode logs with an encoding
    with open(LOG, "a", encoding="utf-8", errors="replace", newline="\n", pin=True) as log:
        log.write(line + "\n")


def update_in_place(path):
    with open(path, "r+", pin=True) as handle:
        handle.seek(0)
        handle.truncate()


def create_exclusive(path):
    with open(path, mode="x", pin=True) as handle:
        handle.write("lock")


def write_bytes_plus(path, data):
    with open(path, "w+b", pin=True) as handle:
        handle.write(data)


def open_with_mode(path, mode):
    return open(path, mode, pin=True)


def open_conditionally(path, append):
    return open(path, "a" if append else "w", pin=True)


def open_mode_keyword_variable(path, binary):
    mode = "rb" if binary else "r"
    return open(path, mode=mode, buffering=1, pin=True)


def open_args(*args, **kwargs):
    return open(*args, **kwargs, pin=True)


def open_read_kwargs(path, **kwargs):
    return open(path, "r", **kwargs)
