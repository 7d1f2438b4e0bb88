"""Compares two training runs for the MPI tests (tests/train/test_mpi.sh):
their logs' step losses, and optionally their final checkpoints' weights.

    check_mpi_run.py LOG_A LOG_B [FIRST_STEP] [--weights A.safetensors B.safetensors]

Fails unless every step both logs have (from FIRST_STEP on) has the same
loss within 1e-5 relative (float32 summation order: N ranks sum the batch's
gradient in another order than one), and the weights agree within 1e-5
relative (norm of the difference over norm).
"""
import json
import struct
import sys

import numpy as np


def steps(path):
    out = {}
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("type") == "step":
                out[rec["step"]] = rec["loss"]
    return out


def tensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        head = json.loads(f.read(n))
        data = f.read()
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype=np.float32)
            for k, v in head.items() if k != "__metadata__" and v["dtype"] == "F32"}


def main():
    args = sys.argv[1:]
    weights = None
    if "--weights" in args:
        i = args.index("--weights")
        weights = args[i + 1:i + 3]
        args = args[:i]
    a, b = steps(args[0]), steps(args[1])
    first = int(args[2]) if len(args) > 2 else 1
    common = sorted(s for s in a if s in b and s >= first)
    if len(common) < 5:
        sys.exit("FAIL: only %d common steps from step %d" % (len(common), first))
    worst = max(abs(a[s] - b[s]) / max(abs(a[s]), 1e-12) for s in common)
    if worst > 1e-5:
        bad = [s for s in common if abs(a[s] - b[s]) / max(abs(a[s]), 1e-12) > 1e-5][0]
        sys.exit("FAIL: step %d loss %.9g vs %.9g (largest relative difference %.3g)"
                 % (bad, a[bad], b[bad], worst))
    msg = "%d steps, largest relative loss difference %.3g" % (len(common), worst)
    if weights:
        ta, tb = tensors(weights[0]), tensors(weights[1])
        if ta.keys() != tb.keys():
            sys.exit("FAIL: the checkpoints hold different tensors")
        wa = np.concatenate([ta[k] for k in sorted(ta)]).astype(np.float64)
        wb = np.concatenate([tb[k] for k in sorted(tb)]).astype(np.float64)
        rel = np.linalg.norm(wa - wb) / np.linalg.norm(wa)
        if not rel <= 1e-5:
            sys.exit("FAIL: final weights %.3g apart (relative)" % rel)
        msg += ", final weights %.3g apart" % rel
    print(msg)


if __name__ == "__main__":
    main()
