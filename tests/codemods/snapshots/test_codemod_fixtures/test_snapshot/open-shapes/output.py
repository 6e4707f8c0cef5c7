"""Real-code shapes of builtin open: one-liners, returns, handles passed on, lambdas."""
import functools
import json
from storage_runtime import open


def first_line(path):
    return open(path).readline()


def slurp(name, folder):
    return open(f"{folder}/{name}.txt", encoding="utf-8").read()


def open_for_caller(path):
    return open(path, "wb", pin=True)


def process(handle):
    return handle.read()


def pass_on(path):
    return process(open(path, "rb"))


def print_to(path, message):
    print(message, file=open(path, "a", pin=True))


writer = lambda path: open(path, "w", pin=True)  # noqa: E731
reader = lambda path: open(path)  # noqa: E731


@functools.lru_cache(maxsize=None)
def cached_text(path):
    with open(path) as handle:
        return handle.read()


def copy(src, dst):
    with open(src, "rb") as fin, open(dst, "wb", pin=True) as fout:
        fout.write(fin.read())


def nested(src, dst):
    with open(src) as fin:
        with open(dst, "w", pin=True) as fout:
            fout.write(fin.read())


async def save_async(path, payload):
    with open(path, "w", pin=True) as handle:
        handle.write(json.dumps(payload))


class Journal:
    def __init__(self, path):
        self._file = open(path, "a", buffering=1, pin=True)

    def log(self, line):
        self._file.write(line)


def multiline(path, text):
    with open(
        path,
        "w",
        encoding="utf-8",
        pin=True,
    ) as handle:
        handle.write(text)


def multiline_no_trailing_comma(path, text):
    handle = open(path,
                  "w", pin=True)
    handle.write(text)
    handle.close()


def commented(path, text):
    handle = open(
        path,
        "a",  # append: keep history
        pin=True,
    )
    handle.write(text)
