#!/usr/bin/env bash
# Compiles every OpenCL kernel file with clang as OpenCL C 1.2 for SPIR
# (the path of clang-based drivers: ROCm, Intel), with each TILE the
# backend builds with, and fails on any warning or on a function the file
# calls but never defines (C99 `inline` alone gives no definition: PoCL and
# NVIDIA accept it, a clang-based driver fails to link). Builtins are
# mangled (_Z...) or LLVM intrinsics and are left to the driver.
#
#   scripts/check-cl.sh [CLANG] [KERNEL_DIR]
set -euo pipefail
clang=${1:-clang}
dir=${2:-$(cd "$(dirname "$0")/.." && pwd)/backends/opencl/kernels}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bad=0 n=0
for f in "$dir"/*.cl; do
  for tile in 16 8; do
    ll="$out/$(basename "$f" .cl)-$tile.ll"
    if ! "$clang" -x cl -cl-std=CL1.2 -Xclang -finclude-default-header -O0 -target spir64 \
        -DTILE=$tile -Werror -emit-llvm -S "$f" -o "$ll"; then
      echo "check-cl: $f (TILE=$tile) does not compile as OpenCL C 1.2" >&2
      bad=1; continue
    fi
    undef=$(grep '^declare' "$ll" | grep -o '@[A-Za-z_.][A-Za-z0-9_.]*' | grep -v -e '^@_Z' -e '^@llvm\.' || true)
    if [ -n "$undef" ]; then
      echo "check-cl: $f (TILE=$tile) calls functions it never defines: $(echo $undef)" >&2
      bad=1
    fi
    n=$((n + 1))
  done
done
[ $bad -eq 0 ] || exit 1
echo "check-cl: $n compilations of $(ls "$dir"/*.cl | wc -l) kernel files as OpenCL C 1.2 (spir64): clean"
