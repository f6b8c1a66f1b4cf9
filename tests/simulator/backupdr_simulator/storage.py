# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sparse in-memory block storage shared by the simulated services.

A volume is a dict ``block index -> bytes`` with 1 MiB blocks.  Stored blocks
never end with zero bytes (they are right-stripped) and all-zero blocks are
not stored at all, so a multi-GB drive that holds a few headers costs a few
bytes, and reading an unwritten area returns zeros.
"""

import zlib

BLOCK_SIZE = 1024 * 1024
ZERO_BLOCK = bytes(BLOCK_SIZE)


class StorageFull(Exception):
    """Raised when converted content does not fit into the target."""


class StorageCorrupt(Exception):
    """Raised when content cannot be decompressed."""


def read(blocks, offset, length):
    """Return ``length`` bytes starting at ``offset`` (zeros where nothing was written)."""
    out = bytearray(length)
    pos = offset
    end = offset + length
    while pos < end:
        index, block_offset = divmod(pos, BLOCK_SIZE)
        count = min(BLOCK_SIZE - block_offset, end - pos)
        block = blocks.get(index)
        if block and block_offset < len(block):
            piece = block[block_offset:block_offset + count]
            out[pos - offset:pos - offset + len(piece)] = piece
        pos += count
    return bytes(out)


def write(blocks, offset, data):
    """Write ``data`` at ``offset``."""
    view = memoryview(data)
    done = 0
    while done < len(data):
        index, block_offset = divmod(offset + done, BLOCK_SIZE)
        count = min(BLOCK_SIZE - block_offset, len(data) - done)
        old = blocks.get(index, b'')
        if block_offset == 0 and count >= len(old):
            new = bytes(view[done:done + count])
        else:
            merged = bytearray(max(len(old), block_offset + count))
            merged[:len(old)] = old
            merged[block_offset:block_offset + count] = view[done:done + count]
            new = bytes(merged)
        _store(blocks, index, new)
        done += count


def _store(blocks, index, data):
    data = data.rstrip(b'\0')
    if data:
        blocks[index] = data
    else:
        blocks.pop(index, None)


def content_length(blocks):
    """Offset just past the last non-zero byte."""
    if not blocks:
        return 0
    last = max(blocks)
    return last * BLOCK_SIZE + len(blocks[last])


def iter_blocks(blocks, end):
    """Yield the content from offset 0 to ``end`` in chunks of at most one block."""
    index = 0
    pos = 0
    while pos < end:
        count = min(BLOCK_SIZE, end - pos)
        block = blocks.get(index, b'')
        if len(block) >= count:
            yield block[:count]
        elif not block:
            yield ZERO_BLOCK[:count]
        else:
            yield block + ZERO_BLOCK[:count - len(block)]
        index += 1
        pos += count


class BlockWriter:
    """Collects a byte stream into sparse blocks, refusing to grow past ``limit`` bytes."""

    def __init__(self, limit):
        self.limit = limit
        self.blocks = {}
        self.length = 0
        self._buffer = bytearray()

    def feed(self, data):
        """Append data to the stream."""
        if not data:
            return
        if self.length + len(data) > self.limit:
            raise StorageFull('content of %d+ bytes does not fit into %d bytes' % (self.length + len(data), self.limit))
        self.length += len(data)
        self._buffer += data
        while len(self._buffer) >= BLOCK_SIZE:
            index = (self.length - len(self._buffer)) // BLOCK_SIZE
            _store(self.blocks, index, bytes(self._buffer[:BLOCK_SIZE]))
            del self._buffer[:BLOCK_SIZE]

    def close(self):
        """Flush the last partial block and return the blocks."""
        if self._buffer:
            index = (self.length - len(self._buffer)) // BLOCK_SIZE
            _store(self.blocks, index, bytes(self._buffer))
            self._buffer = bytearray()
        return self.blocks


def gzip_blocks(blocks, limit):
    """gzip the content up to its last non-zero byte; return the resulting blocks."""
    writer = BlockWriter(limit)
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    for chunk in iter_blocks(blocks, content_length(blocks)):
        writer.feed(compressor.compress(chunk))
    writer.feed(compressor.flush())
    return writer.close()


def gunzip_blocks(blocks, size, limit):
    """gunzip the gzip stream(s) at the start of a volume of ``size`` bytes; trailing zeros are ignored."""
    writer = BlockWriter(limit)
    end = min(size, content_length(blocks) + BLOCK_SIZE)
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    started = False
    try:
        for data in iter_blocks(blocks, end):
            while data:
                if decompressor.eof:
                    if not data.startswith(b'\x1f\x8b'):
                        return writer.close()  # zeros or garbage after the last gzip member
                    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
                started = True
                writer.feed(decompressor.decompress(data, writer.limit - writer.length + 1))
                data = decompressor.unused_data if decompressor.eof else decompressor.unconsumed_tail
    except zlib.error as exc:
        raise StorageCorrupt('source is not valid gzip data: %s' % exc) from exc
    if not started or not decompressor.eof:
        raise StorageCorrupt('source does not hold a complete gzip stream')
    return writer.close()
