"""Reading IDX files, the format of MNIST, Fashion-MNIST and their relatives.

An IDX file is a header followed by raw array data:

- two zero bytes;
- one byte giving the element type (0x08 unsigned byte, 0x09 signed byte,
  0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64);
- one byte giving the number of dimensions, ``ndim``;
- ``ndim`` sizes, each a big-endian unsigned 32-bit integer;
- the elements, big-endian, in C order.

Files may be gzip-compressed; that is detected from their first bytes, not from
their name.
"""

import gzip
import os
import struct
import zlib

import numpy as np

# IDX type code -> NumPy dtype (big-endian where it matters).
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path):
    """Returns the (decompressed) content of `path`, raising ValueError if bad gzip."""
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as e:
        raise ValueError(
            f"IDX file {path!r} is not a valid gzip stream (truncated or corrupted): {e}"
        ) from e


def read_idx(path):
    """Reads one IDX file (gzipped or not) into a NumPy array.

    Args:
        path: Path of the file, as a string or `os.PathLike`.

    Returns:
        A NumPy array with the file's shape, in native byte order (uint8 for the
        usual image and label files).

    Raises:
        ValueError: If the file is not a complete, well-formed IDX file: bad magic
            number, unknown type code, truncated header or data, or trailing bytes.
            The message names the file and what is wrong.

    Example:
        >>> import os, struct, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny-idx1-ubyte")
        >>> with open(path, "wb") as f:
        ...     _ = f.write(struct.pack(">BBBBI", 0, 0, 0x08, 1, 3) + bytes([7, 8, 9]))
        >>> read_idx(path).tolist()
        [7, 8, 9]
    """
    path = os.fspath(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(
            f"IDX file {path!r} is truncated: it has {len(data)} bytes, fewer than "
            "the 4-byte magic number"
        )
    zero0, zero1, type_code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0:
        raise ValueError(
            f"IDX file {path!r} has a bad magic number 0x{data[:4].hex()}; expected "
            "two zero bytes, a type code and the number of dimensions "
            "(e.g. 0x00000803 for uint8 images)"
        )
    if type_code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in sorted(_IDX_DTYPES))
        raise ValueError(
            f"IDX file {path!r} has unknown type code 0x{type_code:02X}; "
            f"expected one of {known}"
        )
    if ndim == 0:
        raise ValueError(f"IDX file {path!r} declares 0 dimensions; expected at least 1")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise ValueError(
            f"IDX file {path!r} is truncated: its header declares {ndim} dimensions "
            f"({header_len} header bytes) but the file has only {len(data)} bytes"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_len])
    dtype = _IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header_len
    if found < expected:
        raise ValueError(
            f"IDX file {path!r} is truncated: shape {tuple(shape)} of {dtype.name} "
            f"needs {expected} data bytes after the header, found {found}"
        )
    if found > expected:
        raise ValueError(
            f"IDX file {path!r} is corrupted: shape {tuple(shape)} of {dtype.name} "
            f"needs {expected} data bytes after the header, found {found} "
            f"({found - expected} trailing bytes)"
        )
    array = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize,
                          offset=header_len)
    return array.reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def write_idx(path, array):
    """Writes a NumPy array as an IDX file, gzipped if `path` ends in ``.gz``.

    Args:
        path: Destination path, as a string or `os.PathLike`.
        array: Array of one of the IDX types (uint8, int8, int16, int32, float32,
            float64) with at least one dimension.

    Returns:
        The path written, as a string.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "x-idx1-ubyte.gz")
        >>> _ = write_idx(path, np.arange(4, dtype=np.uint8))
        >>> read_idx(path).tolist()
        [0, 1, 2, 3]
    """
    path = os.fspath(path)
    array = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in _IDX_DTYPES.items()}
    dtype = array.dtype.newbyteorder("=")
    if dtype not in codes:
        names = ", ".join(dt.name for dt in codes)
        raise ValueError(f"array has dtype {array.dtype}; expected one of {names}")
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"array has {array.ndim} dimensions; expected 1 to 255")
    code = codes[dtype]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + np.ascontiguousarray(array, dtype=_IDX_DTYPES[code]).tobytes()
    if path.endswith(".gz"):
        payload = gzip.compress(payload, compresslevel=6)
    with open(path, "wb") as f:
        f.write(payload)
    return path
