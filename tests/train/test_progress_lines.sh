#!/usr/bin/env bash
# Training's progress lines in a log (stderr not a terminal), registered
# with ctest as `train_progress_lines`:
#
#   test_progress_lines.sh SIAMESE DATA_DIR
#
# Two short epochs: the line that closes an epoch carries that epoch's own
# number (it used to carry the next one), and every progress line has a
# time left and a percent.
set -u
siamese=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$siamese" train --data "$data" --preset tiny --epochs 2 --epoch-pairs 64 --batch 16 \
    --val-trials 20 --threads 1 --backend cpu --out "$tmp/m.safetensors" 2>"$tmp/err" >/dev/null ||
    { echo "FAIL: training failed: $(tail -c 300 "$tmp/err")"; exit 1; }
awk '
    /^epoch [0-9]+ step [0-9]+ / {
        prev = $2
        if ($0 !~ / ETA [0-9hms]+ \([0-9]+%\)$/) { print "FAIL: no time left or percent: " $0; bad = 1 }
        lines++
        next
    }
    /^epoch [0-9]+: validation/ {
        k = $2; sub(":", "", k)
        if (prev != k) { print "FAIL: epoch " k " closed by a line of epoch " prev; bad = 1 }
        closed++
    }
    END {
        if (closed != 2 || lines < 2) { print "FAIL: " closed " epochs closed, " lines " lines"; bad = 1 }
        exit bad
    }' "$tmp/err" || { cat "$tmp/err"; exit 1; }
echo "train_progress_lines: both epochs closed by their own line"
