"""json calls that must keep their handle: the open is migrated, the call stays."""
import io
import json
import os
import sys
from storage_runtime import open, storage


def used_after(obj, path):
    with open(path, "w", pin=True) as f:
        json.dump(obj, f)
    print(f.name)


def does_more(obj, path):
    with open(path, "w", pin=True) as f:
        json.dump(obj, f)
        f.write("\n")


def append_mode(obj, path):
    storage.dump_json(obj, path, "a", pin=True, call=json.dump)


def exclusive(obj, path):
    storage.dump_json(obj, path, "x", pin=True, call=json.dump)


def mode_variable(obj, path, mode):
    with open(path, mode, pin=True) as f:
        json.dump(obj, f)


def several_items(src, dst):
    with open(src) as fin, open(dst, "w", pin=True) as fout:
        json.dump(json.load(fin), fout)


def newline_kw(obj, path):
    storage.dump_json(obj, path, "w", pin=True, newline="", call=json.dump)


def comment_inside(obj, path):
    with open(path, "w", pin=True) as f:
        # pretty for humans
        json.dump(obj, f, indent=2)


def handle_variable(obj, path):
    f = open(path, "w", pin=True)
    json.dump(obj, f)
    f.close()


def passed_in(obj, handle):
    json.dump(obj, handle)


def not_files(obj):
    json.dump(obj, sys.stdout)
    buffer = io.StringIO()
    json.dump(obj, buffer)
    return json.load(io.StringIO("{}"))


def async_with_like(obj, path):
    def inner():
        with open(path, "w", pin=True) as f:
            json.dump(obj, f)
        return f

    return inner


def dynamic(args):
    json.dump(*args)


def rebuild(path):
    # The open truncates before the object is built: collapsing would change that.
    with open(path, "w", pin=True) as f:
        json.dump({**json.load(open(path)), "lang": "en"}, f)


def computed_path(obj, name):
    with open(make_path(name), "w", pin=True) as f:
        json.dump(obj, f)


def hook_after_open(obj, path):
    json.dump(obj, open(path, "w", pin=True), default=make_hook())


def make_path(name):
    return name + ".json"


def make_hook():
    return str


def fdopen_handle(path, obj):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f)
