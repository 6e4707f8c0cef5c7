"""Not UTF-8 and no declaration: café."""


def write(path):
    with open(path, "w") as f:
        f.write("x")
