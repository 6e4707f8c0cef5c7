"""Third-party path I/O in ML code: counted; the one-shot writers whose path is a literal are published after (publish_after)."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from numpy import load as np_load
from PIL import Image
from storage_runtime import storage


def export(df: pd.DataFrame, out_dir, model, array, figure) -> None:
    df.to_csv(storage.held(out_dir / "metrics.csv"), index=False)
    storage.publish_held(pin=True)
    df.to_parquet(storage.held(f"{out_dir}/metrics.parquet"))
    storage.publish_held(pin=True)
    df.to_json("metrics.json", orient="records")
    storage.publish("metrics.json", pin=True)
    np.save(storage.held(out_dir / "weights.npy"), array)
    storage.publish_held(pin=True, suffix=".npy")
    np.savez_compressed(file=storage.held(out_dir / "bundle.npz"), a=array)
    storage.publish_held(pin=True, suffix=".npz")
    torch.save(model.state_dict(), storage.held(out_dir / "model.pt"))
    storage.publish_held(pin=True)
    figure.savefig(storage.held(out_dir / "loss.png"))
    storage.publish_held(pin=True)
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
