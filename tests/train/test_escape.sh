#!/usr/bin/env bash
# Names and metadata from files reach the terminal with their control
# characters escaped (core/base/term_text.c): a newline in a class folder's name
# forges no output line, an escape sequence in a model's metadata or file
# name is printed as \x1b, in output and in error messages alike.
#   test_escape.sh SIAMESE FIXTURES   (the cli_fixtures folder)
set -u
siamese=$1 fx=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
esc=$'\x1b'

# classify: a class folder named "a<newline>FAKE: forged" and one with an escape sequence.
mkdir -p "$tmp/support"
cp -r "$fx/three/c0" "$tmp/support/a"$'\n'"FAKE: forged"
cp -r "$fx/three/c1" "$tmp/support/b${esc}[31mred"
query=$(ls "$fx"/three/c2/*.png | head -n 1)
out=$("$siamese" classify --model "$fx/tiny.safetensors" --support "$tmp/support" --backend cpu "$query" 2>&1) ||
    fail "classify failed: $out"
grep -q '^FAKE' <<<"$out" && fail "a folder name forged a line: $out"
grep -qF 'a\nFAKE: forged' <<<"$out" || fail "the newline is not shown escaped: $out"
grep -qF 'b\x1b[31mred' <<<"$out" || fail "the escape sequence is not shown escaped: $out"
[[ "$out" == *"$esc"* ]] && fail "an escape character reached the output"

# info: an escape sequence in the metadata (a key of the same length that
# siamese does not read, whose value is free text: the header's padding
# takes the extra byte) and in the file name.
name="$tmp/m${esc}[2J.safetensors"
cp "$fx/tiny.safetensors" "$name"
LC_ALL=C sed -i 's/"best_val_accuracy":"0.000000"/"note_val_accuracy":"\\u001b[K"/' "$name"
out=$("$siamese" info "$name" 2>&1) || fail "info failed: $out"
grep -qF 'note_val_accuracy: \x1b[K' <<<"$out" || fail "metadata not escaped: $out"
grep -qF 'm\x1b[2J.safetensors: ' <<<"$out" || fail "file name not escaped: $out"
[[ "$out" == *"$esc"* ]] && fail "an escape character reached info's output"

# An error message quoting a file name: one line, escaped.
err=$("$siamese" info "$tmp/no"$'\n'"such${esc}x" 2>&1 >/dev/null)
[ "$(grep -c '' <<<"$err")" = 1 ] || fail "error message spans lines: $err"
[[ "$err" == *"$esc"* ]] && fail "an escape character reached the error message"
echo "ok: control characters escaped in classify, info and errors"
