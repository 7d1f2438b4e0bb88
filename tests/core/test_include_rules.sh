#!/usr/bin/env bash
# The floors of the architecture, checked on every quoted #include
# (registered with ctest as `include_rules`):
#
#   test_include_rules.sh SOURCE_DIR
#
# core/base    public headers and base only: depends on nothing else
# core/data    public, base, data
# core/engine  public, base, engine
# core/eval    public, base, data, engine, eval
# core/train   public, base, data, engine, eval, train
# core/api     public, base, data, engine, eval
# cli/         public, base, data, eval, train and its own files: never the
#              engine (the CLI never builds a graph, runs an op or opens a
#              backend module itself)
# No file of core/ or cli/ includes a backend's or a plugin's header.
# An include that resolves to no file is an error too.
set -u
src=$(cd "$1" && pwd)
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The floor of a resolved header path (relative to $src).
floor_of() {
    case $1 in
    include/siamese/*) echo public ;;
    core/base/*) echo base ;;
    core/data/*) echo data ;;
    core/engine/*) echo engine ;;
    core/eval/*) echo eval ;;
    core/train/*) echo train ;;
    core/api/*) echo api ;;
    cli/*) echo cli ;;
    backends/* | plugins/*) echo backend ;;
    *) echo other ;;
    esac
}

allowed() { # source floor, target floor
    case $1 in
    base) [[ " public base " == *" $2 "* ]] ;;
    data) [[ " public base data " == *" $2 "* ]] ;;
    engine) [[ " public base engine " == *" $2 "* ]] ;;
    eval | api) [[ " public base data engine eval " == *" $2 "* ]] ;;
    train) [[ " public base data engine eval train " == *" $2 "* ]] ;;
    cli) [[ " public base data eval train cli " == *" $2 "* ]] ;;
    *) false ;;
    esac
}

checked=0
while IFS= read -r -d '' f; do
    rel=${f#"$src"/}
    from=$(floor_of "$rel")
    dir=$(dirname "$f")
    while IFS= read -r inc; do
        checked=$((checked + 1))
        # Quoted includes: the file's own folder, then the include roots
        # (cli/ is one for the CLI's subfolders).
        roots=("$dir" "$src/include" "$src/core")
        [ "$from" = cli ] && roots+=("$src/cli")
        target=
        for root in "${roots[@]}"; do
            if [ -f "$root/$inc" ]; then
                target=$(realpath -m --relative-to="$src" "$root/$inc")
                break
            fi
        done
        if [ -z "$target" ]; then
            fail "$rel includes \"$inc\", which is no file of the tree"
            continue
        fi
        to=$(floor_of "$target")
        if [ "$to" = backend ]; then
            fail "$rel includes a backend's header: $target"
        elif ! allowed "$from" "$to"; then
            fail "$rel ($from) includes $target ($to)"
        fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done < <(find "$src/core" "$src/cli" -name '*.[ch]' -print0)

[ $checked -gt 100 ] || fail "only $checked includes found: wrong source folder?"
[ $fails -eq 0 ] && echo "include_rules: $checked includes in core/ and cli/ keep to their floors"
[ $fails -eq 0 ]
