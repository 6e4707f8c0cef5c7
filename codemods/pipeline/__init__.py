"""The stages a file goes through, one a module: discovery (which files), runner (workers,
cache, writing), prefilter and prune (what LibCST need not see), engine (one file's bytes to
a FileResult), rewrite (one pass: find, rewrite, add imports), safety (the checks before
writing), merge (bytes LibCST does not reproduce), cache, writing, diffing and hunks."""
