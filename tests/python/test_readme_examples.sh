#!/usr/bin/env bash
# The README's "From Python" and "As a service" examples, run as written
# (ctest `readme_examples`), in a folder holding the files they name:
# koch35.safetensors (a real model: the CLI fixtures' tiny one), a.png,
# b.png, q.png, alef1.png, bet1.png (Lake's drawings) and support/ (class
# folders). The service example runs on a free port instead of 8080, and
# every curl must answer 200 with JSON (--fail).
#
#   test_readme_examples.sh README SIAMESE PYTHON MODEL RUN_DIR
set -eu
readme=$1 siamese=$2 py=$3 model=$4 run=$5
tmp=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
block() { # the fenced block of language $2 in the README section titled $1
    awk -v title="### $1" -v lang="$2" '
        $0 == title { on = 1; next }
        on && /^### / { exit }
        on && $0 == "```" lang { inside = 1; next }
        inside && $0 == "```" { exit }
        inside { print }' "$readme"
}
cd "$tmp"
cp "$model" koch35.safetensors
cp "$run/test/item01.png" a.png
cp "$run/training/class01.png" b.png
cp "$run/test/item02.png" q.png
cp "$run/training/class02.png" alef1.png
cp "$run/training/class03.png" bet1.png
for c in 01 02 03; do mkdir -p "support/c$c" && cp "$run/training/class$c.png" "support/c$c/"; done

block "From Python" python >example.py
[ -s example.py ] || { echo "FAIL: no python block under ### From Python"; exit 1; }
"$py" example.py >py.out || { echo "FAIL: the From Python example failed"; exit 1; }
echo "From Python: ran ($(wc -l <example.py) lines): $(head -c 100 py.out)"

block "As a service" sh >service.sh
[ -s service.sh ] || { echo "FAIL: no sh block under ### As a service"; exit 1; }
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The first line starts the server in the background: here on the free
# port, its pid kept; the curls then wait for it and must succeed.
first=$(head -n 1 service.sh)
case "$first" in
"siamese serve "*"&") ;;
*) echo "FAIL: the service example does not start with 'siamese serve ... &': $first"; exit 1 ;;
esac
args=${first#siamese serve }
args=${args%&}
# shellcheck disable=SC2086
"$siamese" serve $args --listen "127.0.0.1:$port" --backend cpu >serve.out 2>&1 &
server=$!
for _ in $(seq 100); do grep -q listening serve.out 2>/dev/null && break; sleep 0.1; done
tail -n +2 service.sh | sed "s/127\.0\.0\.1:8080/127.0.0.1:$port/g; s/^curl /curl --fail --silent --show-error /; s/; curl /; curl --fail --silent --show-error /" >curls.sh
bash -e curls.sh >curl.out || { echo "FAIL: a curl of the service example failed:"; cat curl.out serve.out; exit 1; }
grep -q '"probability"' curl.out && grep -q '"embeddings"' curl.out && grep -q '"label"' curl.out &&
    grep -q '^siamese_requests_total' curl.out ||
    { echo "FAIL: the service example's answers are incomplete:"; cat curl.out; exit 1; }
echo "As a service: $(grep -c '' curls.sh) lines ran, every answer 200"
