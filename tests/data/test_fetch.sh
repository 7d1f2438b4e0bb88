#!/usr/bin/env bash
# `siamese data fetch` from local mirrors (registered with ctest as
# `data_fetch`); no network is needed or used.
#
#   test_fetch.sh SIAMESE_PROGRAM
#
# The release's three archives are rebuilt from ../shared/data/omniglot by
# make_mirror.py and served from a folder (file://) and from a server on
# 127.0.0.1; their blob ids are given with --digest, as a mirror's user
# would. Checked: a fetch into the user's data folder (HOME, no
# SIAMESE_DATA) that `siamese data` then finds and tiny trains and
# evaluates on; a second fetch that leaves
# it be; resuming a half archive and recovering from a corrupt one; and
# refusals that leave no half folder: a wrong digest, a missing file, an
# archive with "../evil", an archive short of one alphabet, bad options.
# Without the data: exit 77 (skipped).
set -u
siamese=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${SIAMESE_TEST_OMNIGLOT:-$here/../../../shared/data/omniglot}
if [ ! -d "$data/images_background" ] || [ ! -d "$data/all_runs" ]; then
    echo "skipped: no Omniglot data in $data"
    exit 77
fi
tmp=$(mktemp -d)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
# The program with no data location but what the test gives it.
run() { env -u SIAMESE_DATA -u XDG_DATA_HOME HOME="$tmp/home" "$siamese" "$@"; }

read -r -a digests < <(python3 "$here/make_mirror.py" "$data" "$tmp/mirror") || exit 1
read -r -a slip_digests < <(python3 "$here/make_mirror.py" "$data" "$tmp/slip" --slip) || exit 1
read -r -a drop_digests < <(python3 "$here/make_mirror.py" "$data" "$tmp/drop" --drop) || exit 1
whole() { # whole DIR: the three folders there, no staging folder beside it
    [ -d "$1/images_background" ] && [ -d "$1/images_evaluation" ] && [ -d "$1/all_runs" ] &&
        [ ! -e "$1.fetch" ]
}

# 1. Into the user's data folder, from a folder mirror; `siamese data` finds it.
user="$tmp/home/.local/share/siamese/omniglot"
out=$(run data fetch --mirror "file://$tmp/mirror" "${digests[@]}" 2>"$tmp/err")
rc=$?
if [ $rc = 0 ] && [ "$out" = "$user" ] && whole "$user"; then ok "fetched into $user"
else fail "fetch into the user folder: exit $rc, out '$out': $(tail -3 "$tmp/err")"; fi
if run data >"$tmp/out" 2>&1 && grep -q "^data: $user\$" "$tmp/out"; then ok "siamese data finds it"
else fail "siamese data after the fetch: $(head -3 "$tmp/out")"; fi
# What a new user does next, on the fetched data alone: train tiny, evaluate.
if run train --preset tiny --steps 3 --batch 8 --epoch-pairs 8 --val-trials 20 --threads 1 \
        --backend cpu --out "$tmp/tiny.safetensors" >"$tmp/out" 2>&1 &&
    run eval --model "$tmp/tiny.safetensors" --trials 40 --backend cpu >"$tmp/out" 2>&1 &&
    grep -q "of 40 trials correct" "$tmp/out"; then ok "tiny trains and evaluates on it"
else fail "train and eval on the fetched data: $(tail -3 "$tmp/out")"; fi
if run data fetch --mirror "file://$tmp/nothing" "${digests[@]}" 2>"$tmp/err" >/dev/null &&
    grep -q "already holds" "$tmp/err"; then ok "a second fetch leaves it be"
else fail "a second fetch: $(cat "$tmp/err")"; fi

# 2. Over HTTP on 127.0.0.1: a half archive resumes, a corrupt one is fetched again.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$tmp/mirror" "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break
    sleep 0.1
done
zip="$tmp/mirror/images_background.zip"
size=$(stat -c %s "$zip")
mkdir -p "$tmp/h.fetch" "$tmp/c.fetch"
head -c $((size / 2)) "$zip" >"$tmp/h.fetch/images_background.zip.part"
head -c $((size / 2)) /dev/zero >"$tmp/c.fetch/images_background.zip.part"
run data fetch --to "$tmp/h" --mirror "http://127.0.0.1:$port" "${digests[@]}" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc = 0 ] && whole "$tmp/h" && grep -q "images_background.zip: resuming" "$tmp/err"; then
    ok "a half archive resumes over HTTP"
else fail "resume: exit $rc: $(cat "$tmp/err")"; fi
run data fetch --to "$tmp/c" --mirror "http://127.0.0.1:$port" "${digests[@]}" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc = 0 ] && whole "$tmp/c" && grep -q "does not check out; fetching it again whole" "$tmp/err"; then
    ok "a corrupt half archive is fetched again"
else fail "corrupt part: exit $rc: $(cat "$tmp/err")"; fi

# 3. Refusals: exit 1, the last line says why, no half folder in the target.
refuse() { # refuse LABEL REGEX FETCH-ARGS...: exit 1, reason, nothing in the target
    local label=$1 regex=$2
    shift 2
    run data fetch --to "$tmp/r" "$@" >/dev/null 2>"$tmp/err"
    local rc=$? last
    last=$(tail -n 1 "$tmp/err")
    if [ $rc = 1 ] && printf '%s\n' "$last" | grep -Eq -- "$regex" &&
        [ -z "$(ls -A "$tmp/r" 2>/dev/null)" ] && ! ls "$tmp"/r.fetch/*.part >/dev/null 2>&1; then
        ok "$label: $last"
    else fail "$label: exit $rc, stderr: $(cat "$tmp/err"); target: $(ls -A "$tmp/r" 2>&1)"; fi
    rm -rf "$tmp/r" "$tmp/r.fetch"
}
bad=(--digest images_background.zip=0000000000000000000000000000000000000000)
refuse "wrong digest" "blob id [0-9a-f]{40}, not the pinned 0{40}" \
    --mirror "file://$tmp/mirror" "${digests[@]}" "${bad[@]}"
refuse "missing file" "^siamese data fetch: .*images_background.zip: .*(Couldn't|not|No such)" \
    --mirror "file://$tmp/nothing" "${digests[@]}"
refuse "zip slip" "unsafe entry '\.\./evil'.*nothing unpacked" \
    --mirror "file://$tmp/slip" "${slip_digests[@]}"
[ -e "$tmp/evil" ] && fail "zip slip wrote $tmp/evil"
refuse "short archive" "not the release's: .*29 alphabets" \
    --mirror "file://$tmp/drop" "${drop_digests[@]}"

# 4. Bad options: exit 2, one line.
expect() { bash "$here/../cli_expect.sh" "$@" >/dev/null || fail "$(bash "$here/../cli_expect.sh" "$@")"; }
expect 2 "--digest takes NAME=BLOBID" "$siamese" data fetch --digest other.zip=abc
expect 2 "not 40 hex digits" "$siamese" data fetch --digest all_runs.zip=xyz
expect 2 "--to needs a value" "$siamese" data fetch --to
[ $fails = 0 ] && echo "all fetch cases passed"
exit $((fails > 0))
