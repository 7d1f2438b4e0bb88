#!/usr/bin/env bash
# One option table for every command (ctest `cli_options`):
#
#   test_cli_options.sh SIAMESE
#
# Every command takes --opt=value, short forms and "--"; values are checked
# by kind (whole number, number, choice) with one error line and exit 2; a
# mistyped long option gets a suggestion; every command's --help exits 0
# and lists each option of `siamese help --table`.
set -u
cli=$1
here=$(cd "$(dirname "$0")" && pwd)
expect() { bash "$here/../cli_expect.sh" "$@" >/dev/null || { echo "FAIL: $*"; fails=$((fails + 1)); }; }
fails=0

# --opt=value and short forms reach the option (the model is then opened)
expect 1 "cannot open model /nonexistent.safetensors" "$cli" verify --model=/nonexistent.safetensors a.png b.png
expect 1 "cannot open model /nonexistent.safetensors" "$cli" verify -m /nonexistent.safetensors a.png b.png
expect 1 "cannot open model /nonexistent.safetensors" "$cli" verify -m/nonexistent.safetensors a.png b.png
expect 1 "cannot open model /nonexistent.safetensors" "$cli" verify a.png --model /nonexistent.safetensors b.png
# "--" ends the options: an image named like an option
expect 1 "cannot open model /nonexistent.safetensors" "$cli" verify -m /nonexistent.safetensors -- -a.png b.png
# values by kind
expect 2 "--batch needs a whole number in \[1, 65536\], got '2x'" "$cli" train --out m --batch=2x
expect 2 "--lr needs a number in \[0, 10\], got 'nan'" "$cli" train --out m --lr nan
expect 2 "--tol needs a number in \(0, 1\), got '0'" "$cli" parity --backends cpu,cpu --tol 0
expect 2 "--optimizer is sgd or adam, not 'rmsprop'" "$cli" train --out m --optimizer rmsprop
expect 2 "--mode is teacher, free or both, not 'x'" "$cli" parity --backends a,b --mode x
# names
expect 2 "unknown option '--pacience': did you mean --patience\?" "$cli" train --out m --pacience 3
expect 2 "unknown option '-Z'" "$cli" embed -Z
expect 2 "--out MODEL is required" "$cli" train --steps 1
expect 2 "unexpected argument 'extra'" "$cli" serve --model m extra
expect 2 "--json takes no value" "$cli" info --json=1 m

table=$("$cli" help --table) || { echo "FAIL: help --table"; exit 1; }
cmds=$(printf '%s\n' "$table" | cut -f1 | uniq)
[ "$(printf '%s\n' "$cmds" | wc -l)" -ge 13 ] || { echo "FAIL: help --table lists $(printf '%s\n' "$cmds" | wc -l) commands"; fails=$((fails + 1)); }
while IFS= read -r c; do
    help=$("$cli" $c --help) || { echo "FAIL: siamese $c --help exits $?"; fails=$((fails + 1)); continue; }
    for opt in $(printf '%s\n' "$table" | awk -F'\t' -v c="$c" '$1 == c { print $3 }'); do
        printf '%s\n' "$help" | grep -q -- "$opt" || { echo "FAIL: siamese $c --help does not list $opt"; fails=$((fails + 1)); }
    done
done <<< "$cmds"

[ $fails -eq 0 ] && echo "cli_options: $(printf '%s\n' "$table" | wc -l) options of $(printf '%s\n' "$cmds" | wc -l) commands"
[ $fails -eq 0 ]
