#!/usr/bin/env bash
# The Python package as users get it (run by .ci/run on the installed tree):
#
#   test_install.sh PREFIX SOURCE_DIR DATA_DIR
#
# 1. From the install (P/lib/python3/dist-packages, put there by
#    cmake --install): with SIAMESE_LIBRARY and LD_LIBRARY_PATH unset it
#    finds P/lib/libsiamese.so.0 beside itself, and the library its modules.
# 2. `pip install ./python` into a fresh virtual environment (numpy and
#    PyTorch from the system's site packages), then the package tests
#    against the installed program, run outside the source tree; then the
#    PyTorch round trip and `siamese export --onnx`, its graphs run by
#    onnxruntime from PyPI.
set -eu
prefix=$1 src=$2 data=$3
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

out=$(env -u SIAMESE_LIBRARY -u LD_LIBRARY_PATH -u SIAMESE_BACKEND_PATH \
      PYTHONPATH="$prefix/lib/python3/dist-packages" "$py" -c \
      'import siamese; print(siamese.library_version(), ",".join(siamese.backends()))')
case "$out" in
*" "*cpu*) echo "installed package: library $out" ;;
*) echo "FAIL: the installed package did not find its library or modules: $out"; exit 1 ;;
esac

"$py" -m venv --system-site-packages "$tmp/venv"
cp -r "$src/python" "$tmp/pkg" # pip builds in place: keep the source tree clean
"$tmp/venv/bin/pip" install --quiet --no-index --no-build-isolation "$tmp/pkg"
"$prefix/bin/siamese" train --data "$data" --preset tiny --steps 1 --batch 4 --val-trials 20 \
    --epoch-pairs 4 --threads 1 --backend cpu --out "$tmp/tiny.safetensors" >/dev/null 2>&1
env -u SIAMESE_BACKEND_PATH -u PYTHONPATH SIAMESE_LIBRARY="$prefix/lib/libsiamese.so.0" \
    SIAMESE_PROGRAM="$prefix/bin/siamese" SIAMESE_TEST_MODEL="$tmp/tiny.safetensors" \
    SIAMESE_TEST_RUN="$data/all_runs/run01" \
    "$tmp/venv/bin/python" "$src/tests/python/test_package.py"
# PyTorch and ONNX: the round trip, and the exported graphs run by
# onnxruntime (PyPI) where it installs; the installed program's
# `siamese export` runs the installed package with this interpreter.
if "$tmp/venv/bin/pip" install --quiet onnxruntime; then :; else
    echo "onnxruntime did not install: the ONNX graphs are written but not run"
fi
rc=0
env -u SIAMESE_BACKEND_PATH -u PYTHONPATH SIAMESE_LIBRARY="$prefix/lib/libsiamese.so.0" \
    SIAMESE_PROGRAM="$prefix/bin/siamese" SIAMESE_TEST_MODEL="$tmp/tiny.safetensors" \
    SIAMESE_TEST_RUN="$data/all_runs/run01" SIAMESE_PYTHON="$tmp/venv/bin/python" \
    "$tmp/venv/bin/python" "$src/tests/python/test_torch.py" || rc=$?
[ $rc -eq 0 ] || [ $rc -eq 77 ] || exit $rc
echo "pip-installed package: tests passed"
