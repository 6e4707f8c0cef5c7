"""migrate_storage.rules: the rules file that picks pin, cache or local per source file."""
