#!/usr/bin/env bash
# cli_expect.sh RC REGEX COMMAND...: runs COMMAND and passes when it exits
# with status RC and its stderr is one line matching REGEX (grep -E).
set -u
want_rc=$1 regex=$2
shift 2
err=$(mktemp)
"$@" >/dev/null 2>"$err"
rc=$?
lines=$(grep -c '' "$err")
msg=$(cat "$err")
rm -f "$err"
if [ "$rc" != "$want_rc" ]; then
  echo "FAIL: exit status $rc, expected $want_rc; stderr: $msg"; exit 1
fi
if [ "$lines" != 1 ] || ! printf "%s\n" "$msg" | grep -Eq -e "$regex"; then
  echo "FAIL: stderr should be one line matching /$regex/, got: $msg"; exit 1
fi
echo "ok: exit $rc, $msg"
