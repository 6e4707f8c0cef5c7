"""Third-party path I/O in ML code: counted; the one-shot writers whose path is a literal are published after (publish_after)."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from numpy import load as np_load
from PIL import Image
from storage_runtime import storage


def export(df: pd.DataFrame, out_dir, model, array, figure) -> None:
    storage.publishing(df.to_csv, path=0, pin=True)(out_dir / "metrics.csv", index=False)
    storage.publishing(df.to_parquet, path=0, pin=True)(f"{out_dir}/metrics.parquet")
    df.to_json("metrics.json", orient="records")
    storage.publish("metrics.json", pin=True)
    storage.publishing(np.save, path=0, pin=True, suffix=".npy")(out_dir / "weights.npy", array)
    storage.publishing(np.savez_compressed, path='file', pin=True, suffix=".npz")(file=out_dir / "bundle.npz", a=array)
    storage.publishing(torch.save, path=1, pin=True)(model.state_dict(), out_dir / "model.pt")
    figure.savefig(out_dir / "loss.png")
    plt.savefig("summary.png", dpi=150)
    storage.publish("summary.png", pin=True)


def ingest(path, checkpoint):
    frame = pd.read_csv(storage.restored(path), sep="\t")
    table = pd.read_parquet(path)
    weights = np_load(storage.restored(path), allow_pickle=False)
    state = torch.load(storage.restored(checkpoint), map_location="cpu")
    with Image.open(storage.restored(path)) as image:
        size = image.size
    return frame, table, weights, state, size
