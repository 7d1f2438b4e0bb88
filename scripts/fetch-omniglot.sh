#!/usr/bin/env bash
# Fetches the official Omniglot release where siamese looks for it:
# `siamese data fetch` (cli/fetch/), which checks each archive's pinned
# digest, unpacks beside the target and moves in only whole folders.
# Arguments go to it: --to DIR, --mirror URL, --digest NAME=BLOBID.
# Uses SIAMESE (a program path) if set, else this checkout's build, else
# `siamese` on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
siamese=${SIAMESE:-}
if [ -z "$siamese" ]; then
    if [ -x build/bin/siamese ]; then siamese=build/bin/siamese
    elif command -v siamese >/dev/null; then siamese=siamese
    else echo "fetch-omniglot.sh: build siamese first (cmake -S . -B build && cmake --build build)" >&2; exit 2
    fi
fi
exec "$siamese" data fetch "$@"
