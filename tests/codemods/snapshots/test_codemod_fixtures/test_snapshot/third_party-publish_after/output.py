"""One-shot third-party writers with a provable path: the call stays, storage.publish follows."""
import numpy as np
import pandas as pd
import torch
from storage_runtime import storage

OUT = "frames.parquet"
pd.DataFrame().to_parquet(OUT)
storage.publish(OUT, pin=True)


class Exporter:
    target = "table.csv"
    frame.to_csv(target)
    storage.publish(target, pin=True)

    def save(self, df, path, arrays, ok):
        df.to_csv(path, index=False)  # kept: the comment stays on the writer's line
        storage.publish(path, pin=True)
        if ok:
            np.savez(path, **arrays)
            storage.publish(path, pin=True, suffix=".npz")
        else:
            written = np.savetxt("raw.txt", arrays["x"])
            storage.publish("raw.txt", pin=True)

        try:
            torch.save(self.model, path)
            storage.publish(path, pin=True)
        except OSError:
            pass
        np.save("weights.npy", arrays["w"])  # already ends with the suffix
        storage.publish("weights.npy", pin=True)

        df.to_pickle(path)
        storage.publish(path, pin=True)  # already published: migrated, left as is

    def left(self, df, path, ok):
        if ok: storage.publishing(df.to_csv, path=0, pin=True)(path)
        df.to_csv(storage.held(self.path))
        storage.publish_held(pin=True)
        path = storage.publishing(df.to_csv, path=0, pin=True)(path)
        x = 1; storage.publishing(df.to_csv, path=0, pin=True)(path)
        (df.to_csv(storage.held(path)))
        storage.publish_held(pin=True)
        np.save(storage.held(path), (path := "other"))
        storage.publish_held(pin=True, suffix=".npy")
        return storage.publishing(df.to_csv, path=0, pin=True)(path)

