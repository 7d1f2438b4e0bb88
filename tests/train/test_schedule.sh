#!/usr/bin/env bash
# The cosine learning-rate schedule end to end (ctest `train_schedule`):
#
#   test_schedule.sh SIAMESE DATA_DIR
#
# Every step's logged rate is the one the schedule gives for the share of
# the --steps budget spent before it (warm-up from a tenth, half cosine to
# the floor); a run resumed from its checkpoint keeps the cosine schedule
# and fits it to its new budget; --schedule exp against that checkpoint is
# refused by name. A run stopped mid-epoch logs its last validation.
set -u
siamese=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(train --data "$data" --preset tiny --lr 0.05 --epoch-pairs 320 --batch 32
        --val-trials 40 --threads 1 --backend cpu)
sched=(--schedule cosine --warmup 0.1 --lr-floor 0.02)

# lr of each step record of log $1 (6 digits, float) against the schedule
# over $2 steps, from step $3 on; prints the number checked, or FAIL lines.
check() {
    awk -v budget="$2" -v from="$3" '
        /"type":"step"/ {
            match($0, /"step":[0-9]+/); step = substr($0, RSTART + 7, RLENGTH - 7) + 0
            match($0, /"lr":[-0-9.e+]+/); lr = substr($0, RSTART + 5, RLENGTH - 5) + 0
            if (step < from) next
            s = (step - 1) / budget; w = 0.1; fl = 0.02
            f = s < w ? 0.1 + 0.9 * s / w : fl + (1 - fl) * 0.5 * (1 + cos(atan2(0, -1) * (s - w) / (1 - w)))
            want = 0.05 * f
            if (lr - want > 2e-5 * want || want - lr > 2e-5 * want) { print "FAIL: step " step " lr " lr ", want " want; bad = 1 }
            n++
        }
        END { if (!bad) print n }' "$1"
}

"$siamese" "${common[@]}" "${sched[@]}" --steps 30 --out "$tmp/a.safetensors" --log "$tmp/a.log" \
    >/dev/null 2>"$tmp/a.err" || { echo "FAIL: the cosine run: $(tail -n 1 "$tmp/a.err")"; exit 1; }
n=$(check "$tmp/a.log" 30 1)
[ "$n" = 30 ] || { echo "FAIL: whole run: ${n:-no steps}"; exit 1; }

# 12 steps, then resumed to 30: the resumed steps follow the 30-step cosine.
"$siamese" "${common[@]}" "${sched[@]}" --steps 12 --out "$tmp/b.safetensors" --log "$tmp/s.log" \
    >/dev/null 2>"$tmp/b.err" || { echo "FAIL: the short run: $(tail -n 1 "$tmp/b.err")"; exit 1; }
# Stopped 2 steps into epoch 2: that validation is logged, marked partial.
grep -q '^{"type":"epoch","epoch":2,"step":12,.*"partial":true}$' "$tmp/s.log" ||
    { echo "FAIL: no partial epoch record: $(tail -n 1 "$tmp/s.log")"; exit 1; }
"$siamese" train --data "$data" --threads 1 --backend cpu --steps 30 --resume "$tmp/b.latest.safetensors" \
    --out "$tmp/b.safetensors" --log "$tmp/b.log" >/dev/null 2>"$tmp/r.err" ||
    { echo "FAIL: the resumed run: $(tail -n 1 "$tmp/r.err")"; exit 1; }
m=$(check "$tmp/b.log" 30 13)
[ "$m" = 18 ] || { echo "FAIL: resumed run: ${m:-no steps}"; exit 1; }

# The checkpoint's schedule cannot be swapped on resume.
if "$siamese" train --data "$data" --threads 1 --backend cpu --steps 40 --schedule exp \
    --resume "$tmp/b.latest.safetensors" --out "$tmp/b.safetensors" >/dev/null 2>"$tmp/x.err"; then
    echo "FAIL: --schedule exp resumed a cosine checkpoint"; exit 1
fi
tail -n 1 "$tmp/x.err" | grep -q -- '--schedule exp conflicts with the checkpoint .* which has cosine' ||
    { echo "FAIL: refusal: $(tail -n 1 "$tmp/x.err")"; exit 1; }
echo "train_schedule: $n + $m step rates as the cosine schedule gives them; exp refused on resume"
