"""`python -m migrate_storage.codemods.cli`: the same as the `migrate-storage` command."""

from migrate_storage.codemods.cli.main import main

main()
