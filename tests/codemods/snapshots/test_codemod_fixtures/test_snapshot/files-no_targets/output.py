"""Nothing that looks like file I/O: never parsed by LibCST."""


def add(a, b):
    return a + b
