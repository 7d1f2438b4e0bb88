#!/usr/bin/env python3
"""One summary of a device check (scripts/device-check.sh), as Markdown:
the steps with their status and time; training speed, ours against the
PyTorch CUDA peer (fp32, and TF32 where measured), per preset and batch;
launches and bytes per step; the parity and accuracy verdicts as printed.

    python3 scripts/device-summary.py check.jsonl steps.log
"""
import json
import re
import sys


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    lines = []
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        for raw in f:
            try:
                lines.append(json.loads(raw))
            except ValueError:
                pass  # a step's stray line that only looked like JSON
    with open(sys.argv[2], encoding="utf-8", errors="replace") as f:
        log = f.read().splitlines()

    out = ["# Device check", ""]
    device = next((l.get("device") for l in lines
                   if l.get("bench") == "versions" and l.get("backend") == "opencl"), None)
    gpu = next((l.get("gpu") for l in lines if l.get("backend") == "pytorch" and l.get("gpu")), None)
    out.append(f"opencl device: {device or 'none seen'}; PyTorch GPU: {gpu or 'none seen'}")
    out += ["", "| step | status | seconds |", "| --- | --- | --- |"]
    for l in lines:
        if "status" in l:
            out.append(f"| {l['step']} | {l['status']} | {l.get('seconds', '')} |")

    # metric value per (step, metric)
    val = {}
    for l in lines:
        if l.get("bench") == "train" and "metric" in l:
            val[(l["step"], l["metric"])] = l["value"]
    rows = []
    for (step, metric), v in sorted(val.items()):
        m = re.fullmatch(r"bench_(\w+?)_b(\d+)(_tuned)?", step)
        if not m or metric != "pairs_per_s":
            continue
        preset, batch = m.group(1), m.group(2)
        label = preset + (" (tuned)" if m.group(3) else "")
        fp32 = val.get((f"peer_{preset}_b{batch}_fp32", "pairs_per_s"))
        tf32 = val.get((f"peer_{preset}_b{batch}_tf32", "pairs_per_s"))
        ratio = lambda p: f"{v / p:.2f}x" if p else "-"
        fmt = lambda p: f"{p:,.0f}" if p else "-"
        launches = val.get((step, "launches_per_step"))
        up = val.get((step, "upload_bytes_per_step"))
        rows.append(f"| {label} | {batch} | {v:,.0f} | {fmt(fp32)} | {ratio(fp32)} | {fmt(tf32)} "
                    f"| {ratio(tf32)} | {launches if launches is not None else '-'} "
                    f"| {up / 1e6 if up is not None else 0:.2f} |")
    if rows:
        out += ["", "Training, pairs/s (ours: opencl; peer: PyTorch CUDA):", "",
                "| preset | batch | ours | peer fp32 | ours/peer | peer TF32 | ours/peer | "
                "launches/step | MB up/step |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        out += rows

    keys = ("stored ", "nothing stored", "teacher-forced cpu", "free-running cpu", "final models", "PARTED", "parity test:",
            "parity grad", "accuracy", "note:", "registered", "now: export", "Platform #")
    verdicts = [l.strip() for l in log if any(k in l for k in keys)]
    if verdicts:
        out += ["", "Verdicts and notes, as printed:", ""] + [f"    {v}" for v in verdicts]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
