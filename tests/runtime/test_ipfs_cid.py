"""Local CID computation equals the node's under the runtime's import settings."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from storage_runtime._cid import (
    CHUNK_SIZE,
    IMPORT_OPTS,
    CidError,
    cid_of_bytes,
    normalize_cid,
    parse_cid,
    unixfs_kind,
)

# Values from js-ipfs 0.66 `add --cid-version=1 --raw-leaves --chunker=size-262144`; the
# empty-file CID is the well-known one kubo gives too.
KNOWN = [
    (b"", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
    (bytes(range(256)) * 1025, "bafybeiburyojnuq4b4yk7jer7zlppbty3c3qwp67qbhropgnu4wfucpmv4"),
    # 175 leaves: two levels of dag-pb nodes (174 links per node at most).
    (b"\0" * (174 * CHUNK_SIZE + 1), "bafybeihqwzd3o6q6v3pmwhzjy22vokhr767burokmqemg63hptx2nqd7ym"),
]


@pytest.mark.parametrize(("data", "cid"), KNOWN, ids=["empty", "2-chunks", "2-levels"])
def test_known_cids(data: bytes, cid: str) -> None:
    assert cid_of_bytes(data) == cid


def test_base58_and_base32_forms_compare_equal() -> None:
    b58 = "zb2rhge7ygyGV9pv2fLEEgdoASbLAjEbdtKhFt1qeymNFb1q1"  # js-ipfs prints this
    assert normalize_cid(b58) == cid_of_bytes(b"hello world x")
    assert normalize_cid(normalize_cid(b58).upper()) == normalize_cid(b58)
    with pytest.raises(CidError):
        parse_cid("m" + "A" * 10)


def test_unixfs_kind_checks_the_block_hash() -> None:
    with pytest.raises(CidError, match="does not match"):
        unixfs_kind(cid_of_bytes(b"abc"), b"abd")
    assert unixfs_kind(cid_of_bytes(b"abc"), b"abc") == "file"


@pytest.mark.ipfs
def test_the_node_agrees_on_every_shape(ipfs_client: Any) -> None:
    rnd = random.Random(3)
    for size in (0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 5):
        data = rnd.randbytes(size)
        added = ipfs_client.add(io.BytesIO(data), pin=False, cid_version=1, raw_leaves=True,
                                opts=IMPORT_OPTS)
        assert normalize_cid(added["Hash"]) == cid_of_bytes(data), size
