#!/usr/bin/env bash
# The fault module, end to end (registered with ctest as `fault`).
#
#   test_fault.sh PARITY_PROGRAM SIAMESE_PROGRAM MODULE_DIR
#
# 1. Without data, through the op-parity program: no SIAMESE_FAULT forwards
#    unchanged; op:1 fails exactly one case and op:1+ every later one; init:1
#    refuses the context; bad values of SIAMESE_FAULT are refused with a
#    message saying what was wrong; a missing inner module is named;
#    skew:OP:N+ makes that op's cases fail (and not at a skew below rounding).
# 2. With the Omniglot data (else exit 77, skipped), the tiny preset in
#    4-step epochs (each ends with validation and checkpoints):
#    - SIAMESE_FAULT=count runs of 4 and 8 steps give the calls made per
#      kind, so the faults below aim at "the last allocation", "an op after
#      the first checkpoint", "the last transfer" without fixed numbers;
#    - each fault: exit status 1, the last stderr line is the one error line
#      naming the injected failure, no crash or sanitizer report, no temp
#      files left; before the first checkpoint no model file exists; after
#      it, both files still load (`siamese info`) with the latest at step 4,
#      and --resume from it trains on to step 8;
#    - `siamese eval` through a faulting backend exits 1 with one line.
# 3. Where an OpenCL device is present, faults in front of the opencl
#    backend: eval refusals and a training fault after the first checkpoint.
set -u
parity=$1 siamese=$2 moddir=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SIAMESE_BACKEND_PATH=$moddir
unset SIAMESE_FAULT SIAMESE_FAULT_INNER SIAMESE_FAULT_SKEW SIAMESE_BACKEND
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
sanitizer='AddressSanitizer|LeakSanitizer|runtime error|Segmentation fault|core dumped'

# ---- 1. the op-parity program through fault (inner cpu) ----
ptest() { # SPEC OUTFILE: parity on relu_fwd through fault with SIAMESE_FAULT=SPEC
    if [ -n "$1" ]; then
        SIAMESE_FAULT=$1 "$parity" test -b fault -o relu_fwd >"$2" 2>&1
    else
        "$parity" test -b fault -o relu_fwd >"$2" 2>&1
    fi
}
ptest "" "$tmp/p0"
grep -q '^== fault against cpu' "$tmp/p0" || fail "fault was not tested against cpu: $(head -c 300 "$tmp/p0")"
grep -Eq '^parity test: [1-9][0-9]* cases ran, 0 failed' "$tmp/p0" || fail "no SIAMESE_FAULT: cases failed"
ptest op:1 "$tmp/p1"
grep -q 'FAIL relu_fwd .*relu_fwd on fault: fault injection: op #1 failed (SIAMESE_FAULT=op:1)$' \
    "$tmp/p1" || fail "op:1: no failed case naming the fault"
grep -Eq '^parity test: [2-9][0-9]* cases ran, 1 failed' "$tmp/p1" || fail "op:1: not exactly one case failed"
ptest op:1+ "$tmp/p2"
! grep -q '^  OK ' "$tmp/p2" || fail "op:1+: a case passed although every op fails"
grep -q 'fault injection: op #2 failed (SIAMESE_FAULT=op:1+)$' "$tmp/p2" || fail "op:1+: the second op did not fail"
ptest init:1 "$tmp/p3"
grep -q '^backend fault: skipped (fault injection: create #1 failed (SIAMESE_FAULT=init:1))$' "$tmp/p3" ||
    fail "init:1: context not refused: $(head -c 300 "$tmp/p3")"
for bad in 'opx:2|unknown kind' 'op|no '"'"':'"'" 'op:0|N out of range' 'op:x|N is not a whole number' \
    'op:|N missing' 'op:3,op:4|a kind given twice' 'op:-1|N is not a whole number' \
    'alloc:3+x|N is not a whole number' 'op:3,|no '"'"':'"'"; do
    spec=${bad%%|*} why=${bad#*|}
    ptest "$spec" "$tmp/pb"
    grep -qF "backend fault: skipped (fault: bad SIAMESE_FAULT '$spec': $why; expected KIND:N" "$tmp/pb" ||
        fail "SIAMESE_FAULT='$spec' not refused with '$why': $(grep fault "$tmp/pb" | head -c 300)"
done
# skew: the op succeeds but its result is off by the relative amount, which
# the op-parity check must see in every case from the chosen call on.
ptest skew:relu_fwd:1+ "$tmp/ps"
! grep -q '^  OK ' "$tmp/ps" || fail "skew:relu_fwd:1+: a case passed although every result is skewed"
grep -Eq '^parity test: [1-9][0-9]* cases ran, [1-9][0-9]* failed' "$tmp/ps" || fail "skew: no case failed"
SIAMESE_FAULT_SKEW=1e-9 SIAMESE_FAULT=skew:relu_fwd:1+ "$parity" test -b fault -o relu_fwd >"$tmp/ps2" 2>&1
grep -Eq '^parity test: [1-9][0-9]* cases ran, 0 failed' "$tmp/ps2" ||
    fail "SIAMESE_FAULT_SKEW=1e-9 (below rounding): cases failed"
for bad in 'skew:nosuch:1|unknown op to skew' 'skew:relu_fwd|skew without OP:N' \
    'skew:relu_fwd:0|N out of range' 'skew:relu_fwd:1,skew:sigmoid_fwd:1|skew given twice'; do
    spec=${bad%%|*} why=${bad#*|}
    ptest "$spec" "$tmp/pb"
    grep -qF "backend fault: skipped (fault: bad SIAMESE_FAULT '$spec': $why; expected KIND:N" "$tmp/pb" ||
        fail "SIAMESE_FAULT='$spec' not refused with '$why': $(grep fault "$tmp/pb" | head -c 300)"
done
SIAMESE_FAULT_SKEW=0 SIAMESE_FAULT=skew:relu_fwd:1 "$parity" test -b fault -o relu_fwd >"$tmp/pk" 2>&1
grep -qF "backend fault: skipped (fault: bad SIAMESE_FAULT_SKEW '0': expected a relative error" "$tmp/pk" ||
    fail "SIAMESE_FAULT_SKEW=0 not refused: $(grep fault "$tmp/pk" | head -c 300)"
SIAMESE_FAULT_INNER=nosuch "$parity" test -b fault -o relu_fwd >"$tmp/pn" 2>&1
grep -q "^backend fault: skipped (fault: inner backend 'nosuch' not found .*the fault module's folder)" \
    "$tmp/pn" || fail "missing inner module not named: $(grep fault "$tmp/pn" | head -c 300)"

# ---- 2. training and evaluation through fault:cpu ----
data=${SIAMESE_DATA:-$here/../../../shared/data/omniglot}
if [ ! -d "$data/images_background" ]; then
    [ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
    echo "part 2 skipped: no Omniglot data in $data"
    exit 77
fi
train=(train --data "$data" --preset tiny --batch 16 --val-trials 20 --epoch-pairs 64 --threads 1)

# DIR SPEC STEPS [ARGS...]: trains into DIR/m.safetensors through fault:cpu.
run_train() {
    local dir=$1 spec=$2 steps=$3
    shift 3
    mkdir -p "$dir"
    SIAMESE_FAULT=$spec "$siamese" "${train[@]}" --backend fault:cpu --steps "$steps" \
        --out "$dir/m.safetensors" "$@" >"$dir/out" 2>"$dir/err"
    echo $? >"$dir/rc"
}

# NAME ERRFILE RC WHAT: a run that must have failed cleanly on the injected
# fault; WHAT is the start of the message ("op #12").
check_failed() {
    local name=$1 err=$2 rc=$3 what=$4
    [ "$rc" = 1 ] || fail "$name: exit status $rc, expected 1"
    ! grep -Eq "$sanitizer" "$err" || fail "$name: crash or sanitizer report: $(grep -E "$sanitizer" "$err" | head -3)"
    local n
    n=$(grep -c 'fault injection' "$err")
    [ "$n" = 1 ] || fail "$name: $n lines name the fault, expected 1"
    tail -n 1 "$err" | grep -Eq "^siamese (train|eval): .*fault injection: $what failed \(SIAMESE_FAULT=[^)]*\)$" ||
        fail "$name: last line is not the fault: $(tail -n 1 "$err")"
}

# NAME DIR: no checkpoint exists yet, and nothing half-written was left.
check_no_files() {
    local f
    f=$(ls "$2" | grep -v -e '^err$' -e '^out$' -e '^rc$')
    [ -z "$f" ] || fail "$1: files left before any checkpoint: $f"
}

# NAME DIR: the checkpoints written before the fault load, the latest at
# step 4 (the end of epoch 1), and no temp file was left.
check_checkpoints() {
    local name=$1 dir=$2
    "$siamese" info "$dir/m.safetensors" >"$dir/info_best" 2>&1 || fail "$name: best model does not load"
    "$siamese" info "$dir/m.latest.safetensors" >"$dir/info_latest" 2>&1 || fail "$name: latest does not load"
    grep -q '^  step: 4$' "$dir/info_latest" || fail "$name: latest is not the step-4 checkpoint"
    ! ls "$dir" | grep -q '\.tmp\.' || fail "$name: temp files left: $(ls "$dir")"
}

# NAME DIR: --resume from the latest checkpoint trains on to step 8.
check_resume() {
    local name=$1 dir=$2
    "$siamese" "${train[@]}" --backend cpu --steps 8 --resume "$dir/m.latest.safetensors" \
        --out "$dir/m.safetensors" >"$dir/rout" 2>"$dir/rerr"
    local rc=$?
    [ $rc -eq 0 ] || fail "$name: --resume exited $rc: $(tail -n 1 "$dir/rerr")"
    "$siamese" info "$dir/m.latest.safetensors" 2>&1 | grep -q '^  step: 8$' ||
        fail "$name: resumed run did not reach step 8"
}

# Calls made per kind, from a count run's stderr: count_of KIND FILE.
count_of() { grep '^siamese fault: calls made:' "$2" | grep -Eo " $1 [0-9]+" | awk '{ print $2 }'; }

run_train "$tmp/c4" count 4
run_train "$tmp/c8" count 8
for d in c4 c8; do
    [ "$(cat "$tmp/$d/rc")" = 0 ] || fail "$d: SIAMESE_FAULT=count run failed: $(tail -n 1 "$tmp/$d/err")"
done
O4=$(count_of op "$tmp/c4/err") C4=$(count_of copy "$tmp/c4/err")
O8=$(count_of op "$tmp/c8/err") C8=$(count_of copy "$tmp/c8/err") A8=$(count_of alloc "$tmp/c8/err")
echo "calls: 4 steps: op $O4 copy $C4; 8 steps: op $O8 copy $C8 alloc $A8"
if [ -z "$O4" ] || [ -z "$C8" ] || [ -z "$A8" ] || [ "$O8" -le "$((O4 + 10))" ] || [ "$C8" -le "$((C4 + 5))" ]; then
    fail "count runs gave no usable counts: $(grep 'calls made' "$tmp/c4/err" "$tmp/c8/err")"
    echo "$fails check(s) failed"
    exit 1
fi

# Before any checkpoint: at start-up, first uses, the middle of set-up.
# SPEC|MESSAGE START
for f in "init:1|create #1" "alloc:1|buffer_alloc #1" "alloc:$((A8 / 2))|buffer_alloc #$((A8 / 2))" \
    "op:1|op #1" "copy:1|copy \(buffer_upload\) #1" "fill:1|buffer_fill #1" "sync:1|synchronize #1"; do
    spec=${f%%|*} what=${f#*|}
    d=$tmp/early_${spec//[:+]/_}
    run_train "$d" "$spec" 8
    check_failed "$spec" "$d/err" "$(cat "$d/rc")" "$what"
    check_no_files "$spec" "$d"
done

# After the first checkpoint: an op in epoch 2's first step, the last op
# (epoch 2's validation), a transfer in epoch 2, the last transfer (the
# optimiser state's download for epoch 2's checkpoint: that file must not be
# replaced), and the last allocation (any state; whichever comes last).
for f in "op:$((O4 + 10))|op #$((O4 + 10))|resume" "op:$O8|op #$O8|" \
    "copy:$((C4 + 5))|copy \([a-z_]+\) #$((C4 + 5))|" "copy:$C8|copy \(buffer_download\) #$C8|resume"; do
    IFS='|' read -r spec what resume <<<"$f"
    d=$tmp/late_${spec//[:+]/_}
    run_train "$d" "$spec" 8
    check_failed "$spec" "$d/err" "$(cat "$d/rc")" "$what"
    grep -q '^epoch 1: validation' "$d/err" || fail "$spec: the fault came before the first checkpoint"
    check_checkpoints "$spec" "$d"
    [ -z "$resume" ] || check_resume "$spec" "$d"
done
d=$tmp/last_alloc
run_train "$d" "alloc:$A8" 8
check_failed "alloc:$A8" "$d/err" "$(cat "$d/rc")" "buffer_alloc #$A8"

# Evaluation with the count run's model.
model=$tmp/c8/m.safetensors
ev=(eval --data "$data" --model "$model" --backend fault:cpu --trials 20 --threads 1)
"$siamese" "${ev[@]}" >"$tmp/e0" 2>&1 || fail "eval through fault:cpu without faults failed: $(tail -n 1 "$tmp/e0")"
for f in "init:1|create #1" "alloc:1|buffer_alloc #1" "alloc:2|buffer_alloc #2" "copy:1|copy \(buffer_upload\) #1" \
    "copy:3|copy \([a-z_]+\) #3" "op:1|op #1" "op:20|op #20" "sync:1|synchronize #1"; do
    spec=${f%%|*} what=${f#*|}
    SIAMESE_FAULT=$spec "$siamese" "${ev[@]}" >"$tmp/eo" 2>"$tmp/ee"
    rc=$?
    check_failed "eval $spec" "$tmp/ee" $rc "$what"
    n=$(grep -c '' "$tmp/ee")
    [ "$n" = 1 ] || fail "eval $spec: $n lines on stderr, expected 1: $(head -c 300 "$tmp/ee")"
done

# ---- 3. through fault:opencl, where an OpenCL device is present ----
# The same clean exits when the failing call is the OpenCL backend's: its
# context (kernel builds) refused, a device allocation, an upload, an op in
# training after the first checkpoint (which must still load and resume).
if "$siamese" backends 2>/dev/null | grep -Eq '^opencl .* score [1-9]'; then
    ocl=(eval --data "$data" --model "$model" --backend fault:opencl --trials 20 --threads 1)
    "$siamese" "${ocl[@]}" >"$tmp/o0" 2>&1 || fail "eval through fault:opencl without faults failed: $(tail -n 1 "$tmp/o0")"
    for f in "init:1|create #1" "alloc:2|buffer_alloc #2" "copy:1|copy \(buffer_upload\) #1" "op:20|op #20"; do
        spec=${f%%|*} what=${f#*|}
        SIAMESE_FAULT=$spec "$siamese" "${ocl[@]}" >"$tmp/oo" 2>"$tmp/oe"
        rc=$?
        check_failed "opencl eval $spec" "$tmp/oe" $rc "$what"
    done
    d=$tmp/ocl_late
    mkdir -p "$d"
    SIAMESE_FAULT=op:$((O4 + 10)) "$siamese" "${train[@]}" --backend fault:opencl --steps 8 \
        --out "$d/m.safetensors" >"$d/out" 2>"$d/err"
    check_failed "opencl train op:$((O4 + 10))" "$d/err" $? "op #$((O4 + 10))"
    grep -q '^epoch 1: validation' "$d/err" || fail "opencl train: the fault came before the first checkpoint"
    check_checkpoints "opencl train" "$d"
    check_resume "opencl train" "$d"
    echo "fault:opencl checked"
else
    echo "part 3 skipped: no OpenCL device"
fi

if [ $fails -ne 0 ]; then
    echo "$fails check(s) failed (kept nothing: temp folder removed)"
    exit 1
fi
echo "fault: all checks passed"
