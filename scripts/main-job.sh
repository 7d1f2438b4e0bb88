#!/usr/bin/env bash
# Installs the dependencies (as root), builds Release, and runs the main job
# on the bundled defaults: the backends found, the Omniglot splits, and
# Lake's 400 official 20-way one-shot trials scored by the MHD baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then bash scripts/install-deps.sh; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
build/bin/siamese backends
build/bin/siamese data
build/bin/siamese eval --baseline mhd
