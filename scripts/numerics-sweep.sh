#!/usr/bin/env bash
# Runs the tests labelled `numerics` (float verdicts: ops, parity, graph,
# training) under every OpenBLAS kernel family this CPU can run, and with
# 1 and 2 threads, so that a verdict that holds only for one machine's
# kernels or thread split fails here rather than on the next machine.
#
#   scripts/numerics-sweep.sh BUILD_DIR
#
# Kernel families: the machine's own choice (OPENBLAS_CORETYPE as the
# environment has it; CI never unsets it, since some CPUs need it), then
# Haswell (AVX2) and SkylakeX (AVX-512), each where /proc/cpuinfo shows the
# instructions it needs. Threads: SIAMESE_THREADS=1 and 2, the default of
# every backend context a test opens without a count of its own.
set -euo pipefail
build=${1:?usage: numerics-sweep.sh BUILD_DIR}
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
has() { for f in "$@"; do grep -qw "$f" <<<"$flags" || return 1; done; }

coretypes=(own)
if has avx2 fma; then coretypes+=(Haswell); else echo "numerics sweep: no AVX2, Haswell kernels skipped"; fi
if has avx512f avx512bw avx512dq avx512vl; then coretypes+=(SkylakeX)
else echo "numerics sweep: no AVX-512, SkylakeX kernels skipped"; fi

failed=()
for ct in "${coretypes[@]}"; do
  for th in 1 2; do
    echo "== numerics: OPENBLAS_CORETYPE=${ct/own/${OPENBLAS_CORETYPE:-(unset)}}, SIAMESE_THREADS=$th"
    envs=(SIAMESE_THREADS=$th)
    [ "$ct" = own ] || envs+=(OPENBLAS_CORETYPE=$ct)
    env "${envs[@]}" ctest --test-dir "$build" -L numerics -j2 --output-on-failure ||
      failed+=("OPENBLAS_CORETYPE=$ct SIAMESE_THREADS=$th")
  done
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'numerics sweep failed under: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "numerics sweep: passed under ${coretypes[*]} kernels, 1 and 2 threads"
