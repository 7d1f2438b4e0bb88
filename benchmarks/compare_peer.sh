#!/usr/bin/env bash
# Ours against the PyTorch peer, side by side in one run, and the ratios.
#
#   bash benchmarks/compare_peer.sh [BUILD_DIR] [PRESET] [BACKEND]
#
# Runs bench_train (default backend blas) and benchmarks/peers/torch_koch.py
# on the same preset (default koch105), 2 threads, at batch 32 and 128,
# first with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (both programs
# alike: they halve OpenBLAS on AVX-512 machines that set them), then with
# the environment as it is. Prints every JSON line, then one JSON line per
# (environment, batch) with the ratios ours/peer. Without PyTorch it prints
# ours alone and says the peer was skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
preset=${2:-koch105}
backend=${3:-blas}
steps=${STEPS:-3}
# Debian's python3-torch lives in /usr/bin/python3, which may not be the
# python3 on PATH (pyenv); take the first that imports torch.
py=${PYTHON:-}
if [ -z "$py" ]; then
  py=python3
  for cand in python3 /usr/bin/python3; do
    if "$cand" -c "import torch" 2>/dev/null; then py=$cand; break; fi
  done
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT

run_both() { # $1 = label, rest = env prefix
  local label=$1
  shift
  for batch in 32 128; do
    "$@" "$build/bin/bench_train" --backend "$backend" --preset "$preset" --batch "$batch" \
      --threads 2 --steps "$steps" | sed "s/^{/{\"env\":\"$label\",\"who\":\"ours\",/" | tee -a "$out"
    "$@" "$py" benchmarks/peers/torch_koch.py --preset "$preset" --batch "$batch" \
      --threads 2 --steps "$steps" | sed "s/^{/{\"env\":\"$label\",\"who\":\"peer\",/" | tee -a "$out"
  done
}

run_both unset env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
if [ -n "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ]; then
  run_both "as-set(OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-},OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-})" env
else
  echo "note: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are not set here; one environment measured" >&2
fi

python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
val = {}
for r in rows:
    if r.get("bench") == "train":
        val[(r["env"], r["who"], r["metric"], r["batch"])] = r["value"]
envs = sorted({k[0] for k in val})
for env in envs:
    for batch in (32, 128):
        res = {"ratios": env, "batch": batch}
        for metric, b, better in (("pairs_per_s", batch, "higher"), ("peak_rss_mb", batch, "lower"),
                                  ("images_per_s", 40, "higher")):
            o, p = val.get((env, "ours", metric, b)), val.get((env, "peer", metric, b))
            if o and p:
                res[metric + "_ours_over_peer"] = round(o / p, 3)
        o = val.get((env, "ours", "trial_naive_over_cached", 20))
        if o:
            res["ours_trial_naive_over_cached"] = round(o, 2)
        if not any(k.endswith("_over_peer") for k in res):
            res["peer"] = "skipped (no PyTorch)"
        print(json.dumps(res))
PY
