"""builtins.open inside a function whose parameter is named `open`: renaming it to the
runtime's `open` would call the parameter instead (NAME_CLASH)."""
import builtins


def opener(path, open=None):
    if open is None:
        return builtins.open(path, "w")
    return open(path)
