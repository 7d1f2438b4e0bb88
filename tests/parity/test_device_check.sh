#!/usr/bin/env bash
# The device check end to end on this machine's OpenCL (PoCL), small sizes:
# scripts/device-prepare.sh from this build (no package download), then
# scripts/device-check.sh with DEVICE_CHECK_SMOKE=1 from the prepared
# folder alone. Every step must pass and the summary must hold the steps,
# the speed row and the verdicts.
#   test_device_check.sh BUILD_DIR
set -u
build=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
DEVICE_PREPARE_PACKAGES=0 DEVICE_PREPARE_BUILD=$build bash "$root/scripts/device-prepare.sh" "$tmp/prep" ||
  fail "device-prepare.sh failed"
OUT=$tmp/out DEVICE_CHECK_SMOKE=1 bash "$root/scripts/device-check.sh" "$tmp/prep" >"$tmp/stdout" 2>&1 ||
  { cat "$tmp/stdout" "$tmp/out/steps.log" 2>/dev/null | tail -40; fail "device-check.sh failed"; }
sum=$tmp/out/summary.md
for want in "| test_opencl | 0 |" "| parity_test | 0 |" "| eval_small35 | 0 |" "| koch35 | 16 |" \
            "| tune_tiny | 0 |" "| koch35 (tuned) | 16 |" "; AGREE" "SAME ACCURACY" "accuracy "; do
  grep -Fq -- "$want" "$sum" || { cat "$sum"; fail "summary lacks '$want'"; }
done
grep -Eq "parity test: [0-9]+ cases ran, 0 failed" "$sum" || { cat "$sum"; fail "no parity test verdict"; }
grep -Eq "^    (stored |nothing stored: )" "$sum" || { cat "$sum"; fail "no tune verdict"; }
bad=$(grep '"status"' "$tmp/out/check.jsonl" | grep -v '"status":0,' || true)
[ -z "$bad" ] || fail "steps not passed: $bad"
echo "ok: device check smoke run, $(grep -c '"status"' "$tmp/out/check.jsonl") steps"
