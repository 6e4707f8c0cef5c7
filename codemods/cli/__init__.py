"""The `migrate-storage` command line: `main` (click group, main.py), the interactive review
(review.py, interactive.py), apply records and undo (journal.py), and what is printed (output.py)."""

from migrate_storage.codemods.cli.main import main

__all__ = ["main"]
