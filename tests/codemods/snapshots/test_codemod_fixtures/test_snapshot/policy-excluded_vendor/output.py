"""An excluded file: its sites are reported, never rewritten."""


def vendored(path):
    return open(path, "w")
