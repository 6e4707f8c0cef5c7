"""Descriptors this module did not open (a pipe's, the caller's, a child's inherited one):
`os.fdopen` of them and the pickles read through them are local (descriptor opened
elsewhere); a descriptor it opened itself is counted."""
import os
import pickle


def send(payload: bytes) -> int:
    child_r, parent_w = os.pipe()
    with os.fdopen(parent_w, "wb") as pipe:
        pipe.write(payload)
    return child_r


def receive(fd: int):
    with os.fdopen(fd, "rb") as from_parent:
        return pickle.load(from_parent)


def log_to(path: str, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(fd, "a") as log:
        log.write(line)
