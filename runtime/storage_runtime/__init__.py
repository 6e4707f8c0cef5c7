"""storage_runtime: a drop-in builtin open() that publishes closed files to IPFS."""
