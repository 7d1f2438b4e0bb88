#!/usr/bin/env bash
# libsiamese as users link it (registered with ctest as `library`):
#
#   test_library.sh LIBRARY INCLUDE_DIR API_SHARED SIAMESE [MODEL IMAGE_A IMAGE_B]
#
# 1. Its SONAME is libsiamese.so.MAJOR, MAJOR from include/siamese/version.h.
# 2. It exports exactly the functions the public headers declare SIAM_API:
#    nothing internal, nothing missing.
# 3. A program linked against it alone (API_SHARED), copied away from the
#    build tree and run with SIAMESE_BACKEND_PATH unset, reports the headers'
#    version and, given a model and two images, finds the backend modules
#    beside the library (dladdr) and scores the pair as `siamese verify`
#    does (p(same) to the 4 digits both print).
set -u
lib=$1 inc=$2 api=$3 siamese=$4 model=${5:-} a=${6:-} b=${7:-}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

ver() { awk -v k="SIAMESE_VERSION_$1" '$1 == "#define" && $2 == k { print $3 }' "$inc/siamese/version.h"; }
major=$(ver MAJOR) version="$(ver MAJOR).$(ver MINOR).$(ver PATCH)"
[ -n "$major" ] || fail "no SIAMESE_VERSION_MAJOR in $inc/siamese/version.h"

soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libsiamese.so.$major" ] || fail "SONAME is '$soname', not libsiamese.so.$major"

exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWiDdBbRrV]$/ { print $3 }' | sort -u)
declared=$(cat "$inc"/siamese/*.h | tr '\n' ' ' | grep -oE 'SIAM_API [^;{]*\(' |
           grep -oE 'siam_[a-z0-9_]+ *\($' | tr -d ' (' | sort -u)
[ -n "$declared" ] || fail "no SIAM_API declarations found in $inc/siamese"
extra=$(comm -23 <(echo "$exported") <(echo "$declared"))
missing=$(comm -13 <(echo "$exported") <(echo "$declared"))
[ -z "$extra" ] || fail "exported but not public: $(echo $extra)"
[ -z "$missing" ] || fail "public but not exported: $(echo $missing)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$api" "$tmp/api_shared"
libdir=$(cd "$(dirname "$lib")" && pwd)
api() { env -u SIAMESE_BACKEND_PATH LD_LIBRARY_PATH="$libdir" "$tmp/api_shared" "$@"; }
out=$(api) || fail "api_shared exited $?"
[ "$out" = "version $version" ] || fail "siam_version says '$out', headers say $version"

if [ -n "$model" ]; then
    got=$(api "$model" cpu "$a" "$b" 2>&1) || fail "api_shared on $model: $got"
    p_api=$(awk -v b="$b" '$1 == b { print $2 }' <<<"$got")
    cli=$("$siamese" verify --model "$model" --backend cpu "$a" "$b" 2>&1) ||
        fail "siamese verify: $cli"
    p_cli=$(sed -n 's/^p(same) = \([0-9.]*\).*/\1/p' <<<"$cli")
    [ -n "$p_api" ] && [ "$p_api" = "$p_cli" ] ||
        fail "the shared library scores '$p_api', siamese verify '$p_cli'"
fi

[ $fails -eq 0 ] && echo "library: SONAME $soname, $(echo "$exported" | wc -l) exported functions, version $version"
[ $fails -eq 0 ]
