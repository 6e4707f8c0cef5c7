"""migrate_storage.codemods: find file-I/O call sites and rewrite them into storage_runtime calls."""

__version__ = "0.1.0"
