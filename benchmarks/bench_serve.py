"""Throughput and latency of `siamese serve` (issue 20): starts the server on
a model, sends N verify requests (two PNGs as base64 JSON) from C concurrent
clients on 127.0.0.1, and prints one JSON line.

    python3 benchmarks/bench_serve.py SIAMESE MODEL IMAGE_A IMAGE_B \
        [--backend blas] [--requests 2000] [--clients 8] [--batch 32] [--threads 0]

A model's weights do not change its speed: `siamese train --preset koch35
--steps 1 --out k35.safetensors` gives a koch35 to measure. The clients run
on the same machine and take CPU from the server; say so with the figures.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "serve"))
from serve_client import Server, load, percentile, post_json, read, request  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("program")
    ap.add_argument("model")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--backend", default="blas")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=0)
    o = ap.parse_args()
    srv = Server(o.program, "--model", o.model, "--backend", o.backend, "--batch", str(o.batch),
                 "--threads", str(o.threads), "--max-clients", str(4 * o.clients))
    try:
        a, b = read(o.a), read(o.b)
        post_json(srv.port, "/verify", {"a": a, "b": b})  # warm-up
        lat, fails, wall = load(srv.port, lambda i: post_json(srv.port, "/verify",
                                                              {"a": a, "b": b}),
                                o.requests, o.clients)
        st, health = request(srv.port, "GET", "/health")
        _, metrics = request(srv.port, "GET", "/metrics")
    finally:
        srv.stop()
    batches = images = 0
    for line in metrics.splitlines():
        if line.startswith("siamese_batch_images_count"):
            batches = int(line.split()[-1])
        elif line.startswith("siamese_batch_images_sum"):
            images = int(line.split()[-1])
    print(json.dumps({
        "bench": "serve_verify", "model": os.path.basename(o.model), "input": health["input"],
        "backend": health["backend"], "threads": o.threads, "batch": o.batch,
        "requests": o.requests, "clients": o.clients, "failed": len(fails),
        "requests_per_s": round(o.requests / wall, 1),
        "p50_ms": round(1e3 * percentile(lat, 50), 2), "p99_ms": round(1e3 * percentile(lat, 99), 2),
        "images_per_backend_batch": round(images / batches, 2) if batches else None,
    }))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
