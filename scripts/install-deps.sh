#!/usr/bin/env bash
# Installs what siamese needs to build and test on Debian 12 (run as root).
# Why each: OpenCL ICD loader + headers + PoCL (the OpenCL backend, and a CPU
# OpenCL device for its tests), CLBlast (GEMMs on OpenCL devices), libpng
# (image loading), nettle (SHA-256 keys and digests of the OpenCL program
# cache: a well-kept hash beats our own), cmocka (unit tests), OpenBLAS (the blas backend's GEMM),
# clang + libclang-rt-14-dev (the libFuzzer runtime and sanitizers for the
# fuzz harnesses in tests/fuzz; zlib1g-dev comes with libpng-dev), valgrind
# (scripts/memcheck.py, the suite under memcheck; not run by CI), python3
# (tests/adversarial/gen_hostile.py writes the hostile files: bytes are
# clearer in Python than in shell), libcurl + libzip (`siamese data fetch`:
# downloads with TLS, redirects and ranges, and the release's zip archives;
# nettle gives the git blob ids that pin them), libjpeg-turbo (JPEG images),
# python3-numpy (tests read `siamese embed` files as Python users do),
# chromium (headless: the eval --report page is rendered and screenshotted),
# libmicrohttpd (the HTTP server of `siamese serve`: parsing, multipart
# uploads and connection limits are a well-kept library's job),
# python3-venv, -pip and -setuptools (CI pip-installs the Python package
# into a fresh virtual environment, as users do), python3-torch (the
# package's PyTorch round trip and ONNX export are tested against the C
# library), curl (the README's service example is run as written),
# groff-base (the generated man page is rendered and checked for warnings),
# Open MPI (data-parallel training across processes and machines: mpirun
# and Slurm already launch it; no home-made transport).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  build-essential cmake pkg-config \
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo \
  libclblast-dev libpng-dev libcmocka-dev libopenblas-dev nettle-dev \
  libcurl4-openssl-dev libzip-dev libjpeg62-turbo-dev libmicrohttpd-dev \
  clang libclang-rt-14-dev valgrind python3 python3-numpy chromium \
  python3-venv python3-pip python3-setuptools python3-torch curl groff-base \
  libopenmpi-dev openmpi-bin
