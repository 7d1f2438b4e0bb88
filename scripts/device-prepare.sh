#!/usr/bin/env bash
# Fills one folder to carry to a machine that has a GPU driver but no
# network and none of our packages, for scripts/device-check.sh:
#   DIR/debs/            the Debian packages of every library our programs
#                        load beyond libc and libstdc++, and clinfo
#                        (apt-get download: nothing is installed here);
#   DIR/prefix/          a Release build, installed, plus the test and
#                        benchmark programs the check runs;
#   DIR/omniglot.tar.gz  the data (background, evaluation, Lake's runs).
# It stays under the 64 MiB a device call carries (checked).
#
#   scripts/device-prepare.sh [DIR]     (default .device in the repository)
#
# DIR must be ignored by git (the script adds it to .git/info/exclude when
# it lies inside the repository) and named in the call's `carry`.
# DEVICE_PREPARE_BUILD=BUILD_DIR uses that build instead of a fresh Release
# build in build-device/; DEVICE_PREPARE_PACKAGES=0 downloads nothing (the
# check then uses the machine's own libraries: the smoke test does this).
# The data come from SIAMESE_DATA, else ../shared/data/omniglot.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/.device}
data=${SIAMESE_DATA:-$root/../shared/data/omniglot}
build=${DEVICE_PREPARE_BUILD:-}
limit=$((62 * 1024 * 1024))

for d in images_background images_evaluation all_runs; do
  [ -d "$data/$d" ] || { echo "device-prepare: no $data/$d (set SIAMESE_DATA)" >&2; exit 1; }
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
case "$dir" in
  "$root"/*)
    rel=${dir#"$root"/}
    grep -qxF "/$rel/" "$root/.git/info/exclude" 2>/dev/null || echo "/$rel/" >>"$root/.git/info/exclude"
    ;;
esac

if [ -z "$build" ]; then
  build=$root/build-device
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j"$(nproc)"
fi
rm -rf "$dir/prefix"
cmake --install "$build" --prefix "$dir/prefix" >/dev/null
for p in parity bench_train bench_clblast test_opencl; do
  [ -x "$build/bin/$p" ] && cp "$build/bin/$p" "$dir/prefix/bin/"
done
strip --strip-unneeded "$dir"/prefix/bin/* "$dir"/prefix/lib/*.so "$dir"/prefix/lib/siamese/*.so 2>/dev/null || true

rm -rf "$dir/debs"
mkdir -p "$dir/debs"
if [ "${DEVICE_PREPARE_PACKAGES:-1}" != 0 ]; then
  # Found from the programs themselves: the package of every library they
  # load, less the C and C++ runtimes any machine has (newer there).
  libs=$(for f in "$dir"/prefix/bin/* "$dir"/prefix/lib/*.so "$dir"/prefix/lib/siamese/*.so; do
           ldd "$f" 2>/dev/null | awk '/=> \// {print $3}'
         done | sort -u)
  pkgs=$(for l in $libs; do dpkg -S "$(readlink -f "$l")" 2>/dev/null || dpkg -S "$l" 2>/dev/null; done |
         cut -d: -f1 | sort -u | grep -v -x -e libc6 -e libgcc-s1 -e libstdc++6 || true)
  pkgs="$pkgs clinfo"
  if ! (cd "$dir/debs" && apt-get download $pkgs) >/dev/null 2>"$dir/apt.err"; then
    cat "$dir/apt.err" >&2
    exit 1
  fi
  rm -f "$dir/apt.err"
  echo "device-prepare: packages: $(echo $pkgs)"
fi

tar czf "$dir/omniglot.tar.gz" -C "$data" images_background images_evaluation all_runs

size=$(du -sb "$dir" | cut -f1)
echo "device-prepare: $dir holds $((size / 1024 / 1024)) MiB ($(find "$dir" -type f | wc -l) files)"
if [ "$size" -gt "$limit" ]; then
  echo "device-prepare: $dir is over 62 MiB: a device call carries 64 MiB with the repository" >&2
  exit 1
fi
