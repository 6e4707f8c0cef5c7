from storage_runtime import open

def save(path, text):
    with open(path, "w", pin=True) as handle:
        handle.write(text)
