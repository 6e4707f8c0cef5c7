"""Third-party path I/O: counted from the one table (families/third_party.py), by
qualified name, writer or reader by mode; look-alikes are not sites."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.families import third_party
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status

W = Reason.THIRD_PARTY_WRITER
R = Reason.THIRD_PARTY_READER
P = "pending"  # a one-shot writer with a provable path: published after (publish_after.py);
# a reader of one file: its path restored first (restore_before.py)


def counted(code: str) -> list[tuple[str, Reason | str | None]]:
    result = run_code(code)
    assert result.status is not FileStatus.FAILED, result.message
    out: list[tuple[str, Reason | str | None]] = []
    for site in result.sites:
        if site.family is Family.THIRD_PARTY:
            if site.status is Status.PENDING:
                out.append((site.name, P))
                continue
            assert site.status is Status.UNMIGRATED and site.reason in (W, R), site
            out.append((site.name, site.reason))
    return out


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import numpy as np\nnp.save('a.npy', x)\nnp.load('a.npy')\n", [("numpy.save", P), ("numpy.load", P)]),
        ("from numpy import savetxt as st\nst(p, x)\n", [("numpy.savetxt", P)]),
        ("import torch\ntorch.save(m.state_dict(), p)\ntorch.load(p, map_location='cpu')\n",
         [("torch.save", P), ("torch.load", P)]),
        ("import pandas as pd\npd.read_csv(p, sep='\\t')\npd.read_parquet(path=p)\n",
         [("pandas.read_csv", P), ("pandas.read_parquet", R)]),
        ("from PIL import Image\nImage.open(p)\n", [("PIL.Image.open", P)]),
        # Model weights, pickles, images, Parquet and MATLAB files (the ML rows).
        ("from safetensors.torch import save_file as safe_save, load_file\n"
         "safe_save(state, p, metadata={'format': 'pt'})\nload_file(p, device='cpu')\n",
         [("safetensors.torch.save_file", P), ("safetensors.torch.load_file", P)]),
        ("import safetensors.numpy\nfrom safetensors import safe_open\n"
         "safetensors.numpy.save_file(arrays, filename=p)\n"
         "with safe_open(p, framework='pt') as f:\n    f.keys()\n",
         [("safetensors.numpy.save_file", P), ("safetensors.safe_open", P)]),
        ("import joblib\njoblib.dump(model, p, compress=3)\njoblib.load(p)\n",
         [("joblib.dump", P), ("joblib.load", P)]),
        ("import torch\ntorch.jit.save(scripted, p)\ntorch.jit.load(p, map_location='cpu')\n",
         [("torch.jit.save", P), ("torch.jit.load", P)]),
        ("import cv2\nimport imageio.v3 as iio\ncv2.imwrite(p, img)\ncv2.imread(p)\n"
         "iio.imwrite(q, frames)\niio.imread(q)\n",
         [("cv2.imwrite", P), ("cv2.imread", P), ("imageio.v3.imwrite", P), ("imageio.v3.imread", P)]),
        ("import pyarrow.parquet as pq\npq.write_table(table, p)\npq.read_table(p)\n",
         [("pyarrow.parquet.write_table", P), ("pyarrow.parquet.read_table", R)]),
        ("from scipy import io as sio\nsio.savemat(p, {'a': a})\nsio.loadmat(p)\n",
         [("scipy.io.savemat", W), ("scipy.io.loadmat", R)]),
        ("model.save_pretrained(out_dir)\ntokenizer.save_pretrained(save_directory=out_dir)\n"
         "model.save_pretrained()\nds.save_to_disk(path)\nds.save_to_disk(dataset_dict_path=path)\n",
         [("*.save_pretrained", P), ("*.save_pretrained", P), ("*.save_to_disk", P),
          ("*.save_to_disk", P)]),
        ("import PIL.Image\nPIL.Image.open(p)\n", [("PIL.Image.open", P)]),
        # a tree extracted into a folder given: published after, as save_pretrained's;
        # into the working folder ("."): counted, as written; no folder: no site
        ("tar.extractall(dest, filter='data')\nzf.extractall(path=out)\nzf.extractall('.')\n"
         "zf.extractall()\n",
         [("*.extractall", P), ("*.extractall", P), ("*.extractall", W)]),
        # File-backed stores (sacred's TinyDbObserver): counted, never rewritten.
        (("from tinydb import TinyDB\nfrom hashfs import HashFS\n"
          "db = TinyDB(os.path.join(root, 'metadata.json'), storage=middleware)\n"
          "TinyDB(p, access_mode='r')\nTinyDB(storage=MemoryStorage)\n"
          "fs = HashFS(root / 'hashfs', depth=3)\n"),
         [("tinydb.TinyDB", W), ("tinydb.TinyDB", R), ("hashfs.HashFS", W)]),
        ("import tinydb.database\ntinydb.database.TinyDB(p, 'x', None, 'r+')\n",
         [("tinydb.database.TinyDB", W)]),
        ("import tarfile\ntarfile.open(p)\ntarfile.open(p, 'w:gz')\ntarfile.open(p, mode)\n",
         [("tarfile.open", P), ("tarfile.open", W), ("tarfile.open", W)]),
        # The classmethod that tarfile.open is (pooch's Untar: `TarFile.open(fname, "r")`).
        (("from tarfile import TarFile\nTarFile.open(p)\nTarFile.open(p, 'w:gz')\n"
          "TarFile.open(fileobj=f)\nimport tarfile as tf\ntf.TarFile.open(name=p, mode=m)\n"),
         [("tarfile.TarFile.open", P), ("tarfile.TarFile.open", W), ("tarfile.TarFile.open", W)]),
        ("import zipfile\nzipfile.ZipFile(p, 'a')\n", [("zipfile.ZipFile", W)]),
        ("import shelve\nshelve.open(p)\nshelve.open(p, 'r')\n", [("shelve.open", W), ("shelve.open", R)]),
        ("import fileinput\nfileinput.input(files=[p], inplace=True)\nfileinput.input([p])\n",
         [("fileinput.input", W), ("fileinput.input", R)]),
        ("import sqlite3\nsqlite3.connect(db)\n", [("sqlite3.connect", W)]),
        ("import gzip, bz2, lzma\ngzip.open(p, 'wt')\nbz2.open(p)\nlzma.open(p, 'ab')\n",
         [("gzip.open", W), ("bz2.open", P), ("lzma.open", W)]),
        ("import io\nio.FileIO(p)\nio.FileIO(p, 'wb')\n", [("io.FileIO", P), ("io.FileIO", W)]),
        # A descriptor names no path: the file was opened where it was made (`os.open`,
        # its own site), and the handle's `name` is an int. A parameter may be either.
        (("import io, os\nio.FileIO(f.fileno(), 'wb')\nio.FileIO(os.dup(1), 'w')\n"
          "fd = os.open(p, os.O_WRONLY)\nio.FileIO(fd, 'wb')\n"),
         []),
        # Given a file object, gzip and tarfile open nothing: the name is only a header.
        ("import gzip\nwith open(p, 'wb') as f:\n    gzip.GzipFile(fileobj=f, filename=p, mode='wb')\n"
         "gzip.GzipFile(p, 'wb', 9, f)\ngzip.GzipFile(p, 'wb', fileobj=None)\n",
         [("gzip.GzipFile", W)]),
        ("import tarfile\ntarfile.open(name, 'w', fileobj=buffer)\ntarfile.TarFile(p, 'w', handle)\n"
         "tarfile.open(p, 'w', *rest)\n",
         [("tarfile.open", W)]),
        ("import h5py\nh5py.File(p)\nh5py.File(p, 'w')\n", [("h5py.File", P), ("h5py.File", W)]),
        ("import aiofiles\nasync def f():\n    async with aiofiles.open(p, 'w') as h:\n        pass\n",
         [("aiofiles.open", P)]),  # published after the `async with`
        ("import aiofiles\nasync def f(mode):\n    return await aiofiles.open(p, mode)\n",
         [("aiofiles.open", W)]),
        ("import matplotlib.pyplot as plt\nplt.savefig('a.png')\n", [("matplotlib.pyplot.savefig", P)]),
        ("import matplotlib.pyplot as plt\nplt.savefig(p)\n", [("matplotlib.pyplot.savefig", W)]),
        ("import numpy as np\nnp.save(out / 'a.npy', x)\n", [("numpy.save", P)]),  # called through
    ],
)
def test_module_functions_by_qualified_name(code: str, expected: list) -> None:
    assert counted(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("df.to_csv(out / 'a.csv', index=False)\n", [("*.to_csv", P)]),  # called through
        ("df.to_parquet(path=p)\n", [("*.to_parquet", P)]),
        ("self.frame.to_pickle(p)\n", [("*.to_pickle", P)]),
        ("self.frame.to_pickle(self.p)\n", [("*.to_pickle", P)]),
        ("self.frame.to_pickle(*self.paths)\n", [("*.to_pickle", W)]),  # its place unknown
        ("array.tofile(p)\n", [("*.tofile", P)]),
        ("fig.savefig(p, dpi=100)\n", [("*.savefig", W)]),
        # to_json is shared with many classes: only a provable path counts.
        ("df.to_json('out.json')\n", [("*.to_json", P)]),
        ("df.to_json(f'{d}/out.json')\n", [("*.to_json", P)]),
        ("import pathlib\ndf.to_json(pathlib.Path(d) / 'x.json')\n", [("*.to_json", P)]),
        ("df.to_json(p)\n", []),
        ("model.to_json(indent=2)\n", []),
        ("df.to_csv()\n", []),  # returns a string
        # pandas' string accessor: a pattern, not a folder
        ("s.str.extractall('(.*)b(.*)')\ns.text.extractall(d)\n", [("*.extractall", P)]),
        ("df.to_csv(None)\n", []),
        ("import sys\ndf.to_csv(sys.stdout)\n", []),
        ("img.save(p)\n", []),  # too common a name
    ],
)
def test_distinctive_methods_on_unknown_receivers(code: str, expected: list) -> None:
    assert counted(code) == expected


def test_a_method_called_on_its_class_with_the_instance_is_not_counted() -> None:
    # `Base.save_pretrained(self, *args)`: arg 0 is the instance, the folder is hidden
    # in `*args`; a publish of `self` would publish nothing and count as migrated
    code = """
        class Model(Base):
            def save_pretrained(self, *args, **kwargs):
                Base.save_pretrained(self, *args, **kwargs)

            def export(self, folder):
                self.inner.save_pretrained(folder)
    """
    assert [(s.line, s.name) for s in run_code(code).sites] == [(7, "*.save_pretrained")]


def test_handles_buffers_urls_and_memory_databases_are_not_path_io() -> None:
    code = """
        import io, sqlite3, tarfile
        import numpy as np
        import pandas as pd

        def f(path, raw, model):
            buffer = io.BytesIO()
            np.save(buffer, model)
            np.load(io.BytesIO(raw))
            with open(path, "wb") as handle:
                np.save(handle, model)
            tarfile.open(fileobj=io.BytesIO(raw))
            sqlite3.connect(":memory:")
            pd.read_csv("https://example.com/x.csv")
            Image.open(urllib.request.urlopen(raw))

        def shard(frame):
            tmp_file = tempfile.NamedTemporaryFile(suffix=".parquet", delete=False)
            frame.to_parquet(tmp_file)
            tmp_file.close()
            return tmp_file.name
    """
    code = code.replace("import io,", "import io, tempfile, urllib.request,")
    code = code.replace("import pandas as pd\n", "import pandas as pd\n        from PIL import Image\n")
    result = run_code(code)
    # The open, and the temporary file, that make the handles are the sites; the kept
    # temporary file, written and then closed on a line of its own, is published after
    # that line (families/_after_finally.py).
    assert counted(code) == [("tempfile.NamedTemporaryFile", P)]
    assert [(s.family, s.status) for s in result.sites] == [
        (Family.OPEN, Status.PENDING), (Family.THIRD_PARTY, Status.PENDING)
    ]


def test_handles_of_a_name_bound_again_and_of_handle_writers_are_not_paths() -> None:
    """zenml 0.98.0's pandas materializer: `with store.open(a, "rb") as f` then `with
    store.open(b, "wb") as f` in one method; `f` is bound twice, and at each read the
    `with` that holds it is known (analysis/dominance.py): a handle, whose `.open` is the
    site. dask's tests: `df.to_hdf(hdf, key)` into `with pd.HDFStore(fn, "w") as hdf`,
    a handle writer's object (the HDFStore is the site, published after its `with`).
    A name bound again to paths stays a path (published after each writer)."""
    code = """
        import pandas as pd

        class M:
            def save(self, df):
                with self.store.open(self.parquet_path, mode="rb") as f:
                    old = pd.read_parquet(f)
                with self.store.open(self.csv_path, mode="wb") as f:
                    df.to_csv(f, index=True)
                return old

        def save_hdf(df, fn):
            with pd.HDFStore(fn, mode="w") as hdf:
                df.to_hdf(hdf, key="x")

        def paths(df, out, other, flag):
            path = out
            df.to_csv(path)
            path = other
            df.to_csv(path)
            if flag:
                path = open(out)
            df.to_parquet(path)
    """
    assert counted(code) == [
        ("pandas.HDFStore", P), ("*.to_csv", P), ("*.to_csv", P), ("*.to_parquet", P)
    ]


def test_the_class_s_own_method_with_a_table_name_is_not_a_site() -> None:
    """dvc 3.67.1 `Serializer.export`: `self.to_csv(file)` calls the class's own
    `to_csv`, whose body holds the I/O (counted there); `frame.to_csv(file)` on another
    parameter is pandas' as anywhere else."""
    code = """
        import pandas as pd

        class Serializer:
            def to_csv(self, file):
                pd.read_sql(q, con).to_csv(file)

            def export(self, file, frame):
                self.to_csv(file)
                frame.to_csv(file)

        class Other:
            def export(self, file):
                self.to_csv(file)
    """
    assert counted(code) == [("*.to_csv", P)] * 3
    lines = [s.line for s in run_code(code).sites]
    assert lines == [6, 10, 14], lines


def test_local_functions_with_table_names_are_not_sites() -> None:
    """Resolution is by scope, never by spelling."""
    code = """
        import numpy

        def save(path, array):
            return path

        def load(path):
            return path

        save("a.npy", 1)
        load("a.npy")

        def f(numpy):
            numpy.save("a.npy", 1)  # a parameter named numpy
    """
    assert counted(code) == []


def test_star_arguments_count_conservatively() -> None:
    code = "import numpy as np\nnp.save(*args)\nimport tarfile\ntarfile.open(p, **kw)\n"
    assert counted(code) == [("numpy.save", W), ("tarfile.open", W)]


def test_table_is_the_prefilters_source() -> None:
    """Every table module and method reaches the prefilter: a module importing only it is
    scanned (no regex of names kept by hand elsewhere)."""
    from migrate_storage.codemods.pipeline import prefilter

    for root in third_party.MODULE_ROOTS - {"io"}:
        assert prefilter.may_contain_target(f"import {root}\n".encode(), "storage_runtime"), root
    assert prefilter.may_contain_target(b"from io import FileIO\n", "storage_runtime")
    for method in third_party.METHODS:
        assert prefilter.may_contain_target(f"x.{method}(p)\n".encode(), "storage_runtime"), method
    # The byte prefilter still rejects ordinary code (`io` is not a word it looks for).
    assert not prefilter.may_contain_target(b"def function(version):\n    return ratio\n", "rt")


def test_coverage_and_apply_agree_with_third_party_sites() -> None:
    """Pending equals rewritten: a provable one-shot writer is published after apply, one
    whose path cannot be evaluated again is called through, a reader of one file gets
    its path restored first (or is called through), the others stay what they are."""
    code = (
        "import numpy as np\nfrom pathlib import Path\nnp.save('a.npy', x)\n"
        "Path('a').write_text('x')\nnp.save(out / 'b', x)\nnp.load('a.npy')\n"
        "np.load(p, mmap_mode=cfg.mode)\nnp.save(*args)\n"
    )
    before = run_code(code)
    assert before.status is FileStatus.CHANGED
    assert [s.family for s in before.pending] == [
        Family.THIRD_PARTY, Family.PATHLIB, Family.THIRD_PARTY, Family.THIRD_PARTY,
        Family.THIRD_PARTY,
    ]
    assert before.new_source is not None
    after = run_code(before.new_source.decode())
    assert after.pending == ()
    assert [(s.name, s.status) for s in after.sites if s.family is Family.THIRD_PARTY] == [
        ("numpy.save", Status.MIGRATED),
        ("numpy.save", Status.MIGRATED),
        ("numpy.load", Status.MIGRATED),
        ("numpy.load", Status.MIGRATED),
        ("numpy.save", Status.UNMIGRATED),
    ]


@pytest.mark.parametrize(
    "code",
    [
        # ultralytics 8.4.190 utils/plotting.py and engine/trainer.py, before and after apply
        (
            "import polars as pl\nfrom pathlib import Path\n\ndef f(csv: Path):\n"
            "    return pl.read_csv(csv.read_bytes(), infer_schema_length=None)\n"
        ),
        (
            "import polars as pl\nfrom storage_runtime import storage\n\ndef f(csv):\n"
            "    return pl.read_csv(storage.read_bytes(csv), infer_schema_length=None)\n"
        ),
        "import numpy as np\n\ndef f(p):\n    raw = p.read_bytes()\n    return np.load(raw)\n",
        # LibCST names `open(p).read` `builtins.open`, but `storage_runtime.open.read` once
        # the open is migrated: a second pass found a site the first did not (the file
        # failed its idempotence check and was left unmigrated)
        "import pandas as pd\n\ndef f(p):\n    return pd.read_csv(open(p).read())\n",
        (
            "import pandas as pd\nfrom storage_runtime import open\n\ndef f(p):\n"
            "    return pd.read_csv(open(p).read())\n"
        ),
    ],
)
def test_bytes_read_whole_are_data_not_a_path(code: str) -> None:
    assert counted(code) == []
    result = run_code(code)
    if result.new_source is not None:
        assert run_code(result.new_source.decode()).status is FileStatus.UNCHANGED


@pytest.mark.parametrize(
    "code",
    [
        # the text of a pointer file may be a path (`latest.txt` naming a checkpoint)
        "import torch\n\ndef f(p):\n    return torch.load(p.read_text())\n",
        "import numpy as np\n\ndef f(p, raw):\n    return np.load(p.read_bytes)\n",
    ],
)
def test_other_reads_given_to_a_reader_stay_counted(code: str) -> None:
    assert [reason for _, reason in counted(code)] in ([R], [P])
