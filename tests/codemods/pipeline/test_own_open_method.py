"""`x.open()` where `x` is typed to a plain class of the module with its own `open()`
(ruamel.yaml's serializer starting a YAML stream, vendored by srsly): not a pathlib site
(analysis/receivers.py `_other_attribute`, through the engine and its pruner, which keeps
the property and the stores it reads). Each line with `.open()` says what it must be:
`# none` no site at all, `# unknown` counted "receiver type unknown"."""

from __future__ import annotations

import pytest
from migrate_storage.codemods.model import Status
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

SERIALIZER = """\
class Serializer:
    def __init__(self, emitter):
        self.emitter = emitter
        self.closed = None

    def open(self):
        self.closed = False
        self.emitter.emit("stream-start")

    def close(self):
        self.closed = True
        self.emitter.emit("stream-end")


"""

TYPED = """\
class Dumper:
    Serializer = Serializer

    def __init__(self, emitter):
        self._serializer = self.Serializer(emitter)
        self._plain = Serializer(emitter)
        self._maybe = None

    def reset(self, emitter):
        self._maybe = Serializer(emitter)

    @property
    def serializer(self):
        return self._serializer

    def dump_all(self, documents):
        self.serializer.open()  # none
        self._serializer.open()  # none
        self._plain.open()  # none
        self._maybe.open()  # none
        for data in documents:
            self.serializer.emitter.emit(data)
        self.serializer.close()


def serialize_all(nodes, dumper):
    dumper._serializer.open()  # unknown
"""

# Each: what is added to TYPED (before the classes, after them), and the receivers whose
# `.open()` becomes counted again (the others stay no site).
SERIALIZERS = ("self.serializer", "self._serializer")
UNPROVEN = {
    "a Path stored to the attribute elsewhere": (
        "from pathlib import Path\n",
        "\n\ndef elsewhere(obj):\n    obj._serializer = Path('x')\n",
        SERIALIZERS,
    ),
    "an annotated store": (
        "",
        "\n\ndef elsewhere(obj):\n    obj._serializer: Serializer = make()\n",
        SERIALIZERS,
    ),
    "the class alias rebound": ("", "\n\nDumper.Serializer = object\n", SERIALIZERS),
    "a second definition, with a base": (
        "",
        "\n\nclass Serializer(Base):\n    pass\n",
        (*SERIALIZERS, "self._plain", "self._maybe"),
    ),
    "the property annotated with another type": ("", "", ("self.serializer",)),
}


def statuses(source: str) -> dict[str, Status | None]:
    """receiver -> the status of its `.open()` site (None: no site), the call lines of
    the class only."""
    sites = transform_source(
        source.encode(), "emitter.py", FilePolicy(), rewrite=False
    ).sites
    found = {s.line: s.status for s in sites if s.name.endswith("open")}
    out = {}
    for number, line in enumerate(source.splitlines(), 1):
        if line.endswith((".open()  # none", ".open()  # unknown")):
            out[line.strip().split(".open()")[0]] = found.get(number)
    return out


def test_a_receiver_typed_to_the_module_s_own_class_is_no_site() -> None:
    assert statuses(SERIALIZER + TYPED) == {
        "self.serializer": None,
        "self._serializer": None,
        "self._plain": None,
        "self._maybe": None,
        "dumper._serializer": Status.UNMIGRATED,  # a parameter: any class's attribute
    }


@pytest.mark.parametrize(
    ("head", "tail", "counted"), UNPROVEN.values(), ids=UNPROVEN.keys()
)
def test_what_the_module_does_not_prove_stays_counted(
    head: str, tail: str, counted: tuple[str, ...]
) -> None:
    typed = TYPED
    if not tail:
        typed = typed.replace(
            "def serializer(self):", "def serializer(self) -> Emitter:"
        )
    found = statuses(head + SERIALIZER + typed + tail)
    for receiver, status in found.items():
        expected = (
            Status.UNMIGRATED
            if receiver in counted or receiver.startswith("dumper")
            else None
        )
        assert status is expected, (receiver, found)
