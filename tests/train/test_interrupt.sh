#!/usr/bin/env bash
# Ctrl-C and SIGTERM lose nothing; outputs are checked before the work;
# --resume honours or refuses (ctest `train_interrupt`).
#
#   test_interrupt.sh SIAMESE_PROGRAM
#
# On a reduced Omniglot tree (as test_kill_resume.sh) with `tiny`:
#   - SIGINT mid-run: exit 130 within seconds, the message says how to
#     resume, the latest checkpoint loads and resumes, the log ends with an
#     "interrupted" record, no temporary file is left; SIGTERM: exit 143;
#   - two SIGINTs in quick succession while a checkpoint is written after
#     every step: the run ends at once, and leaves no temporary file and a
#     loadable checkpoint, round after round;
#   - a missing output folder, an empty --out, a FIFO as --out or --log,
#     --log equal to --out: refused in one line before any training;
#   - --resume with an option that disagrees with the checkpoint is refused
#     naming it; the same option with the checkpoint's value is accepted.
# Without the data: exit 77 (skipped).
set -u
siamese=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${SIAMESE_DATA:-$here/../../../shared/data/omniglot}
if [ ! -d "$data/images_background" ] || [ ! -d "$data/images_evaluation" ]; then
    echo "skipped: no Omniglot data in $data"
    exit 77
fi
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect="$here/../cli_expect.sh"

mini=$tmp/omniglot
. "$here/mini_omniglot.sh"
mini_omniglot "$data" "$mini"
mkdir -p "$tmp/run"
out=$tmp/run/m.safetensors
latest=$tmp/run/m.latest.safetensors
base=(train --data "$mini" --preset tiny --batch 16 --val-trials 20 --threads 1 --out "$out")

wait_for_steps() { # N: until the log holds N step records, at most 30 s
    for _ in $(seq 300); do
        [ "$(cat "$tmp/run/log" 2>/dev/null | grep -c '"type":"step"')" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
no_temp_files() { ! compgen -G "$tmp/run/*.tmp.*" >/dev/null; }

# ---- SIGINT and SIGTERM mid-run ----
for sig in INT TERM; do
    rm -f "$tmp/run/"*
    "$siamese" "${base[@]}" --epoch-pairs 100000 --log "$tmp/run/log" 2>"$tmp/err" >/dev/null &
    pid=$!
    wait_for_steps 5 || fail "SIG$sig: no training steps within 30 s"
    kill -$sig "$pid"
    t0=$(date +%s)
    wait "$pid"
    rc=$?
    pid=
    want=130; [ $sig = TERM ] && want=143
    [ "$rc" = $want ] || fail "SIG$sig: exit $rc, expected $want: $(tail -n 2 "$tmp/err")"
    [ $(($(date +%s) - t0)) -le 10 ] || fail "SIG$sig: took more than 10 s to stop"
    grep -q "interrupted by SIG$sig at step [0-9]*; the latest checkpoint is $latest: resume with siamese train --resume $latest --out $out" "$tmp/err" ||
        fail "SIG$sig: no resume message: $(tail -n 1 "$tmp/err")"
    tail -n 1 "$tmp/run/log" | grep -q '"type":"interrupted"' || fail "SIG$sig: log does not end with the interruption"
    no_temp_files || fail "SIG$sig: temporary files left: $(ls "$tmp/run")"
    "$siamese" info "$latest" >/dev/null 2>&1 || fail "SIG$sig: the latest checkpoint does not load"
done
step=$(grep -o '"step":[0-9]*' "$tmp/run/log" | tail -n 1 | cut -d: -f2)
"$siamese" "${base[@]}" --resume "$latest" --steps $((step + 3)) --log "$tmp/run/log" >/dev/null 2>"$tmp/err" ||
    fail "resume after SIGTERM failed: $(tail -n 1 "$tmp/err")"

# ---- two SIGINTs while checkpoints are written after every step ----
for round in 1 2 3 4 5; do
    rm -f "$tmp/run/"*
    "$siamese" "${base[@]}" --epoch-pairs 16 --epochs 1000000 --patience 1000000 \
        --log "$tmp/run/log" 2>"$tmp/err" >/dev/null &
    pid=$!
    wait_for_steps 3 || fail "round $round: no steps"
    sleep "0.0$((RANDOM % 10))"
    kill -INT "$pid"
    sleep 0.01
    kill -INT "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    pid=
    [ "$rc" = 130 ] || fail "round $round: exit $rc after two SIGINTs"
    no_temp_files || fail "round $round: temporary files left: $(ls "$tmp/run")"
    "$siamese" info "$latest" >/dev/null 2>&1 || fail "round $round: the latest checkpoint does not load"
done

# ---- outputs checked before the work ----
bash "$expect" 1 "cannot write .*/no/such/m.safetensors: no file can be created in its folder: No such file or directory" \
    "$siamese" "${base[@]/$out/$tmp/no/such/m.safetensors}" || fails=$((fails + 1))
bash "$expect" 1 "empty output path" "$siamese" train --data "$mini" --preset tiny --out "" ||
    fails=$((fails + 1))
mkfifo "$tmp/fifo"
bash "$expect" 1 "fifo exists and is not a regular file" \
    timeout 20 "$siamese" train --data "$mini" --preset tiny --out "$tmp/fifo" || fails=$((fails + 1))
bash "$expect" 1 "fifo exists and is not a regular file" \
    timeout 20 "$siamese" "${base[@]}" --log "$tmp/fifo" || fails=$((fails + 1))
bash "$expect" 1 "--log is the model file \\(--out\\)" "$siamese" "${base[@]}" --log "$out" ||
    fails=$((fails + 1))

# ---- --resume honours or refuses ----
rm -f "$tmp/run/"*
"$siamese" "${base[@]}" --epoch-pairs 32 --distort off --steps 3 >/dev/null 2>&1 || fail "base run failed"
bash "$expect" 1 "--batch 99 conflicts with the checkpoint .*, which has 16" \
    "$siamese" "${base[@]}" --resume "$latest" --batch 99 --steps 5 || fails=$((fails + 1))
bash "$expect" 1 "--distort on conflicts with the checkpoint .*, which has off" \
    "$siamese" "${base[@]}" --resume "$latest" --distort on --steps 5 || fails=$((fails + 1))
bash "$expect" 1 "--lr 0.5 conflicts with the checkpoint" \
    "$siamese" "${base[@]}" --resume "$latest" --lr 0.5 --steps 5 || fails=$((fails + 1))
bash "$expect" 1 "--preset koch35 conflicts with the checkpoint" \
    "$siamese" "${base[@]/tiny/koch35}" --resume "$latest" --steps 5 || fails=$((fails + 1))
"$siamese" "${base[@]}" --resume "$latest" --batch 16 --distort off --lr 0.1 --epoch-pairs 32 --steps 5 \
    >/dev/null 2>"$tmp/err" || fail "resume with the checkpoint's own values refused: $(tail -n 1 "$tmp/err")"

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "ok: interrupts, early output checks, resume conflicts"
