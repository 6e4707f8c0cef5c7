"""The real-package harness (bench/realworld.py): its own logic, and the harness itself.

The harness run is slow (a venv and the package's suite three times per target), so it is
marked `slow` and skipped unless MIGRATE_STORAGE_REALWORLD is `fast` (tinydb, configobj,
python-dotenv: what .ci/run may run) or `all` (every target).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _bench import load

REPO = Path(__file__).resolve().parents[2]
HARNESS = REPO / "bench" / "realworld.py"


rw = load("realworld")
MODE = os.environ.get("MIGRATE_STORAGE_REALWORLD", "")
TARGETS = rw.load_targets(rw.DEFAULT_DATA)


def test_data_file_lists_the_targets_with_their_checked_commands() -> None:
    by_name = {t.name: t for t in TARGETS}
    assert set(by_name) == {
        "tinydb",
        "configobj",
        "python-dotenv",
        "python-box",
        "diskcache",
        "poetry-core",
        "scriv",
        "cookiecutter",
        # Never tuned on: added to measure the product on unseen code (issue 14 item 6).
        "nbformat",
        "filelock",
        "towncrier",
        "black",
        "mkdocs",
        "jupytext",
        "bump-my-version",
        "isort",
        # The second round of unseen code (atomic writes, a cache, ML artefacts).
        "atomicwrites",
        "safer",
        "cachelib",
        "joblib",
        "portalocker",
        # The third round (a spill-to-disk mapping, a file-backed queue, dvc's object
        # cache, jupyter's config and migration writers).
        "zict",
        "persist-queue",
        "dvc-objects",
        "jupyter-core",
        # The fourth round (a build backend writing archives, a serialization library, a
        # YAML config library, a pickler of sessions and file handles).
        "flit-core",
        "srsly",
        "confuse",
        "dill",
        # The fifth round (a CLI toolkit's lazy and atomic file parameters, a template
        # engine's loaders and bytecode cache, a wheel installer, a task runner's state file).
        "click",
        "jinja2",
        "installer",
        "doit",
        # The sixth round (a wheel tool packing, unpacking and retagging archives, a
        # snapshot-testing plugin writing amber files under a lock, a regression-testing
        # plugin dumping yaml, csv, npz and png data files, a build backend with vendored
        # libraries writing wheels through mkstemp + move and sdists with tarfile).
        "wheel",
        "syrupy",
        "pytest-regressions",
        "pdm-backend",
        # The seventh round (a snapshot plugin writing and deleting snapshot files, settings
        # read from json/yaml/toml/secrets folders, a PEP 517 frontend and backend talking
        # through json files, the build tool's sdists, wheels and isolated environments).
        "pytest-snapshot",
        "pydantic-settings",
        "pyproject-api",
        "build",
        # The eighth round (an experiment tracker's run folders, config dumps and file
        # stores, JSON Lines files, a config library's save and load, inter-process lock
        # files, TOML documents read and written with their own line endings, a dataset
        # downloader's cache: temporary downloads moved into place, archives unpacked).
        "sacred",
        "jsonlines",
        "omegaconf",
        "fasteners",
        "tomlkit",
        "pooch",
        # The ninth round (an experiment tracker's local store of metrics, params, plots
        # and artefacts, a utility belt's cache, downloads and Path copies, a notebook
        # output stripper rewriting notebooks in place and its git attributes).
        "dvclive",
        "ubelt",
        "nbstripout",
        # The tenth round (a dataset and model cache's downloads, archives and completion
        # markers, an ML workflow system's lock file, assets and tar remote store, a
        # time-series database in one CSV file rewritten through a temporary copy).
        "kagglehub",
        "weasel",
        "tinyflux",
    }
    assert {t.name for t in TARGETS if t.fast} == {
        "tinydb",
        "configobj",
        "python-dotenv",
    }
    assert by_name["diskcache"].test.endswith(
        "--deselect tests/test_doctest.py::test_tutorial"
    )
    for t in TARGETS:
        assert "pytest" in t.test, t.name
        # The package folder is never inside the tests folder; a tests folder inside the
        # package folder (towncrier, mkdocs) is made `local` by the generated rules.
        assert not Path(t.package).is_relative_to(t.tests)
        assert t.strategy in ("cache", "pin")


def test_generated_rules_keep_a_test_folder_inside_the_package_unmigrated(
    tmp_path: Path,
) -> None:
    """The rules file the harness writes, read by the real CLI: the package's code is
    migrated (pending), its in-package test folder is `local` (never migrated, not counted)."""
    src = tmp_path / "src" / "pkg-1.0"
    (src / "pkg" / "test").mkdir(parents=True)
    code = "def save(p):\n    with open(p, 'w') as fh:\n        fh.write('x')\n"
    (src / "pkg" / "core.py").write_text(code)
    (src / "pkg" / "test" / "test_core.py").write_text(code)
    cli = rw._find_cli(None)
    assert cli is not None
    statuses = {}
    for tests in ("pkg/test", "tests"):
        target = rw.Target("pkg", "1.0", "pip install .", "python -m pytest", "pkg", tests)
        rules = rw.write_rules(target, tmp_path / "migrate-storage.toml", src)
        proc = subprocess.run(
            [*cli, "--no-cache", "coverage", str(src / "pkg"), "--rules", str(rules), "--format", "json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        files = json.loads(proc.stdout)["files"]
        statuses[tests] = {
            Path(path).name: [site["status"] for site in f["sites"]] for path, f in files.items()
        }
    assert statuses["pkg/test"] == {"core.py": ["pending"], "test_core.py": ["local"]}
    assert statuses["tests"] == {"core.py": ["pending"], "test_core.py": ["pending"]}


def test_unknown_key_in_data_file_is_an_error(tmp_path: Path) -> None:
    data = tmp_path / "targets.toml"
    data.write_text(
        '[[target]]\nname = "x"\nversion = "1"\ninstall = "pip install ."\n'
        'test = "python -m pytest"\npackage = "x"\ntests = "tests"\ntest_cmd = "typo"\n'
    )
    with pytest.raises(SystemExit, match=r"unknown keys \['test_cmd'\]"):
        rw.load_targets(data)


def test_a_missing_key_or_bad_toml_in_the_data_file_is_a_clear_error(tmp_path: Path) -> None:
    """Named with the file, the target and the key, not a TypeError traceback."""
    data = tmp_path / "targets.toml"
    data.write_text('[[target]]\nname = "x"\nversion = "1"\ninstall = "pip install ."\n')
    with pytest.raises(SystemExit, match=r"target #1 \(x\): missing keys \['package', 'test', 'tests'\]"):
        rw.load_targets(data)
    data.write_text("[[target]\nname = \n")
    with pytest.raises(SystemExit, match=r"targets\.toml: "):
        rw.load_targets(data)


def test_venv_argv_maps_python_pip_and_scripts_to_the_venv(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "pytest").touch()
    py = str(tmp_path / "bin" / "python")
    assert rw._venv_argv("pip install -e '.[cli]' sh", tmp_path) == [
        py,
        "-m",
        "pip",
        "install",
        "-e",
        ".[cli]",
        "sh",
    ]
    assert rw._venv_argv("python -m pytest tests -q", tmp_path)[0] == py
    assert rw._venv_argv("pytest tests", tmp_path)[0] == str(
        tmp_path / "bin" / "pytest"
    )


def test_import_name_drops_src_and_dots_the_path_unless_given() -> None:
    T = rw.Target
    base = {
        "name": "x",
        "version": "1",
        "install": "pip install -e .",
        "test": "python -m pytest",
        "tests": "tests",
    }
    assert T(package="src/poetry/core", **base).import_name == "poetry.core"
    assert T(package="src/dotenv", **base).import_name == "dotenv"
    assert T(package="box", **base).import_name == "box"
    assert T(package="lib/pkg", module="pkg", **base).import_name == "pkg"


def test_imported_from_says_where_the_venv_finds_the_module(tmp_path: Path) -> None:
    """The check that stops a run whose suite would test an installed, unmigrated copy."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    src = tmp_path / "sdist"
    (src / "somepkg_rw").mkdir(parents=True)
    (src / "somepkg_rw" / "__init__.py").write_text("")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    found = rw._imported_from("somepkg_rw", src, venv, env)
    assert found == (src / "somepkg_rw" / "__init__.py").resolve()
    assert rw._imported_from("somepkg_rw", tmp_path, venv, env) is None


def test_read_junit_sorts_real_pytest_outcomes(tmp_path: Path) -> None:
    """A real pytest run: pass, fail, error, skip, xfail and xpass land in the right sets."""
    (tmp_path / "test_mix.py").write_text(
        textwrap.dedent("""
        import pytest
        @pytest.fixture
        def broken():
            raise RuntimeError("setup")
        def test_ok(): pass
        @pytest.mark.parametrize("n", [1, 2])
        def test_param(n): assert n == 1
        def test_error(broken): pass
        @pytest.mark.skip(reason="no")
        def test_skip(): pass
        @pytest.mark.xfail
        def test_xfail(): assert False
    """)
    )
    junit = tmp_path / "junit.xml"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            "test_mix.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result = rw.read_junit(
        junit, label="baseline", returncode=proc.returncode, seconds=1.0
    )
    assert result.passed == {"test_mix::test_ok", "test_mix::test_param[1]"}
    assert result.failed == {"test_mix::test_param[2]", "test_mix::test_error"}
    assert result.skipped == {"test_mix::test_skip", "test_mix::test_xfail"}


def test_missing_junit_is_a_note_and_passes_nothing(tmp_path: Path) -> None:
    result = rw.read_junit(
        tmp_path / "nope.xml", label="local", returncode=4, seconds=0.1
    )
    assert not result.passed and result.note and "no junit report" in result.note


def test_compare_runs_reports_lost_and_gained_tests_per_run() -> None:
    SR = rw.SuiteResult
    runs = {
        "baseline": SR(
            "baseline",
            1,
            1.0,
            passed=frozenset({"a", "b", "c"}),
            failed=frozenset({"d"}),
        ),
        "local": SR(
            "local", 0, 1.0, passed=frozenset({"a", "b", "c"}), failed=frozenset()
        ),
        "ipfs": SR(
            "ipfs", 1, 1.0, passed=frozenset({"a", "d"}), failed=frozenset({"b"})
        ),
    }
    diffs = rw.compare_runs(runs)
    assert diffs == [
        "ipfs: 2 test(s) passed in the baseline but not here: b (failed), c (not run)",
        "ipfs: 1 test(s) pass here but not in the baseline: d",
    ]
    assert rw.compare_runs({"baseline": SR("baseline", 5, 0.1)}) == [
        "the baseline passed no test: nothing to compare against"
    ]


def test_coverage_counts_from_the_totals_and_pending_checks_from_the_sites() -> None:
    """The cover figures come from the totals; what apply will rewrite is every pending
    site listed, existence checks included (JSON format 5 keeps them out of the totals)."""
    totals = {"sites": 5, "migrated": 2, "pending": 1, "unmigrated": 1, "local": 1, "checks": 2}
    sites = [
        {"status": s, "family": f}
        for s, f in (("migrated", "open"), ("pending", "json"), ("pending", "existence"),
                     ("migrated", "existence"))
    ]
    counts = rw.coverage_counts({"totals": totals, "files": {"a.py": {"sites": sites}}})
    assert counts == {
        "sites": 5,
        "migrated": 2,
        "pending": 1,
        "unmigrated": 1,
        "local": 1,
        "percent": 50.0,
        "rewritable": 2,
    }
    assert rw.coverage_counts({"totals": {"sites": 0}})["percent"] == 100.0


@pytest.mark.slow
@pytest.mark.skipif(
    MODE not in ("fast", "all"),
    reason="set MIGRATE_STORAGE_REALWORLD=fast or all to run the real-package harness",
)
@pytest.mark.parametrize(
    "target", [t for t in TARGETS if t.fast or MODE == "all"], ids=lambda t: t.name
)
def test_migrated_package_passes_exactly_its_baseline_tests(
    target, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "result.json"
    proc = subprocess.run(
        [sys.executable, str(HARNESS), "--only", target.name, "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    assert out.exists(), proc.stdout + proc.stderr
    (report,) = json.loads(out.read_text())
    assert report["differences"] == [], proc.stdout
    assert report["runs"]["baseline"]["passed"] > 0
    assert report["runs"]["local"]["passed"] == report["runs"]["baseline"]["passed"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
