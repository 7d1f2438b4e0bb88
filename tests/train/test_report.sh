#!/usr/bin/env bash
# `siamese eval --report` (ctest `eval_report`): a tiny model trained here
# on a JPEG dataset made here, then check_report.py (77 = no Chromium).
#   test_report.sh SIAMESE_PROGRAM MAKE_JPEG_DATASET PYTHON [CHROMIUM]
set -u
siamese=$1 make=$2 python=$3 chromium=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$make" "$tmp/data" 24 6 || exit 1
"$siamese" train --dataset "$tmp/data" --preset tiny --steps 200 --batch 16 --epoch-pairs 320 \
    --val-trials 40 --backend cpu --threads 1 --out "$tmp/m.safetensors" >/dev/null 2>&1 || exit 1
"$python" "$(dirname "$0")/check_report.py" "$siamese" "$tmp/m.safetensors" "$tmp" $chromium
