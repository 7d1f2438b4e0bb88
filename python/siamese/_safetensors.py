"""Reading and writing the safetensors files `siamese train` writes, in pure
Python: an 8-byte little-endian header length, a JSON header (tensors and
string metadata), then the raw little-endian data."""
import json
import os
import struct
import tempfile

import numpy as np

_MAX_HEADER = 64 << 20  # as the C reader (SIAM_ST_MAX_HEADER)


def read(path):
    """(tensors: name -> float32 numpy array, metadata: dict of str)."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError("%s: not a safetensors file (shorter than 8 bytes)" % path)
        n = struct.unpack("<Q", raw)[0]
        if n > _MAX_HEADER:
            raise ValueError("%s: header of %d bytes, over the limit" % (path, n))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, t in header.items():
        if t.get("dtype") != "F32":
            raise ValueError("%s: tensor %s is %s, expected F32" % (path, name, t.get("dtype")))
        begin, end = t["data_offsets"]
        shape = tuple(t["shape"])
        a = np.frombuffer(data[begin:end], dtype="<f4")
        if a.size != int(np.prod(shape)):
            raise ValueError("%s: tensor %s holds %d values, shape %s" % (path, name, a.size, shape))
        tensors[name] = a.reshape(shape).astype(np.float32)
    return tensors, {str(k): str(v) for k, v in meta.items()}


def write(path, tensors, metadata):
    """Writes atomically: a temporary file in the same folder, then a rename,
    so a failure never leaves a half-written model in place."""
    header, offset, blobs = {}, 0, []
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(a)),
                        "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)  # data aligned to 8 bytes
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".siamese-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(h)) + h)
            for b in blobs:
                f.write(b)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
