#!/usr/bin/env bash
# `siamese embed` checked from Python (ctest `embed_python`): a tiny model
# trained here on a JPEG dataset made here, then check_embed.py.
#   test_embed.sh SIAMESE_PROGRAM MAKE_JPEG_DATASET PYTHON
set -eu
siamese=$1 make=$2 python=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$make" "$tmp/data" 12 6
"$siamese" train --dataset "$tmp/data" --preset tiny --steps 100 --batch 16 --epoch-pairs 320 \
    --val-trials 20 --backend cpu --threads 1 --out "$tmp/m.safetensors" >/dev/null 2>&1
"$python" "$(dirname "$0")/check_embed.py" "$siamese" "$tmp/m.safetensors" "$tmp/data" "$tmp"
