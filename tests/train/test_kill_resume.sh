#!/usr/bin/env bash
# Checkpoints survive SIGKILL (registered with ctest as `train_kill_resume`).
#
#   test_kill_resume.sh SIAMESE_PROGRAM [KILLS]
#
# A tiny training run with one-step epochs writes its latest checkpoint after
# every step (validation, then temp file + fsync + rename, safetensors.c).
# It is killed with SIGKILL KILLS times (default 24): on odd rounds the
# moment its own temporary file appears (so the kill lands inside a checkpoint
# write), on even rounds after a random delay (start-up, a step, validation
# or a write). After each kill:
#   - the latest checkpoint (and the best model) load: `siamese info` exits 0;
#   - its step never goes backwards;
#   - at most one temporary file per checkpoint path is left (a killed
#     writer's; the next write of that path, or the next run's start,
#     removes it: core/base/atomic_file.c, core/train/train.c);
# and the next round resumes from it (--resume), training on until killed.
# At the end a resumed run finishes on its own: it exits 0, is further on
# than where the kills stopped, and leaves no temporary file at all.
#
# The data is a reduced Omniglot tree of symlinks (2 characters of each
# background alphabet, 20 of each evaluation alphabet, the least a 20-way
# validation trial needs), so that the 25 start-ups fit in well under a
# minute on a loaded machine. Without the data: exit 77 (skipped).
set -u
siamese=$1 kills=${2:-24}
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
sanitizer='AddressSanitizer|LeakSanitizer|runtime error'

# ---- the reduced data tree ----
mini=$tmp/omniglot
. "$here/mini_omniglot.sh"
mini_omniglot "$data" "$mini"

out=$tmp/run/m.safetensors
latest=$tmp/run/m.latest.safetensors
mkdir -p "$tmp/run"
args=(train --data "$mini" --preset tiny --batch 16 --epoch-pairs 16 --val-trials 20
      --epochs 1000000 --patience 1000000 --threads 1 --out "$out")

start() { # [--resume FILE]: starts a run in the background, pid in $pid
    "$siamese" "${args[@]}" --steps 1000000 "$@" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
}
temps() { ls "$tmp/run" | grep -c "^$1\.tmp\." ; }
step_of() { "$siamese" info "$1" 2>/dev/null | awk '$1 == "step:" { print $2 }'; }
alive() { kill -0 "$pid" 2>/dev/null; }
# Waits up to $1 seconds (in 5 ms polls) for a file matching glob $2.
wait_for() {
    local polls=$(($1 * 200))
    while [ $polls -gt 0 ] && alive; do
        compgen -G "$2" >/dev/null && return 0
        sleep 0.005
        polls=$((polls - 1))
    done
    return 1
}

t0=$SECONDS
last_step=0 in_write=0 rounds=0
RANDOM=$$
for ((round = 1; round <= kills; round++)); do
    if [ -f "$latest" ]; then start --resume "$latest"; else start; fi
    # The first round lets one latest checkpoint be written whole, so that
    # every later round has one to resume from and to check.
    [ $round = 1 ] && { wait_for 30 "$latest" || fail "round 1: no latest checkpoint within 30 s"; }
    if [ $((round % 2)) = 1 ]; then
        # This run's own temporary file (its pid): one a killed run left
        # stays until the next write of its path removes it.
        wait_for 20 "$tmp/run/*.tmp.$pid.*" || fail "round $round: no checkpoint write began within 20 s"
    else
        # 0.3 to 2.3 s: start-up takes about a second, then a step and its
        # validation and checkpoint take some tens of milliseconds.
        sleep "$((RANDOM % 3)).$((RANDOM % 10))"
        sleep 0.3
    fi
    alive || { fail "round $round: the run ended by itself: $(tail -n 2 "$tmp/err")"; pid=; break; }
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    compgen -G "$tmp/run/*.tmp.$pid.*" >/dev/null && in_write=$((in_write + 1))
    pid=
    rounds=$round
    ! grep -Eq "$sanitizer" "$tmp/err" || fail "round $round: sanitizer report: $(grep -E "$sanitizer" "$tmp/err" | head -2)"
    [ -f "$latest" ] || { fail "round $round: no latest checkpoint"; break; }
    s=$(step_of "$latest")
    [ -n "$s" ] || { fail "round $round: the latest checkpoint does not load: $("$siamese" info "$latest" 2>&1 | tail -n 1)"; break; }
    [ "$s" -ge "$last_step" ] || fail "round $round: latest went back from step $last_step to $s"
    last_step=$s
    [ ! -f "$out" ] || "$siamese" info "$out" >/dev/null 2>&1 || fail "round $round: the best model does not load"
    for f in m.latest.safetensors m.safetensors; do
        n=$(temps $f)
        [ "$n" -le 1 ] || fail "round $round: $n temporary files of $f: $(ls "$tmp/run")"
    done
done
echo "$rounds kills in $((SECONDS - t0)) s, $in_write of them during a checkpoint write; latest at step $last_step"
[ "$last_step" -gt 0 ] || fail "no progress: the latest checkpoint never got past step 0"

# A resumed run that finishes on its own, a few steps on.
if [ -f "$latest" ]; then
    # A leftover of a writer that is gone, for a path this run may never
    # write again (the best model): the run's start sweeps it.
    sh -c 'exit 0' & dead=$!
    wait $dead
    : >"$out.tmp.$dead.AbC123"
    "$siamese" "${args[@]}" --steps $((last_step + 3)) --resume "$latest" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 0 ] || fail "the final resumed run exited $rc: $(tail -n 2 "$tmp/err")"
    s=$(step_of "$latest")
    [ "$s" = $((last_step + 3)) ] || fail "the final run stopped at step '$s', expected $((last_step + 3))"
    left=$(ls "$tmp/run" | grep '\.tmp\.')
    [ -z "$left" ] || fail "temporary files left after a clean run: $left"
fi

if [ $fails -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "kill/resume: all checks passed"
