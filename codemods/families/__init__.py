"""One module per rewrite family: open_calls (builtin open), pathlib_io (Path methods),
json_pickle (dump/load on a handle). Each holds the family's rewrite (node builders), its
EXAMPLES (examples.Rewritten / examples.Unchanged, run by the tests) and its LibCST codemod
command (base: command.StorageCodemodCommand). Recognition and the decisions are still made
by analysis/finder.py."""
