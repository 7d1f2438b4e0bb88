#!/usr/bin/env bash
# Training on a user's own class-folder dataset (registered with ctest as
# `train_own_dataset`); no Omniglot needed.
#
#   test_dataset.sh SIAMESE_PROGRAM MAKE_JPEG_DATASET
#
# The dataset is made here: 24 classes of colour JPEGs at 48x40
# (tests/data/make_jpeg_dataset.c). Checked:
#   - tiny trains 300 steps on it (`--dataset`): the classes split with the
#     seed into 16 train / 4 validation / 4 test, the split in the model's
#     metadata, and `siamese eval --model` scores the 4 held-out test
#     classes by default (4-way) well above chance (25%): over 50%;
#   - the best model holds the verification threshold chosen on validation
#     pairs, and `siamese verify` says same/different by it;
#   - the same seed splits the same way, another seed another way;
#   - nested group folders are found (`nested`), trials drawn across groups;
#   - a layer list takes --input 48; validation rounds fit 4 classes;
#   - a resumed run continues on the same split, and is refused when the
#     dataset no longer splits the same way;
#   - refusals: --all-drawers or --data with --dataset, too many held-out
#     classes, a bad --depth, eval of a model with no test classes.
set -u
siamese=$1 make=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
"$make" "$tmp/flat" 24 6 || exit 1
"$make" "$tmp/nested" 24 6 3 || exit 1
common=(--preset tiny --batch 16 --epoch-pairs 320 --val-trials 40 --backend cpu --threads 1)
meta() { "$siamese" info "$1" | sed -n "s/^  $2: //p"; }

# 1. Train, eval on the model's own test classes.
if "$siamese" train --dataset "$tmp/flat" "${common[@]}" --steps 300 --out "$tmp/m.safetensors" \
        >"$tmp/out" 2>"$tmp/err" &&
    grep -q "data: $tmp/flat (class_folders): train 96 images in 16 classes of 1 groups; validation 4 classes" "$tmp/err"
then ok "trained on 16 of 24 classes"
else fail "train --dataset: $(tail -3 "$tmp/err")"; fi
test_keys=$(meta "$tmp/m.safetensors" test_classes)
if [ "$(meta "$tmp/m.safetensors" dataset)" = "$tmp/flat" ] &&
    [ "$(printf '%s' "$test_keys" | grep -o '"class[0-9]*"' | wc -l)" = 4 ]; then
    ok "the split is in the model: test $test_keys"
else fail "metadata: dataset '$(meta "$tmp/m.safetensors" dataset)', test '$test_keys'"; fi
json=$("$siamese" eval --model "$tmp/m.safetensors" --backend cpu --json 2>"$tmp/err")
acc=$(printf '%s' "$json" | sed -n 's/.*"accuracy":\([0-9.]*\).*/\1/p')
if printf '%s' "$json" | grep -q '"trials_source":"within:'"$tmp"'/flat (its 4 test classes)","way":4' &&
    awk -v a="$acc" 'BEGIN { exit !(a > 0.5) }'; then
    ok "eval scores its 4 test classes: accuracy $acc (chance 0.25)"
else fail "eval on the test classes: $json $(cat "$tmp/err")"; fi

# 1b. The best model carries the verification threshold chosen on validation
# pairs, and verify says same or different by it.
thr=$(meta "$tmp/m.safetensors" verify_threshold) vacc=$(meta "$tmp/m.safetensors" verify_accuracy)
same=$("$siamese" verify --model "$tmp/m.safetensors" --backend cpu "$tmp/flat/class00/img00.jpg" "$tmp/flat/class00/img01.jpg")
diff=$("$siamese" verify --model "$tmp/m.safetensors" --backend cpu "$tmp/flat/class00/img00.jpg" "$tmp/flat/class01/img00.jpg")
consistent() { # the verdict follows p(same) against the printed threshold
    printf '%s\n' "$1" | awk '{ p = $3 + 0; t = $6 + 0; v = $4   # equal when printed: either
        exit !(p == t || (p > t && v == "same") || (p < t && v == "different")) }'
}
if [ -n "$thr" ] && awk -v a="$vacc" 'BEGIN { exit !(a > 0.5) }' &&
    printf '%s' "$same" | grep -Eq '^p\(same\) = [0-9.]+: same \(threshold [0-9.]+, [0-9.]+% right on validation pairs\)$' &&
    printf '%s' "$diff" | grep -Eq ': different \(threshold' && consistent "$same" && consistent "$diff"
then ok "threshold $thr (validation pairs $vacc): '$same' / '$diff'"
else fail "verify threshold: thr '$thr' acc '$vacc': '$same' / '$diff'"; fi

# 2. The split follows the seed.
"$siamese" train --dataset "$tmp/flat" "${common[@]}" --steps 1 --out "$tmp/same.safetensors" >/dev/null 2>&1
"$siamese" train --dataset "$tmp/flat" "${common[@]}" --steps 1 --seed 2 --out "$tmp/other.safetensors" >/dev/null 2>&1
if [ "$(meta "$tmp/same.safetensors" test_classes)" = "$test_keys" ] &&
    [ -n "$(meta "$tmp/other.safetensors" test_classes)" ] &&
    [ "$(meta "$tmp/other.safetensors" test_classes)" != "$test_keys" ]; then
    ok "the same seed splits the same way; seed 2 another"
else fail "seeded split: $test_keys / $(meta "$tmp/same.safetensors" test_classes) / $(meta "$tmp/other.safetensors" test_classes)"; fi

# 3. Groups of class folders.
if "$siamese" train --dataset "$tmp/nested" "${common[@]}" --steps 20 --out "$tmp/n.safetensors" \
        >/dev/null 2>"$tmp/err" && grep -q "(nested): train 96 images in 16 classes of 3 groups" "$tmp/err" &&
    [ "$(meta "$tmp/n.safetensors" dataset_layout)" = nested ] &&
    "$siamese" eval --model "$tmp/n.safetensors" --backend cpu --json 2>&1 | grep -q '"trials_source":"unstructured:'
then ok "nested groups found; trials across groups"
else fail "nested: $(tail -2 "$tmp/err")"; fi

# 3b. Another input size: a layer list with --input; a preset keeps its own.
if "$siamese" train --dataset "$tmp/flat" "${common[@]}" --preset "conv:8:5,relu,pool,linear:32,sigmoid" \
        --input 48 --steps 2 --val-trials 10 --out "$tmp/i.safetensors" >/dev/null 2>"$tmp/err" &&
    [ "$(meta "$tmp/i.safetensors" input)" = 1x48x48 ] &&
    grep -q "note: 4 validation classes: validation on 8 trials of 4-way" "$tmp/err"
then ok "--input 48 for a layer list; 10 validation trials fitted to 8 of 4-way"
else fail "--input: $(tail -2 "$tmp/err")"; fi

# 4. Resume on the same split; refused once the classes change.
latest="$tmp/n.latest.safetensors"
if "$siamese" train --resume "$latest" --steps 30 --backend cpu --threads 1 --out "$tmp/n.safetensors" \
        >/dev/null 2>"$tmp/err"; then ok "resumed on its dataset"
else fail "resume: $(tail -2 "$tmp/err")"; fi
rm -rf "$tmp/nested/group0/class00"
bash "$(dirname "$0")/../cli_expect.sh" 1 "no longer splits into the checkpoint's validation classes" \
    "$siamese" train --resume "$latest" --steps 40 --backend cpu --threads 1 --out "$tmp/n.safetensors" \
    >/dev/null && ok "a changed dataset is refused on resume" || fail "resume on a changed dataset was not refused"

# 5. Refusals.
expect() { local out; out=$(bash "$(dirname "$0")/../cli_expect.sh" "$@") && ok "$out" || fail "$out"; }
expect 2 "--dataset trains on your own folder: drop --all-drawers" \
    "$siamese" train --dataset "$tmp/flat" --all-drawers --out "$tmp/x.safetensors"
expect 2 "--dataset trains on your own folder: drop --data" \
    "$siamese" train --dataset "$tmp/flat" --data "$tmp" --out "$tmp/x.safetensors"
expect 1 "has 24 classes: 20 for validation and 4 for test leave 0 for training" \
    "$siamese" train --dataset "$tmp/flat" "${common[@]}" --val-classes 20 --test-classes 4 --out "$tmp/x.safetensors"
expect 1 "--input 48: the preset tiny takes 28x28 images" \
    "$siamese" train --dataset "$tmp/flat" "${common[@]}" --input 48 --out "$tmp/x.safetensors"
expect 2 "--resume keeps the checkpoint's dataset split: drop --val-classes" \
    "$siamese" train --resume "$latest" --val-classes 3 --out "$tmp/n.safetensors"
expect 2 "--depth is 1, 2 or auto, not '3'" \
    "$siamese" train --dataset "$tmp/flat" --depth 3 --out "$tmp/x.safetensors"
"$siamese" train --dataset "$tmp/flat" "${common[@]}" --steps 1 --test-classes 0 --out "$tmp/z.safetensors" >/dev/null 2>&1
expect 2 "trained with --test-classes 0: give --dataset DIR" \
    "$siamese" eval --model "$tmp/z.safetensors" --backend cpu
[ $fails = 0 ] && echo "all own-dataset cases passed"
exit $((fails > 0))
