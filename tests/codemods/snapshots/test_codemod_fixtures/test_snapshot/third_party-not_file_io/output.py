"""Look-alikes that are not path I/O: no site at all."""
import io
import sqlite3
import sys
import tarfile

import numpy as np
import pandas as pd
from storage_runtime import open


class Report:
    def to_json(self, indent=None):
        return "{}"

    def save(self, path):
        return path


def not_files(df, model, path, raw: bytes, config) -> None:
    csv_text = df.to_csv()  # no path: returns a string
    df.to_csv(sys.stdout)
    df.to_csv(None)
    buffer = io.BytesIO()
    np.save(buffer, model)
    np.load(io.BytesIO(raw))
    with open(path, "wb", pin=True) as handle:  # this open is the site; np.save writes through it
        np.save(handle, model)
    tarfile.open(fileobj=io.BytesIO(raw))
    sqlite3.connect(":memory:")
    pd.read_csv("https://example.com/data.csv")
    Report().to_json(2)
    config.to_json(indent=2)
    model.save(path)  # `save` is far too common a method name to count
    print(csv_text)
