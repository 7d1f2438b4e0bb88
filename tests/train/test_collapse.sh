#!/usr/bin/env bash
# The collapse guard (ctest `train_collapse`):
#
#   test_collapse.sh SIAMESE DATA_DIR
#
# tiny with the paper's initialisation at lr 0.1 collapses at once (every
# image the same embedding, loss ln 2): the run stops after three such
# validations, exit 1, its last line saying so with advice, the latest
# checkpoint loadable. The same run with the uniform initialisation learns
# and is not stopped.
set -u
siamese=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(train --data "$data" --preset tiny --lr 0.1 --epochs 8 --epoch-pairs 640 --batch 32
        --val-trials 40 --threads 1 --backend cpu)
"$siamese" "${common[@]}" --init paper --out "$tmp/c.safetensors" >/dev/null 2>"$tmp/c.err"
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: the collapsing run exited $rc, not 1"; tail -n 3 "$tmp/c.err"; exit 1; }
tail -n 1 "$tmp/c.err" | grep -q '^siamese train: training collapsed: .*lower learning rate' ||
    { echo "FAIL: last line: $(tail -n 1 "$tmp/c.err")"; exit 1; }
! grep -q '^epoch 8: validation' "$tmp/c.err" || { echo "FAIL: it trained all 8 epochs"; exit 1; }
"$siamese" info "$tmp/c.latest.safetensors" >/dev/null || { echo "FAIL: checkpoint not loadable"; exit 1; }
"$siamese" "${common[@]}" --epochs 5 --init uniform --out "$tmp/u.safetensors" >/dev/null 2>"$tmp/u.err" ||
    { echo "FAIL: the learning run was stopped: $(tail -n 1 "$tmp/u.err")"; exit 1; }
echo "train_collapse: $(grep -c '^epoch [0-9]*: validation' "$tmp/c.err") epochs, then: $(tail -n 1 "$tmp/c.err" | cut -c1-80)..."
