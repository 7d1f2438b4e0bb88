"""Data-parallel training over MPI (issue 23), measured here and modelled
for larger runs; prints one JSON object per line.

    python3 benchmarks/bench_mpi.py SIAMESE OMNIGLOT [--preset koch35] [--backend blas]
                                    [--steps 60] [--batch 128]

Measured, side by side in one run on this machine: pairs/s and the
all-reduce time per step for 1 rank x 2 threads and 2 ranks x 1 thread
(`siamese train --json`). Modelled: the bytes a koch105 step reduces (its
parameter count from a one-step model, as float32) and, for a ring
all-reduce (each rank sends and receives 2 (N-1)/N of the buffer) over 25
and 100 Gb/s links, the reduce time and the step time at which it hides
behind the backward pass (taken as 2/3 of a step, as in the op profile).
Run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def train(cli, data, ranks, threads, a, out):
    cmd = [cli, "train", "--data", data, "--preset", a.preset, "--backend", a.backend,
           "--steps", str(a.steps), "--batch", str(a.batch), "--threads", str(threads),
           "--epoch-pairs", str(a.steps * a.batch * 4), "--val-trials", "20", "--json",
           "--out", out]
    if ranks > 1:
        cmd = ["mpirun", "--oversubscribe", "-np", str(ranks)] + cmd
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(v, None)
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("siamese")
    p.add_argument("omniglot")
    p.add_argument("--preset", default="koch35")
    p.add_argument("--backend", default="blas")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--batch", type=int, default=128)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        for ranks, threads in ((1, 2), (2, 1), (1, 2), (2, 1)):
            r = train(a.siamese, a.omniglot, ranks, threads, a, os.path.join(d, "m.safetensors"))
            print(json.dumps({"bench": "mpi_train", "preset": a.preset, "backend": a.backend,
                              "batch": a.batch, "steps": r["steps"], "ranks": ranks,
                              "threads_per_rank": threads, "pairs_per_s": r["pairs_per_s"],
                              "reduce_ms_per_step": 1000 * r["reduce_s_per_step"]}), flush=True)
        a105 = argparse.Namespace(preset="koch105", backend=a.backend, steps=1, batch=2)
        train(a.siamese, a.omniglot, 1, 2, a105, os.path.join(d, "k105.safetensors"))
        info = json.loads(subprocess.run([a.siamese, "info", "--json",
                                          os.path.join(d, "k105.safetensors")],
                                         capture_output=True, text=True, check=True).stdout)
    nbytes = 4 * info["params"]
    for gbps in (25, 100):
        for ranks in (2, 8, 64):
            reduce_s = 2 * (ranks - 1) / ranks * nbytes / (gbps * 1e9 / 8)
            print(json.dumps({"bench": "mpi_model", "preset": "koch105", "params": info["params"],
                              "bytes_per_step": nbytes, "link_gbps": gbps, "ranks": ranks,
                              "ring_reduce_ms": round(1000 * reduce_s, 2),
                              "hidden_from_step_ms": round(1000 * reduce_s * 1.5, 2)}))


if __name__ == "__main__":
    sys.exit(main())
