"""Compute, locally, the CID an IPFS node gives a file under the runtime's import settings.

The runtime always adds files with the same explicit settings (`IMPORT_OPTS`): CIDv1,
raw leaves, fixed 256 KiB chunks, sha2-256, balanced layout with at most 174 links per
node (the default of both kubo and js-ipfs). Under those settings the CID is a pure
function of the bytes, so it is computed here without a node:

- a file of at most one chunk (including the empty file) is a single raw block:
  CIDv1, codec raw (0x55), multihash sha2-256 of the bytes;
- a larger file is a balanced tree of dag-pb (0x70) nodes holding UnixFS `File` data
  (`filesize`, one `blocksizes` entry per child) over raw leaves.

Why compute locally instead of asking the node (`add --only-hash`): the publish path
checks that the node stored exactly the bytes the runtime read (the CID the node returns
must equal the one computed while streaming), and the restore path verifies content
fetched from the network without trusting the network. A CID made with other settings
(CIDv0, other chunker) cannot be reproduced here; restore refuses it as unverifiable.
"""

from __future__ import annotations

import base64
import hashlib
from typing import BinaryIO

from storage_runtime._os_calls import io_open as _io_open

CHUNK_SIZE = 262144
MAX_LINKS = 174
_RAW = 0x55
_DAG_PB = 0x70
_SHA256 = 0x12

#: Options passed to the RPC `add` call (besides cid_version=1, raw_leaves=True).
IMPORT_OPTS: dict[str, str] = {
    "hash": "sha2-256",
    "chunker": f"size-{CHUNK_SIZE}",
    "cid-base": "base32",
}

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class CidError(ValueError):
    """A CID string could not be parsed."""


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _cid_bytes(codec: int, block: bytes | bytearray | memoryview) -> bytes:
    return b"\x01" + _varint(codec) + bytes((_SHA256, 32)) + hashlib.sha256(block).digest()


def cid_to_str(cid: bytes) -> str:
    """Textual form: base32 lower case with the multibase prefix `b` (CIDv1 only)."""
    return "b" + base64.b32encode(cid).decode("ascii").lower().rstrip("=")


def _b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        idx = _B58.find(ch)
        if idx < 0:
            raise CidError(f"invalid base58 character {ch!r}")
        n = n * 58 + idx
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\x00" * pad + raw


def parse_cid(text: str) -> bytes:
    """Binary form of a CIDv1 written in base32 (`b...`) or base58btc (`z...`).

    Nodes differ in the base they print CIDv1 in (kubo: base32, js-ipfs: base58btc),
    so CIDs are compared in binary form. CIDv0 (`Qm...`) is returned as its multihash.
    """
    text = text.strip()
    if not text:
        raise CidError("empty CID")
    if text.startswith("Qm") and len(text) == 46:
        return _b58decode(text)
    prefix, body = text[0], text[1:]
    try:
        if prefix in "bB":
            body = body.upper()
            return base64.b32decode(body + "=" * (-len(body) % 8))
        if prefix == "z":
            return _b58decode(body)
    except (ValueError, TypeError) as exc:
        raise CidError(f"cannot decode CID {text!r}: {exc}") from exc
    raise CidError(f"unsupported multibase prefix in CID {text!r}")


def normalize_cid(text: str) -> str:
    """The canonical base32 text of any CIDv1 string (for the index and comparisons)."""
    raw = parse_cid(text)
    if not raw.startswith(b"\x01"):
        raise CidError(f"not a CIDv1: {text!r}")
    return cid_to_str(raw)


def _field_bytes(field: int, data: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _field_varint(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


class _Node:
    __slots__ = ("cid", "filesize", "tsize")

    def __init__(self, cid: bytes, filesize: int, tsize: int) -> None:
        self.cid = cid
        self.filesize = filesize  # bytes of file content below this node
        self.tsize = tsize  # cumulative serialized size (what a parent link records)


def _parent(children: list[_Node]) -> _Node:
    # UnixFS Data: Type=File(2), filesize, blocksizes (proto2 repeated: not packed).
    filesize = sum(c.filesize for c in children)
    unixfs = _field_varint(1, 2) + _field_varint(3, filesize)
    unixfs += b"".join(_field_varint(4, c.filesize) for c in children)
    # dag-pb canonical order: Links (field 2) first, then Data (field 1).
    body = bytearray()
    for c in children:
        link = _field_bytes(1, c.cid) + _field_bytes(2, b"") + _field_varint(3, c.tsize)
        body += _field_bytes(2, link)
    body += _field_bytes(1, unixfs)
    block = bytes(body)
    return _Node(_cid_bytes(_DAG_PB, block), filesize, len(block) + sum(c.tsize for c in children))


class CidBuilder:
    """Feed bytes in any pieces; `finish()` gives the file's CID (binary)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._leaves: list[_Node] = []
        self.size = 0

    def update(self, data: bytes) -> None:
        self.size += len(data)
        view = memoryview(data)
        if self._buf:
            need = CHUNK_SIZE - len(self._buf)
            self._buf += view[:need]
            view = view[need:]
            if len(self._buf) < CHUNK_SIZE:
                return
            self._leaf(self._buf)
            self._buf = bytearray()
        while len(view) >= CHUNK_SIZE:
            self._leaf(view[:CHUNK_SIZE])
            view = view[CHUNK_SIZE:]
        self._buf += view

    def _leaf(self, chunk: bytes | bytearray | memoryview) -> None:
        self._leaves.append(_Node(_cid_bytes(_RAW, chunk), len(chunk), len(chunk)))

    def finish(self) -> bytes:
        if self._buf or not self._leaves:
            self._leaf(bytes(self._buf))
            self._buf = bytearray()
        level = self._leaves
        if len(level) == 1:
            return level[0].cid
        while len(level) > 1:
            level = [_parent(level[i : i + MAX_LINKS]) for i in range(0, len(level), MAX_LINKS)]
        return level[0].cid


def cid_of_bytes(data: bytes) -> str:
    """The base32 CID of `data` under `IMPORT_OPTS`."""
    builder = CidBuilder()
    builder.update(data)
    return cid_to_str(builder.finish())


def cid_of_stream(stream: BinaryIO, bufsize: int = 1 << 20) -> tuple[str, int]:
    """The base32 CID and size of everything left in `stream`."""
    builder = CidBuilder()
    while chunk := stream.read(bufsize):
        builder.update(chunk)
    return cid_to_str(builder.finish()), builder.size


def cid_of_file(path: str) -> tuple[str, int]:
    """The base32 CID and size of the file at `path`."""
    # io.open bound at import: never the runtime's, nor a program's patched builtins.open
    # (a `mock_open` would hand back its own data, an audit wrapper would record the read)
    with _io_open(path, "rb", buffering=0) as f:
        return cid_of_stream(f)  # type: ignore[arg-type]


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise CidError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        wire = key & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
            out.append((key >> 3, value))
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            if pos + length > len(data):
                raise CidError("truncated field")
            out.append((key >> 3, data[pos : pos + length]))
            pos += length
        else:
            raise CidError(f"unexpected protobuf wire type {wire}")
    return out


#: UnixFS node types (the `Type` field of a dag-pb node's Data).
UNIXFS_TYPES = {0: "raw", 1: "directory", 2: "file", 3: "metadata", 4: "symlink", 5: "hamt"}


def codec_of(cid: str) -> int:
    """The multicodec of a CIDv1 (0x55 raw, 0x70 dag-pb, ...)."""
    return _read_varint(parse_cid(cid), 1)[0]


def unixfs_kind(cid: str, block: bytes) -> str:
    """The UnixFS type ("file", "symlink", "directory", ...) of the dag-pb `block` of
    `cid`, after checking that the block hashes to the CID. Raw blocks are "file"."""
    raw = parse_cid(cid)
    codec, pos = _read_varint(raw, 1)
    if raw[pos : pos + 2] != bytes((_SHA256, 32)) or raw[pos + 2 :] != hashlib.sha256(block).digest():
        raise CidError(f"block does not match {cid}")
    if codec == _RAW:
        return "file"
    if codec != _DAG_PB:
        raise CidError(f"unsupported codec 0x{codec:x} in {cid}")
    for number, value in _fields(block):
        if number == 1 and isinstance(value, bytes):
            for inner, kind in _fields(value):
                if inner == 1 and isinstance(kind, int):
                    return UNIXFS_TYPES.get(kind, f"unknown({kind})")
    return "unknown"
