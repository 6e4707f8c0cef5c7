"""discovery.discover: which files a run takes, and why it leaves the others."""

from __future__ import annotations

import os
from pathlib import Path

from migrate_storage.codemods.pipeline.discovery import discover, is_ignored
from project_tree import write_tree


def names(found) -> list[str]:
    return [f.path for f in found.files]


def test_walks_py_files_sorted_and_deduplicated(tmp_path: Path) -> None:
    write_tree(tmp_path, {"b.py": "", "a/z.py": "", "a/y.py": "", "notes.txt": "", "a/c.pyi": ""})
    found = discover([tmp_path / "a", tmp_path, tmp_path / "a" / "y.py"], cwd=tmp_path)
    assert names(found) == ["a/y.py", "a/z.py", "b.py"]
    assert found.skipped == ()


def test_skips_hidden_venv_site_packages_and_pycache(tmp_path: Path) -> None:
    """Should do nothing with tool folders, since they are never the user's code."""
    write_tree(tmp_path, {
        "keep.py": "",
        ".tox/x.py": "",
        "__pycache__/x.py": "",
        "lib/site-packages/x.py": "",
        "node_modules/x.py": "",
        "env/pyvenv.cfg": "home = /usr\n",
        "env/lib/x.py": "",
    })
    assert names(discover([tmp_path], cwd=tmp_path)) == ["keep.py"]


def test_gitignore_nested_negation_and_info_exclude(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".git/info/exclude": "local_only.py\n",
        ".gitignore": "build/\n*_gen.py\n",
        "src/.gitignore": "!keep_gen.py\nscratch/\n",
        "src/a.py": "",
        "src/a_gen.py": "",
        "src/keep_gen.py": "",
        "src/scratch/s.py": "",
        "build/b.py": "",
        "local_only.py": "",
        "top.py": "",
    })
    found = discover([tmp_path], cwd=tmp_path)
    assert names(found) == ["src/a.py", "src/keep_gen.py", "top.py"]


def test_gitignore_above_the_given_folder_applies(tmp_path: Path) -> None:
    """A .gitignore at the repository root also rules a subfolder given as PATH."""
    write_tree(tmp_path, {".git/HEAD": "", ".gitignore": "*_gen.py\n", "src/a.py": "", "src/b_gen.py": ""})
    assert names(discover([tmp_path / "src"], cwd=tmp_path)) == ["src/a.py"]


def test_a_folder_named_explicitly_is_walked_even_if_an_outer_gitignore_ignores_it(tmp_path: Path) -> None:
    """Like ~/.pyenv (a git clone ignoring /versions/): the named folder's files are taken,
    the other patterns still apply inside it."""
    write_tree(tmp_path, {".git/HEAD": "", ".gitignore": "/versions/\n*_gen.py\n",
                          "versions/3.11/lib/os.py": "", "versions/3.11/lib/x_gen.py": ""})
    found = discover([tmp_path / "versions" / "3.11" / "lib"], cwd=tmp_path)
    assert names(found) == ["versions/3.11/lib/os.py"]
    assert names(discover([tmp_path], cwd=tmp_path)) == []


def test_a_file_named_explicitly_is_taken_despite_gitignore(tmp_path: Path) -> None:
    write_tree(tmp_path, {".gitignore": "*_gen.py\n", "x_gen.py": "", "script": "#!/usr/bin/env python\n"})
    found = discover([tmp_path / "x_gen.py", tmp_path / "script"], cwd=tmp_path)
    assert names(found) == ["script", "x_gen.py"]


def test_is_ignored_deepest_file_decides() -> None:
    from pathspec import GitIgnoreSpec

    root = Path("/r")
    ignores = ((root, GitIgnoreSpec.from_lines(["*.py"]), None), (root / "a", GitIgnoreSpec.from_lines(["!x.py"]), None))
    assert is_ignored(root / "a" / "x.py", False, ignores) is False
    assert is_ignored(root / "a" / "y.py", False, ignores) is True
    assert is_ignored(root / "b" / "x.py", False, ignores) is True


def test_rules_exclude_marks_files_but_keeps_them(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": "", "vendored/b.py": ""})
    found = discover([tmp_path], cwd=tmp_path, is_excluded=lambda p: "vendored" in p.parts)
    assert [(f.path, f.excluded) for f in found.files] == [("a.py", False), ("vendored/b.py", True)]


def test_missing_path_is_an_error_and_the_rest_goes_on(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": ""})
    found = discover([tmp_path / "nope", tmp_path / "a.py"], cwd=tmp_path)
    assert names(found) == ["a.py"]
    assert [(s.reason, s.error) for s in found.errors] == [("no such file or directory", True)]


def test_symlink_to_a_file_inside_is_taken_at_its_target_once(tmp_path: Path) -> None:
    write_tree(tmp_path, {"real/a.py": ""})
    (tmp_path / "link.py").symlink_to(tmp_path / "real" / "a.py")
    found = discover([tmp_path], cwd=tmp_path)
    assert names(found) == ["real/a.py"]
    assert found.files[0].real_path == (tmp_path / "real" / "a.py").resolve()


def test_symlink_to_a_file_outside_is_skipped_with_reason(tmp_path: Path) -> None:
    write_tree(tmp_path, {"outside/o.py": "", "proj/a.py": ""})
    (tmp_path / "proj" / "link.py").symlink_to(tmp_path / "outside" / "o.py")
    (tmp_path / "proj" / "broken.py").symlink_to(tmp_path / "gone.py")
    found = discover([tmp_path / "proj"], cwd=tmp_path)
    assert names(found) == ["proj/a.py"]
    reasons = {s.path: s.reason for s in found.skipped}
    assert reasons["proj/link.py"].startswith("symlink to ") and "outside the paths given" in reasons["proj/link.py"]
    assert reasons["proj/broken.py"] == "broken symlink; skipped"
    assert not found.errors


def test_a_symlink_named_explicitly_is_edited_only_if_its_target_is_given(tmp_path: Path) -> None:
    write_tree(tmp_path, {"outside/o.py": "", "proj/x": ""})
    link = tmp_path / "proj" / "link.py"
    link.symlink_to(tmp_path / "outside" / "o.py")
    assert names(discover([link], cwd=tmp_path)) == []
    both = discover([link, tmp_path / "outside"], cwd=tmp_path)
    assert names(both) == ["outside/o.py"]


def test_symlinked_folder_is_not_followed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"outside/o.py": "", "proj/a.py": ""})
    (tmp_path / "proj" / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert names(discover([tmp_path / "proj"], cwd=tmp_path)) == ["proj/a.py"]


def test_paths_outside_cwd_are_absolute_and_roots_are_real(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a/x.py": ""})
    (tmp_path / "b").mkdir()
    found = discover([tmp_path / "a"], cwd=tmp_path / "b")
    assert names(found) == [str((tmp_path / "a" / "x.py").resolve())]
    assert found.roots == ((tmp_path / "a").resolve(),)


def test_stale_writer_temp_files_are_listed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": "", ".a.py.999999.abcd1234.migrate-storage.tmp": "partial", ".other.tmp": ""})
    found = discover([tmp_path], cwd=tmp_path)
    assert [p.name for p in found.stale_temp_files] == [".a.py.999999.abcd1234.migrate-storage.tmp"]
    assert os.path.exists(found.stale_temp_files[0])
