#!/usr/bin/env bash
# The generated man page and bash completion (ctest `cli_docs`):
#
#   test_cli_docs.sh SIAMESE DOCS_DIR
#
# The page renders without a groff warning and has a section for every
# command `siamese --help` lists; the completion completes commands and each
# command's options and the words of a choice (checked on `siamese verify
# --j` -> --json, `train --loss c` -> contrastive, `data fetch --mi`).
set -u
siamese=$1 dir=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
page=$dir/siamese.1 comp=$dir/siamese.bash
[ -s "$page" ] && [ -s "$comp" ] || { echo "FAIL: $page or $comp missing"; exit 1; }

warn=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
[ -z "$warn" ] || fail "groff warns: $warn"
cmds=$("$siamese" --help | awk '/^commands:/ { on = 1; next } on && NF { print $1 }')
[ -n "$cmds" ] || fail "no commands in siamese --help"
for c in $cmds; do
    grep -q "^\.SH \"SIAMESE ${c^^}\"" "$page" || fail "no man section for $c"
done

complete_words() { # the completions of the words given, the last being completed
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _siamese; echo "${COMPREPLY[*]}"' \
        _ "$comp" "$@"
}
[ "$(complete_words siamese tra)" = train ] || fail "siamese tra completes to '$(complete_words siamese tra)'"
[ "$(complete_words siamese verify --j)" = --json ] || fail "siamese verify --j: '$(complete_words siamese verify --j)'"
[ "$(complete_words siamese help ser)" = serve ] || fail "siamese help ser: '$(complete_words siamese help ser)'"
[ "$(complete_words siamese train --loss c)" = contrastive ] || fail "siamese train --loss c: '$(complete_words siamese train --loss c)'"
[ "$(complete_words siamese data fetch --mi)" = --mirror ] || fail "siamese data fetch --mi: '$(complete_words siamese data fetch --mi)'"
n=$(complete_words siamese serve --max | wc -w)
[ "$n" = 3 ] || fail "siamese serve --max completes to $n options, expected 3"

[ $fails -eq 0 ] && echo "cli_docs: man page for $(echo $cmds | wc -w) commands, completion checked"
[ $fails -eq 0 ]
