#!/usr/bin/env python3
"""The PyTorch peer of bench_train: the same network, the same training step
and the same one-shot measurements, printed as the same JSON lines.

    python3 benchmarks/peers/torch_koch.py [--preset koch105|koch35] [--batch N]
                                           [--threads T] [--steps S]
                                           [--device cpu|cuda] [--tf32 on|off]

Same work as bench_train: both twins run as one batch of 2N through the
tower, weighted-L1 head with bias, BCE on logits, SGD with momentum 0.9 and
L2 1e-4; embedding in batches of 40; one 20-way run (20 queries x 20
support) with cached embeddings against its 400 pairs scored one by one.
Exits 0 with a message on stderr when torch is not installed (or, with
--device cuda, when it sees no GPU), so that a script running both can go
on without it. On a GPU every timing ends with torch.cuda.synchronize();
--tf32 on lets cuDNN and cuBLAS use TF32 for fp32 convolutions and
products (off, the default, is the fp32 our backends compute).
"""
import argparse
import json
import resource
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError:
    print("torch_koch.py: skipped, PyTorch is not installed (Debian: python3-torch)", file=sys.stderr)
    sys.exit(0)

PRESETS = {
    # (input size, tower layers, embedding size); the same lists as core/engine/net.c
    "koch105": (105, [("conv", 64, 10), ("pool",), ("conv", 128, 7), ("pool",),
                      ("conv", 128, 4), ("pool",), ("conv", 256, 4)], 4096),
    "koch35": (35, [("conv", 64, 5), ("pool",), ("conv", 128, 5), ("pool",),
                    ("conv", 128, 3)], 1024),
}


def tower(preset):
    size, layers, embed = PRESETS[preset]
    mods, c, s = [], 1, size
    for layer in layers:
        if layer[0] == "conv":
            mods += [nn.Conv2d(c, layer[1], layer[2]), nn.ReLU()]
            c, s = layer[1], s - layer[2] + 1
        else:
            mods.append(nn.MaxPool2d(2))
            s //= 2
    mods += [nn.Flatten(), nn.Linear(c * s * s, embed), nn.Sigmoid()]
    return nn.Sequential(*mods), size, embed


class Siamese(nn.Module):
    def __init__(self, preset):
        super().__init__()
        self.tower, self.size, self.embed = tower(preset)
        self.head = nn.Linear(self.embed, 1)

    def forward(self, images):  # images: (2N, 1, H, W), twins interleaved by halves
        h = self.tower(images)
        n = h.shape[0] // 2
        return self.head(torch.abs(h[:n] - h[n:])).squeeze(1)


def sync(args):
    if args.device == "cuda":
        torch.cuda.synchronize()


def emit(args, metric, value, batch=None):
    dev = args.device if args.device == "cpu" else "cuda, tf32 " + args.tf32
    print(json.dumps({"bench": "train", "backend": "pytorch", "device": dev,
                      "preset": args.preset, "batch": batch if batch is not None else args.batch,
                      "threads": args.threads, "metric": metric, "value": round(value, 6)}),
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="koch105", choices=sorted(PRESETS))
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--tf32", default="off", choices=["on", "off"])
    args = ap.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("torch_koch.py: skipped, PyTorch sees no CUDA device", file=sys.stderr)
        sys.exit(0)
    if args.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = args.tf32 == "on"
        torch.backends.cudnn.allow_tf32 = args.tf32 == "on"
        torch.backends.cudnn.benchmark = True
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    print(json.dumps({"bench": "versions", "backend": "pytorch", "torch": torch.__version__,
                      "mkldnn": torch.backends.mkldnn.is_available(),
                      "gpu": torch.cuda.get_device_name(0) if args.device == "cuda" else None,
                      "config": torch.__config__.show().splitlines()[1:4]}), flush=True)
    dev = torch.device(args.device)
    net = Siamese(args.preset).to(dev)
    s = net.size
    g = torch.Generator().manual_seed(1)
    n_img = max(2 * args.batch, 40)
    images = (torch.rand(n_img, 1, s, s, generator=g) < 0.1).float().to(dev)
    labels = (torch.arange(args.batch) % 2).float().to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-4)
    loss_fn = nn.BCEWithLogitsLoss()
    batch = images[:2 * args.batch]

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(batch), labels)
        loss.backward()
        opt.step()

    step()  # warm-up: first-call costs (and cuDNN's algorithm search)
    step()
    sync(args)
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync(args)
    emit(args, "pairs_per_s", args.steps * args.batch / (time.perf_counter() - t0))
    emit(args, "peak_rss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)

    net.eval()
    with torch.no_grad():
        net.tower(images[:40])
        reps = 3
        sync(args)
        t0 = time.perf_counter()
        for _ in range(reps):
            net.tower(images[:40])
        sync(args)
        emit(args, "images_per_s", 40 * reps / (time.perf_counter() - t0), 40)

        alpha, bias = net.head.weight[0], net.head.bias[0]
        pair = torch.empty(2, 1, s, s, device=dev)
        pair[0], pair[1] = images[0], images[20]
        net(pair)  # warm-up
        t0 = time.perf_counter()
        h = net.tower(images[:40])
        q, sup = h[:20], h[20:40]
        scores = (torch.abs(q[:, None, :] - sup[None, :, :]) * alpha).sum(-1) + bias
        sync(args)
        cached = time.perf_counter() - t0
        t0 = time.perf_counter()
        naive = torch.empty(20, 20, device=dev)
        for i in range(20):
            for j in range(20):
                pair[0], pair[1] = images[i], images[20 + j]
                naive[i, j] = net(pair)[0]
        sync(args)
        naive_s = time.perf_counter() - t0
        tol = 1e-2 if args.tf32 == "on" else 1e-3  # TF32 keeps 10 mantissa bits
        if not torch.allclose(scores, naive, rtol=tol, atol=tol):
            print("torch_koch.py: cached and naive scores disagree", file=sys.stderr)
            sys.exit(1)
    emit(args, "trial_cached_s", cached, 20)
    emit(args, "trial_naive_s", naive_s, 20)
    emit(args, "trial_naive_over_cached", naive_s / cached, 20)


if __name__ == "__main__":
    main()
