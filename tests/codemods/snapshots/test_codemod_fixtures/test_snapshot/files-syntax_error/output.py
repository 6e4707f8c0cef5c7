"""A file that does not parse."""


def write(path):
    with open(path, "w") as f
        f.write("x")
