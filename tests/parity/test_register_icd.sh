#!/usr/bin/env bash
# siamese backends with a vendor OpenCL library that no ICD file registers,
# as in NVIDIA containers. PoCL's own library stands in for the vendor's
# (SIAMESE_OPENCL_VENDOR_LIBS): with an empty ICD folder the backend list
# has no OpenCL device and says why and what to do; --register-icd writes a
# folder with which the platform appears; a library file that does not
# load is refused in one line and nothing is written.
#   test_register_icd.sh SIAMESE   (exit 77: skipped, no PoCL library)
set -u
cli=$1
entry=$(cat /etc/OpenCL/vendors/*pocl*.icd 2>/dev/null | head -n 1)
pocl=""
for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib; do
  for f in "$d/$entry" "$d"/libpocl.so.2; do
    if [ -n "$entry" ] && [ -f "$f" ]; then pocl=$f; break 2; fi
  done
done
[ -n "$pocl" ] || { echo "skipped: PoCL's library not found (ICD entry '$entry')"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/empty"
fail() { echo "FAIL: $*"; exit 1; }
export SIAMESE_OPENCL_CACHE=0

# 1. Not registered: no device, and a note naming the library and the fix.
out=$(OCL_ICD_VENDORS=$tmp/empty SIAMESE_OPENCL_VENDOR_LIBS=$pocl "$cli" backends 2>&1)
grep -q "Portable Computing Language" <<<"$out" && fail "PoCL visible with an empty ICD folder: $out"
grep -Fq "library $pocl is present but no ICD file in $tmp/empty registers it: run 'siamese backends --register-icd DIR'" <<<"$out" ||
  fail "no note on the unregistered library: $out"

# 2. --register-icd writes a folder holding its path; 3. with it the platform appears.
out=$(OCL_ICD_VENDORS=$tmp/empty SIAMESE_OPENCL_VENDOR_LIBS=$pocl "$cli" backends --register-icd "$tmp/icd" 2>&1) ||
  fail "--register-icd failed: $out"
grep -Fq "now: export OCL_ICD_VENDORS=$tmp/icd" <<<"$out" || fail "no export line: $out"
[ "$(cat "$tmp/icd/$(basename "$pocl").icd")" = "$pocl" ] || fail "ICD file does not name $pocl"
out=$(OCL_ICD_VENDORS=$tmp/icd "$cli" backends 2>&1)
grep -q "platform: Portable Computing Language" <<<"$out" || fail "platform missing after registering: $out"

# 4. The loader's own entries are carried over into the new folder.
mkdir "$tmp/other"
echo "libghost-opencl.so" >"$tmp/other/ghost.icd"
OCL_ICD_VENDORS=$tmp/other SIAMESE_OPENCL_VENDOR_LIBS=$pocl "$cli" backends --register-icd "$tmp/icd2" >/dev/null ||
  fail "--register-icd with an existing entry failed"
[ "$(cat "$tmp/icd2/ghost.icd")" = "libghost-opencl.so" ] || fail "existing entry not kept"
[ -f "$tmp/icd2/$(basename "$pocl").icd" ] || fail "stand-in not registered beside the kept entry"

# 5. Already registered: nothing to write.
out=$(OCL_ICD_VENDORS=$tmp/icd SIAMESE_OPENCL_VENDOR_LIBS=$pocl "$cli" backends --register-icd "$tmp/icd3" 2>&1) ||
  fail "registered already should succeed: $out"
grep -q "nothing written" <<<"$out" || fail "expected 'nothing written': $out"
[ -e "$tmp/icd3" ] && fail "folder written although nothing was to register"

# 6. A fake vendor library that does not load: noted, refused, nothing written.
mkdir "$tmp/fake"
printf 'not a library' >"$tmp/fake/libnvidia-opencl.so.1"
out=$(OCL_ICD_VENDORS=$tmp/empty SIAMESE_OPENCL_VENDOR_LIBS=$tmp/fake/libnvidia-opencl.so.1 "$cli" backends 2>&1)
grep -Fq "library $tmp/fake/libnvidia-opencl.so.1 is present but does not load" <<<"$out" ||
  fail "no note on the library that does not load: $out"
here=$(dirname "$0")
OCL_ICD_VENDORS=$tmp/empty SIAMESE_OPENCL_VENDOR_LIBS=$tmp/fake/libnvidia-opencl.so.1 \
  bash "$here/../cli_expect.sh" 1 "no vendor OpenCL library that loads: .*libnvidia-opencl.so.1.*nothing written" \
  "$cli" backends --register-icd "$tmp/icd4" || exit 1
[ -e "$tmp/icd4" ] && fail "folder written for a library that does not load"

# 7. Usage.
bash "$here/../cli_expect.sh" 2 "register-icd needs a value" "$cli" backends --register-icd || exit 1
bash "$here/../cli_expect.sh" 2 "register-icd needs a folder" "$cli" backends --register-icd "" || exit 1
echo "ok: register-icd"
