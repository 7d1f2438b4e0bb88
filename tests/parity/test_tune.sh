#!/usr/bin/env bash
# siamese tune on the OpenCL device (PoCL in CI), end to end:
#   test_tune.sh BUILD_DIR PYTHON   (exit 77: skipped, no OpenCL device)
# 1. tune at a small size stores an entry or says nothing beat CLBlast's
#    database and stores nothing (either is right; the JSON says which);
# 2. with an entry in place (the tuned one, or one written here when none
#    won) `siamese backends` shows it and the GEMM ops keep their parity;
# 3. a damaged entry is refused in one line; tune on a backend without a
#    tuning step, or with the cache off, fails in one line.
set -u
build=$1 py=$2
cli=$build/bin/siamese
here=$(cd "$(dirname "$0")" && pwd)
expect() { bash "$here/../cli_expect.sh" "$@" >/dev/null || { echo "FAIL: $*"; fails=$((fails + 1)); }; }
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SIAMESE_OPENCL_CACHE=$tmp/cache
"$cli" backends --json | grep -q '"name":"opencl"[^]]*"devices":\[{' ||
  { echo "skipped: no OpenCL device"; exit 77; }

# 1.
"$cli" tune --backend opencl --preset tiny --batch 2 --json >"$tmp/tune.json" ||
  { echo "FAIL: siamese tune exits $?"; exit 1; }
read -r outcome set path < <("$py" -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["sets"][0]["name"] == "database" and r["sets"][0]["status"] == "ok", r["sets"][0]
assert len(r["sets"]) >= 9 and len(r["shapes"]) >= 5, r
res = r["result"]
assert res["outcome"] in ("stored", "none"), res
print(res["outcome"], res["set"], res["path"])' "$tmp/tune.json") || { echo "FAIL: tune JSON: $(cat "$tmp/tune.json")"; exit 1; }
echo "tune on $(grep -o '"device":"[^"]*"' "$tmp/tune.json"): $outcome ($set)"
if [ "$outcome" = stored ]; then
  [ -f "$path" ] || { echo "FAIL: tune says stored but $path is missing"; fails=$((fails + 1)); }
else
  [ -z "$(ls "$SIAMESE_OPENCL_CACHE"/*.xgemm 2>/dev/null)" ] || { echo "FAIL: nothing won, yet an entry is stored"; fails=$((fails + 1)); }
  set=cpu_64x64_v8
  mkdir -p -m 700 "$SIAMESE_OPENCL_CACHE"
  printf 'siamese-xgemm 1\ndevice %s\nset %s\n' "$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["device"])' "$tmp/tune.json")" $set >"$path"
  printf '%s\n' "GEMMK 0" "KREG 1" "KWG 32" "KWI 2" "MDIMA 8" "MDIMC 8" "MWG 64" "NDIMB 8" \
    "NDIMC 8" "NWG 64" "SA 0" "SB 0" "STRM 0" "STRN 0" "VWM 8" "VWN 1" >>"$path"
  chmod 600 "$path"
fi

# 2.
"$cli" backends | grep -q "Xgemm tuned: set $set" || { echo "FAIL: siamese backends does not show set $set"; fails=$((fails + 1)); }
"$build/bin/parity" test -b opencl -o conv2d_fwd,conv2d_bwd_data,conv2d_bwd_filter,linear_fwd,linear_bwd_data,linear_bwd_param >"$tmp/parity.txt" 2>&1 ||
  { echo "FAIL: parity with set $set:"; tail -n 20 "$tmp/parity.txt"; fails=$((fails + 1)); }
echo "with set $set: $(tail -n 1 "$tmp/parity.txt")"

# 3.
printf 'siamese-xgemm 1\ndevice other\n' >"$path"
expect 1 "tuned GEMM parameters .* refused: written for another device" "$cli" tune --backend opencl --preset tiny --batch 2
"$cli" backends | grep -q "Xgemm: stored entry refused" || { echo "FAIL: siamese backends does not show the refusal"; fails=$((fails + 1)); }
expect 1 "backend 'cpu' has no tuning step" "$cli" tune --backend cpu
SIAMESE_OPENCL_CACHE=0 expect 1 "the cache is off" "$cli" tune --backend opencl --preset tiny --batch 2
expect 2 "unknown preset 'nope'" "$cli" tune --preset nope

[ $fails -eq 0 ] && echo "tune: $outcome, entry applied with parity, refusals one line each"
[ $fails -eq 0 ]
