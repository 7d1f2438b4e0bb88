#!/usr/bin/env bash
# Library search paths of every program and module we build or install:
# each RPATH/RUNPATH entry must be $ORIGIN-based or an absolute path outside
# the build and source trees; never empty (the loader then searches the
# working directory, where anyone may plant a libpng16.so.16) and never
# relative. libsiamese and the program must not carry the build or source
# folder (as a module or data path) at all. (ctest `elf_search_paths` on the build tree; .ci/run on the
# installed tree.)
#
#   test_elf_paths.sh TREE FORBIDDEN_PREFIX...
set -u
tree=$1
shift
fails=0 checked=0
while IFS= read -r -d '' f; do
    head -c 4 "$f" 2>/dev/null | grep -q $'\x7fELF' || continue
    checked=$((checked + 1))
    paths=$(readelf -d "$f" 2>/dev/null | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]$/\2/p')
    [ -n "$paths" ] || continue
    IFS=: read -r -a entries <<<"$paths:"
    # "a:" splits into "a" (the added colon is read as a terminator), so an
    # empty entry anywhere shows as an empty element.
    if [[ "$paths" == *: || "$paths" == :* || "$paths" == *::* ]]; then
        echo "FAIL: $f: empty entry in [$paths]"; fails=$((fails + 1)); continue
    fi
    for e in "${entries[@]}"; do
        case "$e" in
            '$ORIGIN'*) ;;
            /*) for bad in "$@"; do
                    [[ "$e" == "$bad"* ]] && { echo "FAIL: $f: build-tree entry $e"; fails=$((fails + 1)); }
                done ;;
            *) echo "FAIL: $f: relative entry '$e' in [$paths]"; fails=$((fails + 1)) ;;
        esac
    done
done < <(find "$tree" -type f \( -perm -u+x -o -name '*.so*' \) -print0)
# No path of the build machine compiled in: the strings the code can use
# (.rodata), not debug information, which names the build folder in any
# -g build. In libsiamese (module and data folders are found at run time)
# and in the program.
while IFS= read -r -d '' f; do
    case "$(basename "$f")" in libsiamese.so* | siamese) ;; *) continue ;; esac
    head -c 4 "$f" 2>/dev/null | grep -q $'\x7fELF' || continue
    for bad in "$@"; do
        if readelf -p .rodata "$f" 2>/dev/null | grep -qF "$bad"; then
            echo "FAIL: $f holds a build-tree path ($bad)"; fails=$((fails + 1))
        fi
    done
done < <(find "$tree" -type f \( -name 'libsiamese.so*' -o -name siamese \) -print0)
[ "$checked" -gt 0 ] || { echo "FAIL: no ELF file under $tree"; exit 1; }
[ "$fails" = 0 ] || exit 1
echo "ok: $checked ELF files under $tree, search paths clean"
