"""analysis/receivers.py, shapes of gluonts' `TrainEnv`/`TrainPaths` and camel's
`self.cache = Path(cache) if cache else None`: Paths reached through an attribute that
holds an instance of a class of the module, a store of the same attribute name to another
class's instance left out, a conditional expression with a None branch, and long
expressions that no longer spend the depth limit. Each with the trap that must defeat it."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import FileStatus, Reason, Status

PATHS = (
    "import json\nfrom pathlib import Path\n\n\n"
    "class TrainPaths:\n"
    '    def __init__(self, base: Path = Path("/opt/ml")) -> None:\n'
    "        self.base = base.expanduser().resolve()\n"
    '        self.config = self.base / "input" / "config"\n'
    '        self.hyperparameters = self.config / "hyperparameters.json"\n\n\n'
)
ENV = (
    "class TrainEnv:\n"
    '    def __init__(self, path: Path = Path("/opt/ml")) -> None:\n'
    "        self.path = TrainPaths(path)\n"
    "        self.hyperparameters = {}\n\n"
    "    def load(self):\n"
    "        with self.path.hyperparameters.open() as json_file:\n"
    "            return json.load(json_file)\n"
)


def _open_status(code: str) -> tuple[Status, Reason | None]:
    result = run_code(code)
    assert result.status is not FileStatus.FAILED, result.message
    found = [(s.status, s.reason) for s in result.sites if s.name.endswith("open")]
    assert len(found) == 1, found
    return found[0]


KNOWN = (Status.PENDING, None)
UNKNOWN = (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)


def test_a_long_join_in_an_attribute_read_through_another() -> None:
    """`self.base / "input" / "config"` three attribute hops away ran out of depth."""
    code = PATHS + (
        "def g(base):\n    paths = TrainPaths(base=Path(base))\n"
        '    paths.hyperparameters.open("w")\n'
    )
    assert _open_status(code) == KNOWN


def test_an_attribute_holding_an_instance_of_a_class_of_the_module() -> None:
    assert _open_status(PATHS + ENV) == KNOWN


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (("class TrainEnv:", "class TrainEnv(TrainPaths):"), "a subclass: its store is the owner's"),
        (("        self.path = TrainPaths(path)", "        self.path = make(path)"), "an unknown value"),
        (("        self.hyperparameters = {}", "        other.hyperparameters = {}"), "a store on any object"),
        (("        self.hyperparameters = {}", "        self.path.hyperparameters = {}"), "a store on the owner's instance"),
    ],
)
def test_traps_keep_it_unknown(change: tuple[str, str], why: str) -> None:
    code = (PATHS + ENV).replace(*change)
    assert _open_status(code) == UNKNOWN, why


def test_a_class_deriving_from_both_keeps_it_unknown() -> None:
    code = PATHS + ENV + "\n\nclass Both(TrainEnv, TrainPaths):\n    pass\n"
    assert _open_status(code) == UNKNOWN


def test_a_second_store_of_another_class_keeps_the_attribute_unknown() -> None:
    code = (PATHS + ENV).replace(
        "        self.hyperparameters = {}\n",
        "        self.hyperparameters = {}\n\n    def reset(self):\n        self.path = dict()\n",
    )
    assert _open_status(code) == UNKNOWN


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Path(cache) if cache else None", KNOWN),
        ("None if not cache else Path(cache)", KNOWN),
        ("Path(cache) if cache else cache", UNKNOWN),  # a str, maybe
        ("None if cache else None", UNKNOWN),
    ],
)
def test_a_conditional_expression_with_a_none_branch(value: str, expected: tuple) -> None:
    code = (
        "from pathlib import Path\n\n\nclass G:\n"
        "    def __init__(self, cache=None):\n"
        f"        self.cache = {value}\n\n"
        "    def run(self, dp):\n"
        "        if self.cache:\n"
        '            with self.cache.open("a", encoding="utf-8") as f:\n'
        "                f.write(dp)\n"
    )
    assert _open_status(code) == expected
