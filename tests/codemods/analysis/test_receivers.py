"""analysis/receivers.py on its own: is the receiver of `x.read_text()` provably a Path?"""

from __future__ import annotations

import pytest
from analysis_helpers import RUNTIME, analysed, last_call_receiver
from migrate_storage.codemods.analysis.receivers import Kind, ReceiverTyper


def kind_of(code: str) -> Kind:
    module, scopes, collector = analysed(code)
    return ReceiverTyper(scopes, collector.bindings, RUNTIME).kind(last_call_receiver(module))


@pytest.mark.parametrize(
    "code",
    [
        "from pathlib import Path\nPath('a').read_text()\n",
        "import pathlib\npathlib.Path('a').read_text()\n",
        "from pathlib import Path\n(Path.home() / 'x').read_text()\n",
        "from pathlib import Path\nPath(__file__).parent.joinpath('x').read_text()\n",
        "from pathlib import Path\np = Path('a')\np.read_text()\n",
        "from pathlib import Path\ndef f(p: Path):\n    return p.read_text()\nPath('a').resolve().read_text()\n",
    ],
)
def test_provable_paths(code: str) -> None:
    assert kind_of(code) is Kind.PATH


@pytest.mark.parametrize(
    "code",
    [
        "x.read_text()\n",  # nothing known about x
        "from pathlib import Path\np = Path('a')\nif c:\n    p = other\np.read_text()\n",  # one binding unknown
        "from pathlib import Path\ndef f(p):\n    return p\nf(Path('a')).read_text()\n",  # no flow analysis
    ],
)
def test_anything_not_shown_is_unknown(code: str) -> None:
    assert kind_of(code) is Kind.UNKNOWN


@pytest.mark.parametrize(
    "code",
    [
        "'a'.read_text()\n",
        "import webbrowser\nwebbrowser.open('x')\n",
    ],
)
def test_provably_something_else(code: str) -> None:
    assert kind_of(code) is Kind.NOT_PATH


def test_the_runtimes_storage_is_runtime() -> None:
    assert kind_of("from storage_runtime import storage\nstorage.read_text('a')\n") is Kind.RUNTIME


def test_a_shadowed_path_name_is_not_a_path() -> None:
    """Should not be a Path, since `Path` here is the module's own class."""
    assert kind_of("class Path:\n    pass\nPath('a').read_text()\n") is not Kind.PATH
