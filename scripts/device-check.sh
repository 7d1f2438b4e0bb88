#!/usr/bin/env bash
# The device check: everything we want to know about the OpenCL backend on a
# machine with a GPU driver, in one call of at most 8 minutes. Runs from
# the folder scripts/device-prepare.sh filled, on a machine with no network
# and none of our packages: unpacks the packages into a private prefix
# (never into /), registers the vendor's OpenCL library through its own
# ICD folder (siamese backends --register-icd), then runs each step under
# its own time limit and within an overall budget, most telling first:
#   clinfo; siamese backends; test_opencl; bench_train and the PyTorch CUDA
#   peer (TF32 off, then on) for koch105 and koch35 at batch 128; siamese
#   tune on koch105's step and both benchmarks again with its set; training
#   parity of koch35 against cpu (teacher-forced and free-running); parity
#   test and parity grad; batch 512; a per-op trace of a koch105 step; a
#   one-minute koch35 training and its eval on Lake's 400 trials.
# Writes under $OUT (else ./device-out): check.jsonl (every JSON line of
# every step, tagged with the step, and one status line per step),
# steps.log (every step's output) and summary.md (scripts/device-summary.py).
#
#   scripts/device-check.sh [DIR]     (DIR from device-prepare.sh; default .device)
#
# DEVICE_CHECK_SMOKE=1: small sizes, for PoCL here (ctest device_check_smoke).
# DEVICE_CHECK_BUDGET: seconds for all steps (default 450; smoke 170).
# Exits 1 when a step failed or ran out of time, 0 otherwise.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(cd "${1:-$root/.device}" && pwd) || exit 1
out=${OUT:-$PWD/device-out}
smoke=${DEVICE_CHECK_SMOKE:-0}
if [ "$smoke" = 1 ]; then budget=${DEVICE_CHECK_BUDGET:-170}; else budget=${DEVICE_CHECK_BUDGET:-450}; fi
mkdir -p "$out"
jsonl=$out/check.jsonl log=$out/steps.log
: >"$jsonl"
: >"$log"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
failed=0

# ---- the private prefix -----------------------------------------------------
for deb in "$dir"/debs/*.deb; do
  [ -e "$deb" ] && dpkg-deb -x "$deb" "$work/root"
done
multi=usr/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH="$work/root/$multi:$work/root/$multi/openblas-pthread:$dir/prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$dir/prefix/bin:$work/root/usr/bin:$PATH"
export SIAMESE_BACKEND_PATH="$dir/prefix/lib/siamese"
export SIAMESE_OPENCL_CACHE="$work/clcache"
mkdir -p "$work/data"
tar xzf "$dir/omniglot.tar.gz" -C "$work/data" || { echo "device-check: cannot unpack the data" >&2; exit 1; }
data=$work/data

# ---- steps ------------------------------------------------------------------
# step NAME LIMIT_S COMMAND...: runs it within min(LIMIT_S, what the budget
# has left); skipped when under 10 s are left.
step() {
  local name=$1 limit=$2
  shift 2
  local left=$((budget - ($(date +%s) - start)))
  if [ "$left" -lt 10 ]; then
    echo "{\"step\":\"$name\",\"status\":\"skipped\",\"reason\":\"budget spent\"}" >>"$jsonl"
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "==== $name (limit ${limit}s): $*" >>"$log"
  local t0 rc
  t0=$(date +%s.%N)
  timeout --kill-after=5 "$limit" "$@" >"$work/step.out" 2>&1
  rc=$?
  local secs
  secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  cat "$work/step.out" >>"$log"
  grep '^{' "$work/step.out" | sed "s/^{/{\"step\":\"$name\",/" >>"$jsonl"
  local status=$rc
  [ "$rc" = 124 ] || [ "$rc" = 137 ] && status='"timeout"'
  echo "{\"step\":\"$name\",\"status\":$status,\"seconds\":${secs:-0}}" >>"$jsonl"
  [ "$rc" = 0 ] || failed=1
}

# The vendor's library, registered when the loader does not know it.
step backends_before 30 siamese backends
step register_icd 30 siamese backends --register-icd "$work/icd"
[ -d "$work/icd" ] && export OCL_ICD_VENDORS="$work/icd"
echo "OCL_ICD_VENDORS=${OCL_ICD_VENDORS:-}" >>"$log"
step clinfo 20 clinfo -l
step backends 30 siamese backends

peer=(python3 "$root/benchmarks/peers/torch_koch.py" --device cuda --threads 8)
if [ "$smoke" = 1 ]; then
  step test_opencl 60 test_opencl
  step bench_koch35_b16 60 bench_train --backend opencl --preset koch35 --batch 16 --steps 2
  step peer_koch35_b16_fp32 60 "${peer[@]}" --preset koch35 --batch 16 --tf32 off --steps 2
  step parity_small35 120 siamese parity --backends cpu,opencl --preset small35 --steps 5 \
    --batch 8 --trials 40 --data "$data"
  step parity_test 120 parity test -b opencl
  step trace_small35 60 bench_train --backend trace:opencl --preset small35 --batch 8 --steps 1
  step train_small35 60 siamese train --backend opencl --preset small35 --steps 20 --batch 8 \
    --val-trials 20 --data "$data" --out "$work/m.safetensors"
  step eval_small35 60 siamese eval --backend opencl --model "$work/m.safetensors" --data "$data"
  step tune_tiny 60 siamese tune --backend opencl --preset tiny --batch 2
  step bench_koch35_b16_tuned 60 bench_train --backend opencl --preset koch35 --batch 16 --steps 2
else
  step test_opencl 60 test_opencl
  step bench_koch105_b128 90 bench_train --backend opencl --preset koch105 --batch 128 --steps 10
  step peer_koch105_b128_fp32 60 "${peer[@]}" --preset koch105 --batch 128 --tf32 off --steps 10
  step peer_koch105_b128_tf32 60 "${peer[@]}" --preset koch105 --batch 128 --tf32 on --steps 10
  step bench_koch35_b128 60 bench_train --backend opencl --preset koch35 --batch 128 --steps 20
  step peer_koch35_b128_fp32 60 "${peer[@]}" --preset koch35 --batch 128 --tf32 off --steps 20
  step peer_koch35_b128_tf32 60 "${peer[@]}" --preset koch35 --batch 128 --tf32 on --steps 20
  # CLBlast's database has no Hopper entry: tune on koch105's step, then
  # the same benchmarks with the stored set (if one won).
  step tune_koch105 90 siamese tune --backend opencl --preset koch105 --batch 128
  step bench_koch105_b128_tuned 90 bench_train --backend opencl --preset koch105 --batch 128 --steps 10
  step bench_koch35_b128_tuned 60 bench_train --backend opencl --preset koch35 --batch 128 --steps 20
  step parity_koch35 150 siamese parity --backends cpu,opencl --preset koch35 --steps 50 \
    --batch 32 --trials 400 --threads 16 --data "$data"
  step parity_test 90 parity test -b opencl
  step parity_grad 60 parity grad -b opencl
  step bench_koch105_b512 90 bench_train --backend opencl --preset koch105 --batch 512 --steps 4
  step peer_koch105_b512_fp32 60 "${peer[@]}" --preset koch105 --batch 512 --tf32 off --steps 4
  step bench_koch35_b512 60 bench_train --backend opencl --preset koch35 --batch 512 --steps 10
  step peer_koch35_b512_fp32 60 "${peer[@]}" --preset koch35 --batch 512 --tf32 off --steps 10
  step trace_koch105 60 bench_train --backend trace:opencl --preset koch105 --batch 128 --steps 2
  step train_koch35 90 siamese train --backend opencl --preset koch35 --all-drawers --minutes 1 \
    --data "$data" --out "$work/m.safetensors"
  step eval_koch35 60 siamese eval --backend opencl --model "$work/m.safetensors" --data "$data"
fi

python3 "$root/scripts/device-summary.py" "$jsonl" "$log" >"$out/summary.md" ||
  echo "device-check: no summary (python3 failed)" >&2
cat "$out/summary.md" 2>/dev/null
exit "$failed"
