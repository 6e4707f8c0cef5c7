"""analysis/handles.py and families/json_pickle.py's decision, through the finder alone (no
engine, no rewrite, no safety check): a json/pickle call's status is its handle's, and
collapses are planned only when exact."""

from __future__ import annotations

import libcst as cst
import pytest
from analysis_helpers import findings
from migrate_storage.codemods.analysis.handles import handle_argument, is_inert
from migrate_storage.codemods.analysis.plan import Plan
from migrate_storage.codemods.families.json_pickle import Collapse
from migrate_storage.codemods.model import Family, Reason, Status


def collapses(plan: Plan) -> list[cst.CSTNode]:
    """The nodes the plan collapses into one `storage.<helper>(...)` call."""
    return [node for node, edit in plan.edits.items() if isinstance(edit, Collapse)]


def json_sites(code: str) -> list[tuple[int, Status, Reason | None]]:
    return [(s.line, s.status, s.reason) for s in findings(code).sites if s.family in (Family.JSON, Family.PICKLE)]


def test_a_handle_from_a_pending_open_in_a_one_statement_with_is_collapsed() -> None:
    code = 'import json\nwith open(p, "w") as f:\n    json.dump(x, f)\n'
    found = findings(code)
    assert json_sites(code) == [(3, Status.PENDING, None)]
    assert [type(node) for node in collapses(found.plan)] == [cst.With]


def test_a_handle_used_after_the_block_is_pending_but_not_collapsed() -> None:
    code = 'import json\nwith open(p, "w") as f:\n    json.dump(x, f)\nprint(f.closed)\n'
    found = findings(code)
    assert json_sites(code) == [(3, Status.PENDING, None)]
    assert not collapses(found.plan)


def test_a_handle_from_the_runtimes_open_is_migrated() -> None:
    code = "import json\nfrom storage_runtime import open\nwith open(p) as f:\n    x = json.load(f)\n"
    assert json_sites(code) == [(4, Status.MIGRATED, None)]


def test_a_handle_of_unknown_origin_is_left_alone_with_a_reason() -> None:
    assert json_sites("import json\ndef f():\n    return json.load(make())\n") == [
        (3, Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)
    ]


def test_a_handle_the_caller_passes_in_is_not_a_site() -> None:
    """`def dump(value, f): pickle.dump(value, f)` (cachelib, joblib serializers): the
    caller's open is the file site; a parameter rebound in the body is still traced."""
    assert json_sites("import json\ndef f(h):\n    return json.load(h)\n") == []
    rebound = "import json\ndef f(h):\n    h = open(h)\n    return json.load(h)\n"
    assert [status for _, status, _ in json_sites(rebound)] == [Status.PENDING]


def test_a_handle_taken_from_the_callers_packed_arguments_is_not_a_site() -> None:
    """zenml 0.98.0 `store_database_data(self, data, **kwargs)`: `dump_file: TextIO =
    kwargs["dump_file"]` is what the caller passed (as `args[0]`, `kwargs.get("f")`).
    Not when the function may have put its own handle there (a store into `kwargs`, a
    `get` default that opens)."""
    code = (
        "import json\n"
        "def a(data, **kwargs):\n"
        "    dump_file = kwargs['dump_file']\n"
        "    json.dump(data, dump_file, indent=4)\n"
        "def b(data, *args, **kwargs):\n"
        "    json.dump(data, args[0])\n"
        "    f = kwargs.get('f')\n"
        "    g = args[1]\n"
        "    json.dump(data, f)\n"
        "    json.dump(data, g)\n"
        "    return helper(**kwargs)\n"
        "def c(data, **kwargs):\n"
        "    kwargs['f'] = open('x.json', 'w')\n"
        "    f = kwargs['f']\n"
        "    json.dump(data, f)\n"
        "def d(data, **kwargs):\n"
        "    f = kwargs.get('f', open('y.json', 'w'))\n"
        "    json.dump(data, f)\n"
        "def e(data, **kwargs):\n"
        "    kwargs.update(f=open('z.json', 'w'))\n"
        "    f = kwargs.pop('f')\n"
        "    json.dump(data, f)\n"
    )
    unknown = (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)
    assert [(line, (status, reason)) for line, status, reason in json_sites(code)] == [
        (6, unknown), (15, unknown), (18, unknown), (22, unknown)
    ]


@pytest.mark.parametrize(
    "body",
    [
        # transformers' testing_utils: the handle's name is a loop variable before
        "    for f in sorted(paths):\n        print(f)\n"
        '    with open(target, "w") as f:\n        json.dump(data, f)\n',
        # timm's real_labels: the name is rebound by the load's own result
        "    with open(target) as f:\n        f = json.load(f)\n    return f\n",
        # rebound after the with, or after the read with no loop between
        '    with open(target, "w") as f:\n        json.dump(data, f)\n        f = None\n'
        "    f = 1\n",
    ],
)
def test_a_with_handle_whose_name_is_bound_elsewhere_keeps_the_opens_provenance(
    body: str,
) -> None:
    code = f"import json\ndef f(target, data, paths):\n{body}"
    assert [status for _, status, _ in json_sites(code)] == [Status.PENDING]


@pytest.mark.parametrize(
    "body",
    [
        # rebound inside the with before the read
        '    with open(target, "w") as f:\n        f = make()\n        json.dump(data, f)\n',
        # rebound after the read inside a loop in the body: the next turn reads it
        '    with open(target, "w") as f:\n        for x in data:\n'
        "            json.dump(x, f)\n            f = make()\n",
        # read outside the with's body
        '    if data:\n        f = make()\n    else:\n        with open(target, "w") as f:\n'
        "            pass\n    json.dump(data, f)\n",
        # in a branch of the with's body
        '    with open(target, "w") as f:\n        if data:\n            f = make()\n'
        "        json.dump(data, f)\n",
    ],
)
def test_a_with_handle_rebound_where_it_may_reach_the_read_is_not_traced(body: str) -> None:
    code = f"import json\ndef f(target, data, paths):\n{body}"
    assert [status for _, status, _ in json_sites(code)] == [Status.UNMIGRATED]


_ATTRIBUTE_HANDLE = (
    "import json\nclass Store:\n    def __init__(self, path):\n        self._handle = {value}\n"
    "    def read(self):\n        return json.load(self._handle)\n{extra}"
)


@pytest.mark.parametrize(
    ("value", "extra", "expected"),
    [
        ("open(path)", "", (Status.PENDING, None)),  # migrated through its handle
        (
            "open(path)",
            "from storage_runtime import open\n",
            (Status.MIGRATED, None),
        ),
        # every store counts: one of unknown origin makes the handle unknown
        ("open(path)", "s = Store('a')\ns._handle = make()\n", (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)),
        ("None", "", (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)),
        ("os.fdopen(fd)", "import os\n", (Status.UNMIGRATED, Reason.HANDLE_NOT_MIGRATED)),
    ],
)
def test_an_attribute_handle_has_the_provenance_of_every_store_to_it(
    value: str, extra: str, expected: tuple[Status, Reason | None]
) -> None:
    code = _ATTRIBUTE_HANDLE.format(value=value, extra=extra)
    assert [(status, reason) for _, status, reason in json_sites(code)] == [expected]
    assert not collapses(findings(code).plan)


@pytest.mark.parametrize(
    "handle",
    ["sys.stdout", "io.StringIO()", "sys.stdout.buffer", "urllib.request.urlopen(u)", "r"],
)
def test_handles_that_are_not_files_are_not_sites(handle: str) -> None:
    """Should find nothing, since writing JSON to stdout, a StringIO or an HTTP request
    is not file I/O."""
    code = f"import io, json, sys, urllib.request\nr = urllib.request.urlopen(u)\njson.dump(x, {handle})\n"
    assert json_sites(code) == []


def test_a_response_from_an_urlopen_that_is_not_urllibs_is_not_known() -> None:
    code = "import json\ndef f(urlopen, u):\n    with urlopen(u) as r:\n        return json.load(r)\n"
    assert json_sites(code) == [(4, Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)]


def test_a_star_argument_hides_the_handle() -> None:
    assert json_sites("import json\njson.dump(*args)\n") == [(2, Status.UNMIGRATED, Reason.DYNAMIC_CALL)]


def test_handle_argument_finds_the_handle_by_position_or_keyword() -> None:
    dump = cst.parse_expression("json.dump(obj, fp=f)")
    load = cst.parse_expression("json.load(f)")
    assert isinstance(dump, cst.Call) and isinstance(load, cst.Call)
    assert cst.Module([]).code_for_node(handle_argument(dump, "dump")) == "f"  # type: ignore[arg-type]
    assert cst.Module([]).code_for_node(handle_argument(load, "load")) == "f"  # type: ignore[arg-type]


def test_is_inert_tells_literals_and_names_from_calls() -> None:
    assert is_inert(cst.parse_expression("'x'")) and is_inert(cst.parse_expression("name"))
    assert not is_inert(cst.parse_expression("f()"))


# -- issue 13 item 5: only names and literals are inert; the emitted shape is exact -------


@pytest.mark.parametrize(
    "expression",
    ["job.result", "data['absent']", "a + b", "f'{x}'", "{key: 1}", "{x}", "-x", "[n for n in x]", "not x"],
)
def test_attribute_access_subscripts_and_operators_are_not_inert(expression: str) -> None:
    assert not is_inert(cst.parse_expression(expression))


@pytest.mark.parametrize("expression", ["x", "'a' 'b'", "-1", "1.5", "(x, 'y', 2)", "[x, None]", "..."])
def test_names_and_literals_are_inert(expression: str) -> None:
    assert is_inert(cst.parse_expression(expression))


def _collapsed(code: str) -> bool:
    return bool(collapses(findings(code).plan))


@pytest.mark.parametrize(
    "code",
    [
        'with open(job.out, "w") as f:\n    json.dump(obj, f)\n',  # the path is a property
        'with open(p, "w") as f:\n    json.dump(job.result, f)\n',
        'with open(p, "w") as f:\n    json.dump(data["absent"], f)\n',
        'with open(p) as f:\n    x = json.load(f, object_hook=self.hook)\n',
        'json.dump(obj, open(p, "w"), default=hooks["x"])\n',
    ],
)
def test_a_collapse_that_would_move_a_non_inert_expression_is_refused(code: str) -> None:
    assert not _collapsed("import json\n" + code)


@pytest.mark.parametrize(
    "opener",
    [
        'open(p, mode="w")',  # a patched open would record mode= as a keyword
        "open(file=p, mode='w')",
        'open(p, "w", buffering=1)',
        "open(p)",  # a dump without a mode would get the helper's "w"
        'open("out/", "w")',  # the original's IsADirectoryError stays the original's
        'open("a\\0b", "w")',
        'open(p, m)',  # not a literal mode
    ],
)
def test_an_open_whose_call_the_helper_cannot_repeat_exactly_is_not_collapsed(opener: str) -> None:
    assert not _collapsed(f"import json\nwith {opener} as f:\n    json.dump(obj, f)\n")


@pytest.mark.parametrize(
    "call",
    ["json.dump(obj, f, **kw)", "json.dump(obj, f, encoding='x')", "json.dump(obj, f, mode='w')",
     "json.dump(obj, f, call=x)"],
)
def test_a_call_whose_keywords_the_helper_would_take_as_its_own_is_not_collapsed(call: str) -> None:
    assert not _collapsed(f'import json\nwith open(p, "w") as f:\n    {call}\n')


def test_a_pickle_load_without_a_mode_is_not_collapsed_with_one_it_is() -> None:
    assert not _collapsed("import pickle\nwith open(p) as f:\n    x = pickle.load(f)\n")
    assert _collapsed('import pickle\nwith open(p, "rb") as f:\n    x = pickle.load(f, encoding="bytes")\n')


def test_a_walrus_in_a_comprehension_makes_the_receiver_unknown() -> None:
    # `.open` needs a known Path (write_text is guarded on any receiver, so it would migrate).
    code = 'from pathlib import Path\np = Path("a")\n[p := s for s in names]\np.open("w")\n'
    assert [(s.status, s.reason) for s in findings(code).sites] == [(Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)]


HELPER = """\
import gzip
import json


def _open(p, mode="r"):
    return open(p, mode)


def _either(p, mode="rt"):
    if p.endswith(".gz"):
        return gzip.open(p, mode)  # a mode held in a parameter may write: a counted writer
    return open(p)


def _lines(p):
    yield open(p)


def _given(handle):
    return handle


@some_cache
def _decorated(p):
    return open(p)


def use(p):
    with _open(p) as f:
        a = json.load(f)
    b = json.load(_open(p, "rb"))
    with _either(p) as h:
        c = json.load(h)
    d = json.load(_lines(p))
    e = json.load(_given(p))
    g = json.load(_decorated(p))
    return a, b, c, d, e, g
"""


def test_a_handle_from_a_function_of_the_module_that_returns_an_open_follows_it() -> None:
    """`def _open(p): return open(p)` then `json.load(_open(p))`: the handle is that
    open's (PENDING, never collapsed: the helper's open stays where it is). A function
    that may return a counted third-party writer's handle is not migrated; a generator, a function that
    returns something else, a decorated one: unknown."""
    by_line = {line: (status, reason) for line, status, reason in json_sites(HELPER)}
    assert by_line == {
        30: (Status.PENDING, None),
        31: (Status.PENDING, None),
        33: (Status.UNMIGRATED, Reason.HANDLE_NOT_MIGRATED),
        34: (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN),
        35: (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN),
        36: (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN),
    }
    assert not collapses(findings(HELPER).plan)
    rebound = HELPER.replace("def use(p):", "_open = print\n\n\ndef use(p):")
    assert {line for line, status, _ in json_sites(rebound) if status is Status.PENDING} == set()
