"""migrate_storage.codemods.report: the migration coverage report and its formats."""
