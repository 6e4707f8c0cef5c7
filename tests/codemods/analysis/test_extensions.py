"""analysis/extensions.py through families/publish_after.py: `savefig` is published after
it only where the file it writes is the path it was given, i.e. the path provably has an
extension or the format is given (matplotlib adds one to a name without it). The shapes
are ultralytics 8.4.190's and flair 0.15.1's plots."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status

HEAD = "import os\nimport matplotlib.pyplot as plt\nfrom pathlib import Path\n\n"


def _savefig(body: str) -> tuple[Status, Reason | None]:
    result = run_code(HEAD + body)
    assert result.status is not FileStatus.FAILED, result.message
    sites = [s for s in result.sites if s.family is Family.THIRD_PARTY]
    assert len(sites) == 1, result.sites
    return sites[0].status, sites[0].reason


@pytest.mark.parametrize(
    "body",
    [
        # ultralytics models/yolo/depth/train.py, utils/plotting.py
        "def f(self):\n    fname = self.save_dir / 'labels.jpg'\n    plt.savefig(fname, dpi=200)\n",
        ("def f(save_dir, fig):\n    fname = Path(save_dir) / 'multitrain_results.png'\n"
         "    fig.savefig(fname, dpi=200)\n"),
        # flair visual/training_curves.py: the name bound again in a later function
        "def f(file_name):\n    path = file_name.parent / 'weights.png'\n    plt.savefig(path, dpi=300)\n",
        "def f(d):\n    plt.savefig(d / 'a.png')\n",
        "def f(d, title):\n    plt.savefig(d / f'{title}_curve.png')\n",
        "def f(d):\n    plt.savefig(os.path.join(d, 'sub', 'a.pdf'))\n",
        "def f(d):\n    plt.savefig(str(Path(d, 'iou.svg')), dpi=250)\n",
        "def f(p):\n    plt.savefig(p.with_suffix('.png'))\n",
        "def f(name):\n    plt.savefig(name + '_loss.png')\n",
        "def f(p):\n    plt.savefig(p, format='png')\n",
        "def f(d):\n    out = d / 'a.png'\n    out = d / 'b.png'\n    plt.savefig(out)\n",
        "plt.savefig('loss.png')\n",
    ],
)
def test_a_path_with_a_known_extension_is_published(body: str) -> None:
    assert _savefig(body) == (Status.PENDING, None)
    new = run_code(HEAD + body).new_source.decode()  # type: ignore[union-attr]
    after = run_code(new)
    assert after.status is FileStatus.UNCHANGED
    assert [s.status for s in after.sites if s.family is Family.THIRD_PARTY] == [Status.MIGRATED]


@pytest.mark.parametrize(
    "body",
    [
        "def f(p):\n    plt.savefig(p)\n",  # a parameter: the caller's name
        "def f(p=Path('pr_curve.png')):\n    plt.savefig(p)\n",  # only its default is known
        # an empty title leaves ".png", which has no extension: matplotlib writes ".png.png"
        "def f(d, title):\n    plt.savefig(d / f'{title}.png')\n",
        "def f(d):\n    plt.savefig(d / 'results')\n",
        "def f(d):\n    plt.savefig(d / 'a.png/')\n",
        "def f(d):\n    plt.savefig(d / 'plots.d/out')\n",
        "def f(d):\n    plt.savefig(d + '.png')\n",
        "def f(d, n):\n    plt.savefig(os.path.join(d, n))\n",
        "def f(d, n):\n    plt.savefig(Path('a.png', n))\n",
        "def f(p):\n    plt.savefig(p.with_suffix(''))\n",
        "def f(p, fmt):\n    plt.savefig(p, format=fmt)\n",
        "def f(p):\n    plt.savefig(p, format=None)\n",
        "def f(d, n):\n    plt.savefig(d / f'{n}\\\\.png')\n",  # an escape in the tail: not read
        # a module's name: a test may set it to anything
        "OUT = Path('plots') / 'a.png'\n\ndef f():\n    plt.savefig(OUT)\n",
        # two bindings, neither provably the one that holds
        "def f(d, c):\n    out = d / 'a.png'\n    if c:\n        out = d / 'b'\n    plt.savefig(out)\n",
        "def f(d, make):\n    out = make(d, 'a.png')\n    plt.savefig(out)\n",
        "def f(self):\n    plt.savefig(self.out)\n",
        # a trailing dot is no extension: matplotlib writes "loss.png"
        "plt.savefig('plots/loss.')\n",
        "def f(n):\n    plt.savefig(f'{n}_curve.')\n",
    ],
)
def test_a_path_not_known_to_have_an_extension_stays_counted(body: str) -> None:
    assert _savefig(body) == (Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)
