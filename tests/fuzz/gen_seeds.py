#!/usr/bin/env python3
"""Writes the committed seed corpora under tests/fuzz/corpus/<harness>/.

Everything is synthesised here (PNGs through zlib, a safetensors model file
through json + struct), so no Omniglot file is copied into the tree. Run it
again after changing it; the output is deterministic.

    python3 tests/fuzz/gen_seeds.py
"""
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(w, h, ctype, depth, rows, plte=None, trns=None, interlace=0):
    """rows: the raw scanlines (without filter bytes) as bytes, one per row.
    Interlaced files are written with one pass-0-only image of size 1x1, the
    only case where the Adam7 layout equals the plain one."""
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace))
    if plte is not None:
        out += chunk(b"PLTE", plte)
    if trns is not None:
        out += chunk(b"tRNS", trns)
    raw = b"".join(b"\x00" + r for r in rows)
    out += chunk(b"IDAT", zlib.compress(raw, 9))
    out += chunk(b"IEND", b"")
    return out


def pack_bits(vals, depth):
    """Packs samples of depth < 8 bits into bytes, MSB first."""
    out, acc, nb = bytearray(), 0, 0
    for v in vals:
        acc = (acc << depth) | v
        nb += depth
        if nb == 8:
            out.append(acc)
            acc, nb = 0, 0
    if nb:
        out.append(acc << (8 - nb))
    return bytes(out)


def write(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tiny_grey():
    # 3x2 8-bit grey: a dark stroke on white paper.
    return png(3, 2, 0, 8, [bytes([255, 0, 255]), bytes([255, 0, 255])])


def pngs():
    write("png", "grey8_3x2.png", tiny_grey())
    write("png", "grey1_9x2.png", png(9, 2, 0, 1, [pack_bits([1, 0, 1, 1, 0, 1, 1, 1, 0], 1)] * 2))
    write("png", "grey4_3x3.png", png(3, 3, 0, 4, [pack_bits([15, 3, 15], 4)] * 3))
    write("png", "grey16_2x2.png", png(2, 2, 0, 16, [struct.pack(">HH", 65535, 0)] * 2))
    write("png", "rgb8_2x2.png", png(2, 2, 2, 8, [bytes([255, 255, 255, 10, 20, 30])] * 2))
    write("png", "rgba8_2x1.png", png(2, 1, 6, 8, [bytes([0, 0, 0, 128, 255, 0, 0, 255])]))
    write("png", "greya8_2x2.png", png(2, 2, 4, 8, [bytes([0, 255, 200, 0])] * 2))
    write("png", "pal2_4x2_trns.png",
          png(4, 2, 3, 2, [pack_bits([0, 1, 2, 1], 2)] * 2,
              plte=bytes([255, 255, 255, 0, 0, 0, 128, 128, 128]), trns=bytes([255, 0])))
    write("png", "grey8_1x1_adam7.png", png(1, 1, 0, 8, [bytes([7])], interlace=1))


def safetensors(tensors, meta):
    """tensors: [(name, shape, floats)] -> bytes, laid out as siam_st_write does."""
    header, off, blobs = {}, 0, []
    if meta:
        header["__metadata__"] = meta
    for name, shape, vals in tensors:
        blob = struct.pack("<%df" % len(vals), *vals)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(blob)]}
        off += len(blob)
        blobs.append(blob)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def safetensors_seeds():
    write("safetensors", "two_tensors.safetensors",
          safetensors([("a", [2, 2], [1.0, 2.0, 3.0, 4.0]), ("b", [3], [0.5, -0.5, 0.0])],
                      {"note": "seed"}))
    # A whole siamese model: input 1x4x4, conv:2:3 -> (2,2,2), pool -> (2,1,1),
    # linear:3 -> 3 features, head alpha (3) and bias (1).
    n = lambda k: [0.01 * (i + 1) for i in range(k)]
    write("safetensors", "model_1x4x4.safetensors",
          safetensors([("conv1.weight", [2, 1, 3, 3], n(18)), ("conv1.bias", [2], n(2)),
                       ("fc1.weight", [3, 2], n(6)), ("fc1.bias", [3], n(3)),
                       ("head.alpha", [3], n(3)), ("head.bias", [1], [0.0])],
                      {"format": "siamese", "format_version": "1", "preset": "custom",
                       "layers": "conv:2:3,relu,pool,linear:3,sigmoid", "input": "1x4x4",
                       "head_bias": "1"}))
    write("safetensors", "empty_header.safetensors", safetensors([], {}))


def class_labels_seeds():
    # The harness provides run01/{test/item01,test/item02,training/class01,
    # training/class02}.png; text after a NUL byte becomes run02's file.
    write("class_labels", "two_lines.txt",
          b"run01/test/item01.png run01/training/class01.png\n"
          b"run01/test/item02.png run01/training/class02.png\n")
    write("class_labels", "two_runs.txt",
          b"run01/test/item02.png run01/training/class01.png\n\x00"
          b"run02/test/item01.png run02/training/class01.png\n")
    write("class_labels", "dotdot.txt",
          b"run01/test/item01.png run01/training/../training/class01.png\n")
    write("class_labels", "missing_file.txt",
          b"\nrun01/test/item09.png run01/training/class01.png\n")


def class_folder_seeds():
    # Byte 0: flags (see fuzz_class_folder.c); path lines up to a blank line;
    # then the raw body used by files in "raw" mode.
    write("class_folder", "two_classes", b"\x00a/x.png\na/y.png\nb/z.png\n\n")
    write("class_folder", "omniglot", b"\x04Alpha/character01/0101_01.png\n"
                                      b"Alpha/character01/0101_02.png\n\n")
    write("class_folder", "raw_body", b"\x01c/one.png\nc/two.PNG\nc/skip.txt\n\n" + tiny_grey()[:40])


def hparams_seeds():
    write("hparams", "all_keys.txt",
          b"# per-layer settings\ndefault lr=0.1 momentum=0.9 l2=1e-4\n"
          b"conv1 lr=0.05 l2=2e-4\nfc1\tmomentum=0.95 # tail\nhead lr=0.1\n")
    write("hparams", "bad_key.txt", b"conv2 speed=3\n")
    write("hparams", "bad_number.txt", b"default lr=1e400\n")


if __name__ == "__main__":
    pngs()
    safetensors_seeds()
    class_labels_seeds()
    class_folder_seeds()
    hparams_seeds()
