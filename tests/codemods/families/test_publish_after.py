"""publish_after: formatting kept byte for byte around the added line, the rules decide
(pin, cache, local, families), secret literals stay local, and an existing publish of
the same path (or another path) is recognised exactly."""

from __future__ import annotations

from typing import Any

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status, Strategy
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

PIN = FilePolicy(strategy=Strategy.PIN)


def _third_party(code: str, policy: FilePolicy = PIN) -> tuple[Any, list[tuple[Status, Any]]]:
    result = run_code(code, policy)
    assert result.status is not FileStatus.FAILED, result.message
    return result, [(s.status, s.reason) for s in result.sites if s.family is Family.THIRD_PARTY]


def test_tabs_crlf_and_comments_are_kept() -> None:
    source = (
        b"import numpy as np\r\n\r\ndef f(p, a):\r\n"
        b"\tif a:\r\n\t\tnp.savetxt(p, a)  # keep me\r\n\t\t# and me\r\n\treturn p\r\n"
    )
    result = transform_source(source, "mod.py", FilePolicy(strategy=Strategy.CACHE))
    assert result.status is FileStatus.CHANGED, result.message
    assert result.new_source == (
        b"import numpy as np\r\nfrom storage_runtime import storage\r\n\r\ndef f(p, a):\r\n"
        b"\tif a:\r\n\t\tnp.savetxt(p, a)  # keep me\r\n"
        b"\t\tstorage.publish(p, pin=False)\r\n\t\t# and me\r\n\treturn p\r\n"
    )


def test_the_rules_decide() -> None:
    code = "def f(df, p):\n    df.to_csv(p)\n"
    for policy, expected in (
        (PIN, (Status.PENDING, None)),
        (FilePolicy(strategy=Strategy.LOCAL), (Status.LOCAL, Reason.LOCAL_RULE)),
        (FilePolicy(excluded=True), (Status.UNMIGRATED, Reason.EXCLUDED_FILE)),
        # A rule for json alone, local elsewhere: the writer stays local.
        (
            FilePolicy(strategy=Strategy.PIN, families=(Family.JSON,), fallback=Strategy.LOCAL),
            (Status.LOCAL, Reason.LOCAL_RULE),
        ),
    ):
        _, sites = _third_party(code, policy)
        assert sites == [expected], policy


def test_a_secret_literal_is_local_and_never_published() -> None:
    result, sites = _third_party("def f(df):\n    df.to_csv('.env')\n")
    assert sites == [(Status.LOCAL, Reason.SECRET_PATH)]
    assert result.status is FileStatus.UNCHANGED


def test_only_a_publish_of_the_same_path_counts() -> None:
    same = (
        "from storage_runtime import storage\n\ndef f(df, p):\n    df.to_csv(p)\n\n"
        "    # published\n    storage.publish(p, pin=True)\n"
    )
    assert _third_party(same)[1] == [(Status.MIGRATED, None)]
    other = "from storage_runtime import storage\n\ndef f(df, p, q):\n    df.to_csv(p)\n    storage.publish(q)\n"
    assert _third_party(other)[1] == [(Status.PENDING, None)]
    module_level = "import storage_runtime\n\ndef f(df, p):\n    df.to_csv(p)\n    storage_runtime.publish(p)\n"
    assert _third_party(module_level)[1] == [(Status.MIGRATED, None)]
    # A `publish` that is not the runtime's is not one.
    local = "def publish(p):\n    pass\n\ndef f(df, p):\n    df.to_csv(p)\n    publish(p)\n"
    assert _third_party(local)[1] == [(Status.PENDING, None)]


def test_a_module_that_uses_the_name_storage_gets_an_alias() -> None:
    result, sites = _third_party("storage = {}\n\ndef f(df, p):\n    df.to_parquet(p)\n")
    assert sites == [(Status.PENDING, None)]
    assert result.new_source is not None
    new = result.new_source.decode()
    assert "from storage_runtime import storage as storage_runtime_storage\n" in new
    assert "    storage_runtime_storage.publish(p, pin=True)\n" in new
    again = transform_source(result.new_source, "mod.py", PIN)
    assert again.status is FileStatus.UNCHANGED
    assert [s.status for s in again.sites] == [Status.MIGRATED]


def test_a_path_name_another_function_may_unbind_is_held() -> None:
    """`OUT` evaluated again after the writer would be what a call made of it (`global
    OUT; del OUT` in `rotate`: NameError on the added line; an assignment there: another
    file published): the path the writer was given is held and published as given."""
    for change in ("del OUT", "OUT = 'b.csv'", "match 1:\n        case OUT:\n            pass"):
        code = (
            f"OUT = 'a.csv'\n\ndef rotate():\n    global OUT\n    {change}\n    return ';'\n\n"
            "def export(df):\n    df.to_csv(OUT, sep=rotate())\n"
        )
        result, sites = _third_party(code)
        assert sites == [(Status.PENDING, None)], change
        new = (result.new_source or b"").decode()
        assert (
            "    df.to_csv(storage.held(OUT), sep=rotate())\n    storage.publish_held(pin=True)\n"
            in new
        ), new
        assert "storage.publish(OUT" not in new, new
    plain = "OUT = 'a.csv'\n\ndef export(df):\n    df.to_csv(OUT)\n"
    assert "    storage.publish(OUT, pin=True)\n" in (_third_party(plain)[0].new_source or b"").decode()


# -- a writer whose path is an expression: held, or called through --------------------------


def test_a_writer_statement_is_held_and_published_on_the_next_line() -> None:
    """The writer stays the program's own call (a warning it attributes to its caller
    names the program's line); tabs, CRLF, a trailing comment and a multi-line call are
    kept, and the publish line follows at the same indentation."""
    source = (
        b"import torch\r\n\r\ndef f(m, run, d):\r\n"
        b"\tif m:\r\n\t\ttorch.save(m, run.path(d))  # keep me\r\n"
        b"\tm.to_parquet(\r\n\t\tpath=run.out / 'x',\r\n\t\tcompression=d(),\r\n\t)\r\n"
    )
    result = transform_source(source, "mod.py", PIN)
    assert result.status is FileStatus.CHANGED, result.message
    assert result.new_source == (
        b"import torch\r\nfrom storage_runtime import storage\r\n\r\ndef f(m, run, d):\r\n"
        b"\tif m:\r\n\t\ttorch.save(m, storage.held(run.path(d)))  # keep me\r\n"
        b"\t\tstorage.publish_held(pin=True)\r\n"
        b"\tm.to_parquet(\r\n\t\tpath=storage.held(run.out / 'x'),\r\n\t\tcompression=d(),\r\n\t)\r\n"
        b"\tstorage.publish_held(pin=True)\r\n"
    )
    again = transform_source(result.new_source, "mod.py", PIN)
    assert again.status is FileStatus.UNCHANGED
    assert [s.status for s in again.sites] == [Status.MIGRATED, Status.MIGRATED]


def test_numpy_s_suffix_and_the_cache_rule_reach_the_publish_line() -> None:
    code = "import numpy as np\n\ndef f(d, a):\n    np.savez(d.out, a)\n"
    new = (run_code(code, FilePolicy(strategy=Strategy.CACHE)).new_source or b"").decode()
    assert "    np.savez(storage.held(d.out), a)\n" in new
    assert '    storage.publish_held(pin=False, suffix=".npz")\n' in new


def test_other_shapes_are_still_called_through() -> None:
    """Only a whole expression statement alone on its line, in a block, is held: the
    next line then runs exactly when the writer returned. A returned or assigned result
    (bound before the publish line would run), a one-line compound, a second statement
    on the line and a writer inside an expression keep the call-through form."""
    for line in (
        "return df.to_csv(run.out)",
        "x = df.to_csv(run.out)",
        "if ok: df.to_csv(run.out)",
        "ok = 1; df.to_csv(run.out)",
        "print(df.to_csv(run.out))",
        "[df.to_csv(o()) for o in run.outs]",
    ):
        code = f"def f(df, run, ok):\n    {line}\n"
        result, sites = _third_party(code)
        assert sites == [(Status.PENDING, None)], line
        new = (result.new_source or b"").decode()
        assert "storage.publishing(df.to_csv, path=0, pin=True)(" in new, line
        assert "held" not in new, line


def test_a_held_path_without_its_publish_line_is_not_counted_migrated() -> None:
    held = "from storage_runtime import storage\n\ndef f(df, run):\n    df.to_csv(storage.held(run.out))\n"
    result, sites = _third_party(held)
    assert sites == [(Status.PENDING, None)]
    new = (result.new_source or b"").decode()
    assert new.endswith(
        "    df.to_csv(storage.held(run.out))\n    storage.publish_held(pin=True)\n"
    ), new  # held once: a second held would leave an entry no publish takes
    done = held + "    storage.publish_held(pin=True)\n"
    result, sites = _third_party(done)
    assert sites == [(Status.MIGRATED, None)] and result.status is FileStatus.UNCHANGED


@pytest.mark.parametrize(
    "code",
    [
        "def f(df, store):\n    with store as f:\n        df.to_csv(f)\n",
        "def f(self, df):\n    with self._sink as out:\n        df.to_parquet(out)\n",
        # one of several bindings is such a target
        "import numpy as np\ndef f(a, p, sink):\n    out = p\n    if sink:\n        with sink as out:\n            np.save(out, a)\n    np.save(out, a)\n",
    ],
)
def test_what_an_unknown_context_manager_enters_is_not_published(code: str) -> None:
    """`with store as f: df.to_csv(f)`: `f` is what `store.__enter__()` returned, a path
    or (often) a handle whose publish would do nothing while the site said migrated."""
    result, sites = _third_party(code)
    assert sites and all(s == (Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER) for s in sites), sites
    assert result.status is FileStatus.UNCHANGED


def test_what_a_call_enters_is_judged_as_before() -> None:
    """dask's `with tmpfile("h5") as fn: df.to_hdf(fn, "x")`: the run's own generator
    context manager yields a name; a call's result is a path unless the call is known
    to make a handle (`with fs.open(p, "wb") as f` is no site at all)."""
    code = (
        "from contextlib import contextmanager\n@contextmanager\ndef tmpfile(ext):\n    yield 'x.' + ext\n"
        "def f(df):\n    with tmpfile('h5') as fn:\n        df.to_hdf(fn, 'x')\n"
        "def g(df, fs, p):\n    with fs.open(p, 'wb') as f:\n        df.to_parquet(f)\n"
    )
    result, sites = _third_party(code)
    assert sites == [(Status.PENDING, None)]
    assert b"storage.publish(fn, pin=True)" in result.new_source


def test_a_path_a_null_context_gives_back_is_published() -> None:
    code = "import contextlib\ndef f(df, p):\n    with contextlib.nullcontext(p) as q:\n        df.to_csv(q)\n"
    result, sites = _third_party(code)
    assert sites == [(Status.PENDING, None)]
    assert b"storage.publish(q, pin=True)" in result.new_source


def test_what_an_unknown_context_manager_enters_is_not_restored_either() -> None:
    code = "import pandas as pd\ndef f(fil):\n    with fil as f:\n        return pd.read_csv(f)\n"
    result, sites = _third_party(code)
    assert sites == [(Status.UNMIGRATED, Reason.THIRD_PARTY_READER)]
    assert result.status is FileStatus.UNCHANGED


def test_a_temporary_directorys_name_is_a_path() -> None:
    """`with tempfile.TemporaryDirectory() as d:` binds the folder's name, a str (flair
    0.15.1's tokenizer state extracted into one): a writer into it is published after
    it, as with any name bound to a path, not left counted as an unknown `__enter__`."""
    code = (
        "import tempfile, zipfile\ndef f(z):\n    with tempfile.TemporaryDirectory() as d:\n"
        "        z.extractall(d)\n        return load(d)\n"
    )
    result, sites = _third_party(code)
    assert sites == [(Status.PENDING, None)]
    assert b"storage.publish(d, pin=True)" in result.new_source
