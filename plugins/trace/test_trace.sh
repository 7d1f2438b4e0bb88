#!/usr/bin/env bash
# The trace module, end to end (registered with ctest as `trace`).
#
#   test_trace.sh PARITY_PROGRAM SIAMESE_PROGRAM MODULE_DIR API_SHARED_PROGRAM
#
# 1. `parity test -b trace` (inner cpu by default) on relu and maxpool: the
#    parity cases pass through the wrapper, and the table printed at exit has
#    exactly one call per case for each op, no other op, a total that is the
#    sum of its rows, and rows sorted by time.
# 2. SIAMESE_TRACE_INNER naming a module that does not exist: the module is
#    skipped with a message naming it, and no table is printed.
#    2b: `siamese backends` lists trace under "wrappers", after cpu.
# 3. With the Omniglot data present: 1b, a program on libsiamese.so finds the
#    inner module in the trace module's own folder when nothing else has it;
#    `siamese parity --backends cpu,trace:cpu`
#    trains 3 steps on both and agrees; the table lists the training ops.
#    `trace:nosuch` fails with a message naming the missing module.
set -u
parity=$1 siamese=$2 moddir=$3 api_shared=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(cd "$(mktemp -d)" && pwd -P)
# The table names the inner module's resolved path.
moddir_real=$(cd "$moddir" && pwd -P)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Calls in the table row for op $1 of file $2 ("" when there is no row).
calls_of() { awk -v op="$1" '$1 == op && $2 ~ /^[0-9]+$/ { print $2 }' "$2"; }

# Checks the shape of a table in file $1: header, sorted rows, total = sum.
check_table() {
    local f=$1
    grep -q '^siamese trace: .*synchronised before and after every call' "$f" ||
        fail "$f: no table header"
    grep -q '^op  *calls  *total ms  *mean us  *GB/s  *failed$' "$f" || fail "$f: no column line"
    awk '
        /^op / { on = 1; next }
        on && $1 == "total" { total = $2; have_total = 1; on = 0; next }
        on && NF == 6 {
            sum += $2
            if (seen && $3 > prev + 1e-9) unsorted = 1
            prev = $3; seen = 1
        }
        END {
            if (!have_total) { print "no total line"; exit 1 }
            if (total != sum) { print "total " total " != sum of rows " sum; exit 1 }
            if (unsorted) { print "rows not sorted by total time"; exit 1 }
        }' "$f" || fail "$f: table rows inconsistent"
}

# ---- 1. the op-parity program through trace (inner cpu) ----
SIAMESE_BACKEND_PATH=$moddir "$parity" test -b trace -o relu_fwd,maxpool \
    >"$tmp/p.out" 2>"$tmp/p.err"
rc=$?
[ $rc -eq 0 ] || fail "parity test -b trace exited $rc"
grep -q '^== trace against cpu' "$tmp/p.out" || fail "trace was not tested against cpu"
grep -q '^parity test: 10 cases ran, 0 failed' "$tmp/p.out" || fail "expected 10 passing cases"
grep -q "^siamese trace: cpu ($moddir_real/libsiamese-backend-cpu.so)," "$tmp/p.err" ||
    fail "table does not name the inner backend cpu and its file in $moddir"
check_table "$tmp/p.err"
# relu_fwd: 3 cases out of place, 1 in place; maxpool: 3 cases each way.
for want in relu_fwd:4 maxpool_fwd:3 maxpool_bwd:3; do
    op=${want%%:*}
    n=$(calls_of $op "$tmp/p.err")
    [ "$n" = "${want#*:}" ] || fail "$op: expected ${want#*:} calls (one per parity case), table says '${n}'"
done
for op in upload download; do
    n=$(calls_of $op "$tmp/p.err")
    [ -n "$n" ] && [ "$n" -gt 0 ] || fail "no $op row"
done
[ -z "$(calls_of conv2d_fwd "$tmp/p.err")" ] || fail "conv2d_fwd row although it never ran"

# ---- 2. an inner backend that does not exist ----
SIAMESE_TRACE_INNER=nosuch SIAMESE_BACKEND_PATH=$moddir "$parity" test -b trace -o relu_fwd \
    >"$tmp/n.out" 2>"$tmp/n.err"
rc=$?
[ $rc -eq 0 ] || fail "parity with a missing inner module exited $rc (skipping is not failing)"
grep -q "^backend trace: skipped (trace: inner backend 'nosuch' not found" "$tmp/n.out" ||
    fail "missing inner module not reported: $(head -c 300 "$tmp/n.out")"
! grep -q '^siamese trace:' "$tmp/n.err" || fail "a table printed without a context"

# ---- 2b. `siamese backends` lists the wrappers apart ----
SIAMESE_BACKEND_PATH=$moddir "$siamese" backends >"$tmp/b.out" 2>&1 || fail "siamese backends failed"
awk '/^wrappers \(in front of another backend\):$/ { w = NR }
     /^cpu  version / { c = NR } /^trace  version / { t = NR }
     /^    use: --backend trace:INNER\[:DEVICE\]$/ { u = NR }
     END { exit !(w && c && t && u && c < w && w < t && u == t + 1) }' "$tmp/b.out" ||
    fail "siamese backends: cpu not before the wrappers heading, or trace not after it with its use: $(cat "$tmp/b.out")"

# ---- 3. training through trace ----
data=${SIAMESE_DATA:-$here/../../../shared/data/omniglot}
if [ -d "$data/images_background" ]; then
    # ---- 1b. the inner module found beside the trace module (dladdr) ----
    # A program linked against libsiamese.so (api_shared), copied where no
    # ../lib/siamese exists, with a path that names only the trace module's
    # file: the core finds trace there, and the inner cpu can only come from
    # the trace module's own folder.
    "$siamese" train --data "$data" --preset tiny --steps 1 --batch 4 --val-trials 20 \
        --epoch-pairs 4 --threads 1 --backend cpu --out "$tmp/tiny.safetensors" \
        >/dev/null 2>"$tmp/t.err" || fail "tiny model not trained: $(tail -c 300 "$tmp/t.err")"
    mkdir -p "$tmp/bin" "$tmp/mods"
    cp "$api_shared" "$tmp/bin/api_shared"
    cp "$moddir/libsiamese-backend-trace.so" "$moddir/libsiamese-backend-cpu.so" "$tmp/mods/"
    run=$data/all_runs/run01
    LD_LIBRARY_PATH=$moddir/..${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
        SIAMESE_BACKEND_PATH=$tmp/mods/libsiamese-backend-trace.so "$tmp/bin/api_shared" \
        "$tmp/tiny.safetensors" trace "$run/test/item01.png" "$run/training/class01.png" \
        >"$tmp/d.out" 2>"$tmp/d.err"
    rc=$?
    [ $rc -eq 0 ] || fail "api_shared (copied) on trace exited $rc: $(tail -c 300 "$tmp/d.err")"
    grep -q "^siamese trace: cpu ($tmp/mods/libsiamese-backend-cpu.so)," "$tmp/d.err" ||
        fail "inner cpu not taken from the trace module's folder: $(head -n 1 "$tmp/d.err")"

    SIAMESE_BACKEND_PATH=$moddir "$siamese" parity --backends cpu,trace:cpu --preset tiny \
        --steps 3 --batch 4 --trials 0 --data "$data" >"$tmp/s.out" 2>"$tmp/s.err"
    rc=$?
    [ $rc -eq 0 ] || fail "siamese parity cpu,trace:cpu exited $rc: $(tail -c 300 "$tmp/s.err")"
    grep -q 'AGREE$' "$tmp/s.out" || fail "cpu and trace:cpu did not agree"
    grep -q '^siamese trace: cpu (' "$tmp/s.err" || fail "no table after training"
    check_table "$tmp/s.err"
    for op in conv2d_fwd conv2d_bwd_data conv2d_bwd_filter maxpool_fwd maxpool_bwd relu_bwd \
        linear_fwd linear_bwd_param sigmoid_bwd head_fwd head_bwd bce_fwd bce_bwd sgd_update; do
        n=$(calls_of $op "$tmp/s.err")
        [ -n "$n" ] && [ "$n" -gt 0 ] || fail "training table has no $op row"
    done
    # cpu fuses every activation into its conv or linear layer (p.layer.act),
    # and the head's absdiff and linear into head_fwd and head_bwd.
    for op in relu_fwd sigmoid_fwd absdiff_fwd absdiff_bwd; do
        [ -z "$(calls_of $op "$tmp/s.err")" ] || fail "training ran $op on its own: not fused"
    done
    # 3 steps of SGD: one update per parameter tensor per step, so a multiple of 3.
    n=$(calls_of sgd_update "$tmp/s.err")
    [ -n "$n" ] && [ $((n % 3)) -eq 0 ] || fail "sgd_update calls '$n' not a multiple of 3 steps"

    SIAMESE_BACKEND_PATH=$moddir "$siamese" parity --backends cpu,trace:nosuch --preset tiny \
        --steps 1 --batch 4 --trials 0 --data "$data" >"$tmp/x.out" 2>"$tmp/x.err"
    rc=$?
    [ $rc -ne 0 ] || fail "trace:nosuch did not fail"
    grep -q "inner backend 'nosuch' not found" "$tmp/x.err" ||
        fail "trace:nosuch: message does not name the module: $(head -c 300 "$tmp/x.err")"
else
    echo "part 3 skipped: no Omniglot data in $data"
fi

if [ $fails -ne 0 ]; then
    echo "--- parity stderr"; cat "$tmp/p.err"
    [ -f "$tmp/s.err" ] && { echo "--- siamese parity stderr"; cat "$tmp/s.err"; }
    [ -f "$tmp/d.err" ] && { echo "--- api_shared stderr"; cat "$tmp/d.err"; }
    echo "$fails check(s) failed"
    exit 1
fi
echo "trace: all checks passed"
