#!/usr/bin/env python3
"""check_embed.py SIAMESE MODEL IMAGES_DIR WORK: `siamese embed` read back
in Python (registered with ctest as `embed_python`).

Writes the embeddings of every image under IMAGES_DIR as .safetensors,
.npy and .csv, reads each with numpy alone (the safetensors file by its
published layout: an 8-byte little-endian header length, a JSON header,
then the tensor bytes), checks the three agree and carry the same paths,
and that the model's own head on them, sigmoid(sum alpha |a - b| + bias)
with alpha and bias read from MODEL the same way, gives `siamese verify`'s
printed probability for several pairs (to its 4 printed digits). Also:
a bad extension and a missing image are refused and leave no file."""
import csv
import json
import os
import re
import struct
import subprocess
import sys

import numpy as np


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    tensors = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", t
        lo, hi = t["data_offsets"]
        tensors[name] = np.frombuffer(data[lo:hi], dtype="<f4").reshape(t["shape"])
    return tensors, header.get("__metadata__", {})


def run(*args):
    return subprocess.run(args, capture_output=True, text=True)


def main():
    siamese, model, images, work = sys.argv[1:5]
    fails = []
    outs = {ext: os.path.join(work, "emb." + ext) for ext in ("safetensors", "npy", "csv")}
    for ext, out in outs.items():
        r = run(siamese, "embed", "--model", model, "--backend", "cpu", "--batch", "5",
                "--out", out, images)
        if r.returncode != 0:
            sys.exit("FAIL: embed --out %s: %s" % (out, r.stderr.strip()))
    st, meta = read_safetensors(outs["safetensors"])
    e_st = st["embeddings"]
    paths = json.loads(meta["paths"])
    e_npy = np.load(outs["npy"])
    paths_npy = json.load(open(outs["npy"] + ".paths.json"))
    with open(outs["csv"], newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    paths_csv = [r[0] for r in body]
    e_csv = np.array([[float(v) for v in r[1:]] for r in body], dtype=np.float64)
    n, d = e_st.shape
    print("%d embeddings of %d values; paths %s ..." % (n, d, paths[:2]))
    if not (paths == paths_npy == paths_csv) or len(paths) != n or len(header) != d + 1:
        fails.append("paths differ between formats, or header/shape wrong")
    if not np.array_equal(e_st, e_npy):
        fails.append("safetensors and npy embeddings differ")
    if np.max(np.abs(e_csv - e_st)) > 1e-6 * max(1.0, float(np.max(np.abs(e_st)))):
        fails.append("csv embeddings differ from safetensors by %g" % np.max(np.abs(e_csv - e_st)))

    w, _ = read_safetensors(model)
    alpha, bias = w["head.alpha"].reshape(-1), float(w["head.bias"].reshape(-1)[0])
    pairs = [(0, 1), (0, n - 1), (2, 3), (n // 2, n // 2 + 1), (1, n - 2)]
    for i, j in pairs:
        logit = float(np.sum(alpha.astype(np.float64) * np.abs(e_st[i].astype(np.float64) -
                                                               e_st[j].astype(np.float64)))) + bias
        mine = 1.0 / (1.0 + np.exp(-logit))
        r = run(siamese, "verify", "--model", model, "--backend", "cpu", paths[i], paths[j])
        printed = float(re.search(r"p\(same\) = ([0-9.]+)", r.stdout).group(1))
        if abs(mine - printed) > 0.5e-4 + 1e-6:
            fails.append("pair %d,%d: numpy %.6f, verify %.4f" % (i, j, mine, printed))
        else:
            print("pair %d,%d: numpy %.6f, verify %.4f" % (i, j, mine, printed))

    bad = os.path.join(work, "emb.txt")
    r = run(siamese, "embed", "--model", model, "--backend", "cpu", "--out", bad, images)
    if r.returncode != 2 or "name a .safetensors, .npy or .csv file" not in r.stderr or os.path.exists(bad):
        fails.append("a .txt output: exit %d %s" % (r.returncode, r.stderr.strip()))
    gone = os.path.join(work, "gone.csv")
    r = run(siamese, "embed", "--model", model, "--backend", "cpu", "--out", gone,
            paths[0], os.path.join(work, "missing.png"))
    if r.returncode != 1 or "missing.png" not in r.stderr or os.path.exists(gone):
        fails.append("a missing image: exit %d %s" % (r.returncode, r.stderr.strip()))
    for f in fails:
        print("FAIL: " + f)
    if not fails:
        print("embeddings agree across formats and with siamese verify")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
