#!/usr/bin/env bash
# The adversarial suite (ctest `adversarial`; README.md in this folder).
#
#   run.sh SIAMESE DATA_DIR [--record]
#
# Hostile inputs and setups against every subcommand. Each case states the
# exit status and the one stderr line (a grep -E pattern) it must give, and
# every case is also checked for: no hang (60 s), no sanitizer report, no
# change to any file under the protected folder P (inputs, a victim file
# that planted links point at), and, when refused, nothing left in the
# write folder W beyond what the case put there. --record prints what each
# case gives instead of checking it. Without the data or python3: exit 77.
set -u
siamese=$1 data=$2 record=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$data/images_background" ] || [ ! -d "$data/images_evaluation" ]; then
    echo "skipped: no Omniglot data in $data"
    exit 77
fi
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }

T=$(mktemp -d)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
P=$T/p W=$T/w
mkdir -p "$P/odd" "$W"
sanitizer='AddressSanitizer|LeakSanitizer|runtime error|Segmentation fault|core dumped'
n=0 fails=0 skips=0

# ---- fixtures: a trained tiny model and its log, drawings, a support folder
. "$here/../train/mini_omniglot.sh"
mini_omniglot "$data" "$T/omni"
"$siamese" train --data "$T/omni" --preset tiny --batch 16 --epoch-pairs 16 --steps 40 \
    --patience 1000 --val-trials 20 --threads 1 --backend cpu --out "$P/good.safetensors" \
    --log "$P/good.log" >/dev/null 2>"$T/train.err" ||
    { echo "FAIL: the fixture model did not train: $(tail -n 2 "$T/train.err")"; exit 1; }
chars=("$data"/images_background/Latin/character0[1-3])
for i in 0 1 2; do
    mkdir -p "$P/support/c$i"
    cp $(ls "${chars[$i]}"/*.png | head -n 3) "$P/support/c$i/"
done
img=$(ls "$P/support/c0/"*.png | head -n 1)
img2=$(ls "$P/support/c1/"*.png | head -n 1)
M=$P/good.safetensors
python3 "$here/gen_hostile.py" "$M" "$img" "$P/good.log" "$P" ||
    { echo "FAIL: gen_hostile.py"; exit 1; }
echo "the victim: must never change" >"$P/victim"

# Non-regular files and awkward names.
mkfifo "$P/odd/fifo.png" "$P/odd/fifo.safetensors" "$P/odd/fifo.log" "$P/odd/fifo.cfg"
mkdir -p "$P/odd/folder.png" "$P/odd/folder.safetensors" "$P/odd/folder.log" "$P/odd/folder.cfg"
ln -s "$P/odd/nowhere" "$P/odd/dangling"
ln -s "$P/odd/loop2" "$P/odd/loop1"
ln -s "$P/odd/loop1" "$P/odd/loop2"
ln -s /dev/zero "$P/odd/zero.png"
cp "$img" "$P/odd/new"$'\n'"line.png"
cp "$img" "$P/odd/esc"$'\x1b'"[31m.png"
# A path longer than PATH_MAX (4096), made one folder at a time.
long=$P/odd/deep
mkdir -p "$long"
seg=$(printf 'd%.0s' $(seq 1 200))
(cd "$long" && for _ in $(seq 1 22); do mkdir "$seg" && cd "$seg" || exit 1; done && cp "$img" x.png)
for _ in $(seq 1 22); do long=$long/$seg; done
longfile=$long/x.png
longname=$P/odd/$(printf 'n%.0s' $(seq 1 300)).png
missing_nl=$P/odd/no$'\n'"FORGED: line.png"

# The deep folder's file is only listed: its path is too long to hash.
snapshot() {
    (cd "$P" && find . -printf '%p|%y|%s|%l\n' | LC_ALL=C sort &&
        find . -path ./odd/deep -prune -o -type f -print0 | LC_ALL=C sort -z |
        xargs -0 sha256sum) | sha256sum
}
base=$(snapshot)
wsnap() { (cd "$W" && find . -printf '%p|%y|%s|%l\n' | LC_ALL=C sort) | sha256sum; }

fail() {
    echo "FAIL [$n] $*"
    fails=$((fails + 1))
}

# t RC REGEX ARGS...: one case. RC is the exit status; REGEX the one line
# on stderr (grep -E), '' for a silent stderr, or - for any (training's
# progress lines). $prep, when set, is run in a fresh W first (and unset
# after the case).
t() {
    local want=$1 re=$2
    shift 2
    n=$((n + 1))
    chmod -R u+rwx "$W" 2>/dev/null
    rm -rf "$W"
    mkdir -p "$W"
    [ -n "${prep:-}" ] && (cd "$W" && eval "$prep")
    local wbefore rc lines
    wbefore=$(wsnap)
    timeout -k 5 60 "$siamese" "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    lines=$(grep -c '' "$T/err")
    if [ -n "$record" ]; then
        printf '[%d] rc=%d lines=%d | %s | %s\n' "$n" "$rc" "$lines" "$*" "$(head -c 300 "$T/err" | tr '\n' '~')"
    else
        if [ $rc = 124 ] || [ $rc = 137 ]; then
            fail "hang (killed after 60 s): $*"
        elif [ "$rc" != "$want" ]; then
            fail "exit $rc, expected $want: $* :: $(head -c 400 "$T/err")"
        elif grep -Eq "$sanitizer" "$T/err"; then
            fail "sanitizer: $* :: $(grep -E "$sanitizer" "$T/err" | head -n 2)"
        elif [ -z "$re" ] && [ "$lines" != 0 ]; then
            fail "stderr should be empty: $* :: $(head -c 400 "$T/err")"
        elif [ -n "$re" ] && [ "$re" != - ] && { [ "$lines" != 1 ] || ! grep -Eq -e "$re" "$T/err"; }; then
            fail "stderr should be one line matching /$re/: $* :: $(head -c 400 "$T/err")"
        elif [ "$want" != 0 ] && [ "$(wsnap)" != "$wbefore" ]; then
            fail "a refused command changed the write folder: $* :: $(cd "$W" && find . | head)"
        fi
    fi
    if [ "$(snapshot)" != "$base" ]; then
        fail "protected files changed: $*"
        base=$(snapshot)
    fi
    prep=
}

# An Omniglot-shaped data folder for train and eval.
D=$T/omni
tr_args=(train --data "$D" --preset tiny --batch 16 --epoch-pairs 16 --val-trials 20 --threads 1
         --backend cpu --steps 2)

# ======== 1. Non-regular files, missing files and awkward paths in every
# file slot (a FIFO or device would block a plain open forever).
declare -A why=(
    [missing]='No such file or directory'
    [fifo]='is not a regular file \(a FIFO\)'
    [folder]='is not a regular file \(a folder\)'
    [device]='is not a regular file \(a device\)'
    [dangling]='No such file or directory'
    [loop]='Too many levels of symbolic links'
    [long]='File name too long'
    [longname]='File name too long'
    [newline]='no\\nFORGED: line.png.*No such file or directory'
)
file_of() { # KIND EXT: a path of that kind
    case $1 in
    missing) echo "$P/odd/absent.$2" ;;
    fifo) echo "$P/odd/fifo.$2" ;;
    folder) echo "$P/odd/folder.$2" ;;
    device) echo /dev/zero ;;
    dangling) echo "$P/odd/dangling" ;;
    loop) echo "$P/odd/loop1" ;;
    long) echo "$long/absent.$2" ;;
    longname) echo "$longname" ;;
    newline) echo "$missing_nl" ;;
    esac
}
for kind in missing fifo folder device dangling loop long longname newline; do
    r=${why[$kind]}
    f=$(file_of $kind safetensors)
    t 1 "siamese info: .*$r" info "$f"
    t 1 "siamese verify: .*$r" verify --model "$f" --backend cpu "$img" "$img2"
    t 1 "siamese classify: .*$r" classify --model "$f" --backend cpu --support "$P/support" "$img"
    t 1 "siamese eval: .*$r" eval --model "$f" --backend cpu --dataset "$P/support" --way 2 --trials 2 --protocol unstructured
    t 1 "siamese train: .*$r" "${tr_args[@]}" --resume "$f" --out "$W/m.safetensors"
    f=$(file_of $kind png)
    t 1 "siamese verify: .*$r" verify --model "$M" --backend cpu "$f" "$img2"
    t 1 "siamese verify: .*$r" verify --model "$M" --backend cpu "$img" "$f"
    t 1 "siamese classify: .*$r" classify --model "$M" --backend cpu --support "$P/support" "$f"
    f=$(file_of $kind log)
    t 1 "siamese plot: .*$r" plot "$f" --out "$W/curve.png"
    f=$(file_of $kind cfg)
    t 1 "siamese train: .*$r" "${tr_args[@]}" --config "$f" --out "$W/m.safetensors"
done
# Awkward names that exist are read, and printed escaped.
t 0 '' verify --model "$M" --backend cpu "$P/odd/new"$'\n'"line.png" "$P/odd/esc"$'\x1b'"[31m.png"
# A file whose path is longer than PATH_MAX cannot be opened by path at all.
t 1 'cannot open image .*/odd/deep/[d/]+[.][.][.][d/]+/x[.]png: File name too long' verify --model "$M" --backend cpu "$longfile" "$img"

# ======== 2. Folders given where files are expected, files where folders are.
t 1 'support folder .*: Not a directory' classify --model "$M" --backend cpu --support "$img" "$img"
t 1 'No such file or directory' classify --model "$M" --backend cpu --support "$P/odd/absent" "$img"
t 1 'Too many levels of symbolic links' classify --model "$M" --backend cpu --support "$P/odd/loop1" "$img"
t 1 'dataset folder not found' eval --model "$M" --backend cpu --dataset "$img" --way 2 --trials 2 --protocol unstructured
t 1 'dataset folder not found' eval --model "$M" --backend cpu --dataset "$P/odd/fifo.png" --way 2 --trials 2 --protocol unstructured
t 1 'no Omniglot images_background in .*/odd/absent \(no such folder\): run .siamese data fetch --to .*/odd/absent.' "${tr_args[@]}" --data "$P/odd/absent" --out "$W/m.safetensors"
t 1 'no Omniglot images_background in .*0683_01.png \(no such folder\)' "${tr_args[@]}" --data "$img" --out "$W/m.safetensors"
t 1 'siamese data: no data folder .*/odd/absent: No such file or directory' data --data "$P/odd/absent"
t 1 'siamese data: no data folder .*: not a folder' data --data "$img"
t 1 'siamese data: .*: some of the data did not load' data --data "$P/support"

# ======== 3. Model files, broken and malicious: refused by every reader
# with the file named, or (the last two) read.
declare -A model_why=(
    [empty]='shorter than the 8-byte header length'
    [five_bytes]='shorter than the 8-byte header length'
    [header_2e63]='header length 9223372036854775808 does not fit a [0-9]+-byte file'
    [header_past_end]='header length [0-9]+ does not fit a [0-9]+-byte file'
    [header_zero]='header length 0 does not fit'
    [data_cut]="tensor 'head.alpha' has data offsets outside the file"
    [data_extra]='data bytes 26692-26756 belong to no tensor'
    [text]='header length [0-9]+ does not fit a 200-byte file'
    [png]='header length [0-9]+ does not fit a [0-9]+-byte file'
    [json_broken]="JSON: expected ',' or '}'"
    [json_deep]='JSON: nested too deeply'
    [json_nul]='JSON: bad string'
    [json_array]='header is not a JSON object'
    [dup_tensor_key]='JSON: duplicate key "conv1.bias"'
    [dup_meta_key]='JSON: duplicate key "head_bias"'
    [head_bias_2]="metadata head_bias is '2', expected one of: 0 1"
    [loss_hinge]="metadata loss is 'hinge', expected one of: bce contrastive"
    [seed_fraction]="metadata seed is '1.5', expected a whole number"
    [margin_nan]="metadata margin is 'nan', expected a finite number"
    [best_epoch_negative]="metadata best_epoch is '-3', expected a whole number"
    [no_format]='not a siamese model file'
    [other_format]='not a siamese model file'
    [version_9]='model format version 9, expected 1'
    [layers_garbage]="bad conv layer at 'conv:x:y,,pool'"
    [layers_empty]='a net needs 1..32 layers'
    [layers_koch105]="tensor 'conv1.weight' has the wrong shape for this network"
    [layers_100000_channels]="tensor 'conv1.weight' has the wrong shape for this network"
    [input_2d]="bad input size '28x28'"
    [input_huge]='bad input size 1x99999999x99999999'
    [input_zero]='bad input size 1x0x28'
    [meta_number]='a __metadata__ value is not a string'
    [meta_not_object]='__metadata__ is not an object'
    [dtype_f16]='dtype F16, only F32 is supported'
    [dtype_missing]='dtype \(missing\)'
    [tensor_missing]="tensor 'head.bias' is missing"
    [tensor_extra]="tensor 'evil.weight' is not a parameter of this network"
    [shape_wrong]="tensor 'conv1.weight' has the wrong shape"
    [shape_negative]="tensor 'conv1.bias' has a bad dimension"
    [shape_2e40]="tensor 'conv1.bias' has data offsets outside the file"
    [offsets_reversed]="tensor 'conv1.bias' has data offsets outside the file"
    [offsets_past_end]="tensor 'head.bias' has data offsets outside the file"
    [offsets_overlap]="tensors 'conv1.weight' and 'conv1.bias' overlap"
    [offsets_fraction]="tensor 'conv1.bias' has data offsets outside the file"
    [nan_weight]='holds NaN or Inf values'
    [inf_bias]='holds NaN or Inf values'
)
for k in "${!model_why[@]}"; do
    f=$P/m_$k.safetensors r=${model_why[$k]}
    case $k in nan_weight | inf_bias) ;; # the header is sound: info shows it
    *) t 1 "siamese info: .*m_$k\.safetensors.*($r)" info "$f" ;;
    esac
    t 1 "siamese verify: .*m_$k\.safetensors.*($r)" verify --model "$f" --backend cpu "$img" "$img2"
done
for k in loss_hinge layers_koch105 dup_meta_key; do
    f=$P/m_$k.safetensors r=${model_why[$k]}
    t 1 "siamese classify: .*($r)" classify --model "$f" --backend cpu --support "$P/support" "$img"
    t 1 "siamese eval: .*($r)" eval --model "$f" --backend cpu --dataset "$P/support" --way 2 --trials 2 --protocol unstructured
    t 1 "siamese train: .*($r)" "${tr_args[@]}" --resume "$f" --out "$W/m.safetensors"
done
t 0 '' info "$P/m_unknown_meta_key.safetensors"
t 0 '' verify --model "$P/m_unknown_meta_key.safetensors" --backend cpu "$img" "$img2"
t 0 '' info "$P/m_escape_in_preset.safetensors"
grep -q $'\x1b' "$T/out" && fail "an escape sequence from a model's metadata reached the terminal"
grep -q '^FAKE' "$T/out" && fail "a newline in a model's metadata forged an output line"
# A model file that is not a training checkpoint cannot be resumed.
t 1 'not a training checkpoint' "${tr_args[@]}" --resume "$M" --out "$W/m.safetensors"

# ======== 4. Images: broken, hostile, or merely unusual (the last read).
declare -A png_why=(
    [empty]='empty file \(0 bytes\)'
    [signature_only]='truncated PNG \(file ends after 8 bytes\)'
    [cut]='truncated PNG \(file ends after [0-9]+ bytes\)'
    [text]='not a PNG or JPEG image'
    [jpeg_magic]='corrupt or truncated JPEG'
    [bad_crc]='corrupt PNG \(IHDR: CRC error\)'
    [zero_width]='Image width is zero in IHDR'
    [1x1]="a 1x1 image is too small for the model's 28x28 input"
    [4x4]="a 4x4 image is too small for the model's 28x28 input"
    [huge_header]='over the limit of 16384 pixels per side'
    [depth_3]='Invalid bit depth in IHDR'
    [colour_5]='Invalid color type in IHDR'
    [interlace_7]='Unknown interlace method in IHDR'
    [idat_short]='corrupt PNG \(Not enough image data\)'
    [zlib_bomb]='over the limit of 16384 pixels per side'
)
for k in "${!png_why[@]}"; do
    f=$P/p_$k.png r=${png_why[$k]}
    t 1 "siamese verify: .*p_$k\.png.*($r)" verify --model "$M" --backend cpu "$f" "$img2"
    t 1 "siamese classify: .*p_$k\.png.*($r)" classify --model "$M" --backend cpu --support "$P/support" "$f"
done
t 0 '' verify --model "$M" --backend cpu "$P/p_rgba_40.png" "$P/p_grey16_40.png"
t 0 "siamese: warning: .*p_wide_500x20.png is 500x20, far from the model's 28x28 shape" \
    verify --model "$M" --backend cpu "$P/p_wide_500x20.png" "$img2"

# ======== 5. Support folders and class-folder datasets.
S=$T/sup
mk_support() { rm -rf "$S"; mkdir -p "$S"; cp -r "$P/support/c0" "$P/support/c1" "$S/"; }
mk_support; cp "$img" "$S/c0.png"
t 1 "class 'c0' is given twice" classify --model "$M" --backend cpu --support "$S" "$img"
mk_support; cp "$img" "$S/x.png"; cp "$img" "$S/x.PNG"
t 1 "class 'x' is given twice" classify --model "$M" --backend cpu --support "$S" "$img"
mk_support; mkdir "$S/empty"
t 1 "class folder .*/empty holds no PNG or JPEG images" classify --model "$M" --backend cpu --support "$S" "$img"
mk_support; cp "$img" "$S/c1/UPPER.PNG"; cp "$img" "$S/single.PNG"
t 0 '' classify --model "$M" --backend cpu --support "$S" "$img"
grep -q '^ *[0-9]\. single ' "$T/out" || fail "an upper-case .PNG class was not listed: $(cat "$T/out")"
mk_support; ln -s "$P/odd/fifo.png" "$S/c0/fifo.png"
t 1 'fifo.png is not a regular file \(a FIFO\)' classify --model "$M" --backend cpu --support "$S" "$img"
mk_support; cp "$P/p_cut.png" "$S/c1/"
t 1 'p_cut.png' classify --model "$M" --backend cpu --support "$S" "$img"
mk_support; rm -rf "$S"/*; echo notes >"$S/readme.txt"
t 1 'holds no PNG or JPEG images' classify --model "$M" --backend cpu --support "$S" "$img"
mk_support; mkdir "$S/c0/stray"; cp "$img" "$S/c0/stray/"
t 0 '' classify --model "$M" --backend cpu --support "$S" "$img"
t 0 '' eval --model "$M" --backend cpu --dataset "$S" --way 2 --trials 2 --protocol unstructured
grep -q 'accuracy' "$T/out" || fail "eval on a class folder with a stray subfolder printed no accuracy"
mk_support; mkdir "$S/empty"
t 1 'empty: no PNG or JPEG images in this class folder' eval --model "$M" --backend cpu --dataset "$S" --way 2 --trials 2 --protocol unstructured
mk_support; cp "$P/p_cut.png" "$S/c0/"
t 1 'p_cut.png' eval --model "$M" --backend cpu --dataset "$S" --way 2 --trials 2 --protocol unstructured

# ======== 6. Training logs for plot.
t 1 'too few training records' plot "$P/l_empty.log" --out "$W/c.png"
t 1 'too few training records' plot "$P/l_binary.log" --out "$W/c.png"
t 1 'too few training records' plot "$P/l_no_newline.log" --out "$W/c.png"
t 1 'too few training records' plot "$P/l_long_line.log" --out "$W/c.png"
for v in nan inf 1e300 neg; do
    t 0 'warning: skipped [0-9]+ records .* not finite or out of range' plot "$P/l_val_$v.log" --out "$W/c.png"
done
t 0 '' plot "$P/l_time_backwards.log" --out "$W/c.png"
t 0 '' plot "$P/l_escape.log" --out "$W/c.png"

# ======== 7. Per-layer configs.
t 1 "unknown layer 'conv9'" "${tr_args[@]}" --config "$P/c_unknown_layer.cfg" --out "$W/m.safetensors"
t 1 "unknown key 'speed'" "${tr_args[@]}" --config "$P/c_unknown_key.cfg" --out "$W/m.safetensors"
t 1 "'fast' is not a number" "${tr_args[@]}" --config "$P/c_not_number.cfg" --out "$W/m.safetensors"
t 1 "'nan' is not a number" "${tr_args[@]}" --config "$P/c_nan.cfg" --out "$W/m.safetensors"
t 1 'momentum=1 is out of range' "${tr_args[@]}" --config "$P/c_momentum_1.cfg" --out "$W/m.safetensors"
t 1 'momentum=1 is out of range' "${tr_args[@]}" --config "$P/c_momentum_rounds_to_1.cfg" --out "$W/m.safetensors"
t 1 'l2=-1 is out of range' "${tr_args[@]}" --config "$P/c_negative.cfg" --out "$W/m.safetensors"
t 1 "expected key=value, got 'lr'" "${tr_args[@]}" --config "$P/c_no_equals.cfg" --out "$W/m.safetensors"
t 1 'not a text file' "${tr_args[@]}" --config "$P/c_binary.cfg" --out "$W/m.safetensors"
t 1 'larger than 1 MiB' "${tr_args[@]}" --config "$P/c_2mib.cfg" --out "$W/m.safetensors"

# ======== 8. Outputs: what is not a regular file, what is an input, what
# cannot be written; planted links never redirect a write.
for cmd in plot train; do
    if [ $cmd = plot ]; then run=(plot "$P/good.log" --out) ok=''; else run=("${tr_args[@]}" --out) ok=-; fi
    not_regular='exists and is not a regular file \(a device, FIFO or socket\): refusing to replace it'
    prep='mkdir target'
    t 1 "siamese $cmd: .*/target is a folder, not a file to write" "${run[@]}" "$W/target"
    prep='mkfifo target'
    t 1 "siamese $cmd: .*/target $not_regular" "${run[@]}" "$W/target"
    t 1 "siamese $cmd: /dev/null $not_regular" "${run[@]}" /dev/null
    t 1 "siamese $cmd: cannot write .*/absent/target: no file can be created in its folder: No such file or directory" "${run[@]}" "$W/absent/target"
    t 1 "siamese $cmd: empty output path" "${run[@]}" ''
    t 1 "siamese $cmd: .*File name too long" "${run[@]}" "$longname"
    t 1 "siamese $cmd: .*File name too long" "${run[@]}" "$long/out"
    t 1 "siamese $cmd: .*Not a directory" "${run[@]}" "$img/target"
    t 1 "siamese $cmd: cannot write /proc/target: no file can be created in its folder: No such file or directory" "${run[@]}" /proc/target
    # A link planted under the output's name is replaced, not followed.
    prep="ln -s '$P/victim' target"
    t 0 "$ok" "${run[@]}" "$W/target"
    [ -f "$W/target" ] && [ ! -L "$W/target" ] || fail "$cmd --out did not replace the link with a file"
    # Leftover temporary names pointing at the victim: a live owner's (pid
    # 1) is left alone, and nothing is written through either.
    prep="ln -s '$P/victim' target.tmp.1.AAAAAA; ln -s '$P/victim' target.tmp.1"
    t 0 "$ok" "${run[@]}" "$W/target"
    [ -L "$W/target.tmp.1" ] && [ -L "$W/target.tmp.1.AAAAAA" ] || fail "a live writer's temporary name was removed"
    [ -f "$W/target" ] && [ ! -L "$W/target" ] || fail "$cmd --out did not write a regular file"
done
t 1 'is the log itself: refusing to overwrite it' plot "$P/good.log" --out "$P/good.log"
t 1 '--log is the model file \(--out\) .*: refusing to overwrite it' "${tr_args[@]}" --out "$W/m.safetensors" --log "$W/m.safetensors"
t 1 '--log is the latest checkpoint .*: refusing to overwrite it' "${tr_args[@]}" --out "$W/m.safetensors" --log "$W/m.latest.safetensors"
t 1 '--log is the --config file .*: refusing to overwrite it' "${tr_args[@]}" --out "$W/m.safetensors" --config "$P/good.log" --log "$P/good.log"
prep='mkdir log'
t 1 'log is a folder, not a file to write' "${tr_args[@]}" --out "$W/m.safetensors" --log "$W/log"
t 1 "/dev/zero $not_regular" "${tr_args[@]}" --out "$W/m.safetensors" --log /dev/zero
prep="cp '$P/good.log' f"
t 1 'siamese backends: (opencl: .*/f exists and is not a folder|--register-icd needs the opencl module)' backends --register-icd "$W/f"
t 1 'siamese backends: (opencl: /dev/null exists and is not a folder|--register-icd needs the opencl module)' backends --register-icd /dev/null
[ -c /dev/null ] || fail "/dev/null is no longer a device"
[ -c /dev/zero ] || fail "/dev/zero is no longer a device"

# ======== 9. Usage: one line, exit 2.
t 2 "unknown command 'trian'" trian
t 2 "unknown command ''" ''
t 2 "unknown command 'x\\\\nFORGED: line'" $'x\nFORGED: line'
t 2 "--baseline is mhd or pixel-1nn, not 'x\\\\nFORGED'" eval --baseline $'x\nFORGED'
t 2 "unknown option '--x\\\\x1b\\[2J'" verify --model "$M" $'--x\x1b[2J' "$img" "$img2"
t 2 'unknown option|unexpected' verify --model "$M" --bogus "$img" "$img2"
t 2 '--model needs a value|missing|needs' verify --model
t 2 'missing A B' verify --model "$M" "$img"
t 2 '--model MODEL is required' classify --support "$P/support" "$img"
t 2 '--batch .*(whole|integer|number)' "${tr_args[@]}" --batch 16.7 --out "$W/m"
t 2 '--seed .*(whole|integer|number)' "${tr_args[@]}" --seed 1.5 --out "$W/m"
t 2 '--batch .*(whole|integer|number)' "${tr_args[@]}" --batch 1e99 --out "$W/m"
t 2 '--steps .*(whole|integer|number)' "${tr_args[@]}" --steps -1 --out "$W/m"
t 2 '--val-trials' "${tr_args[@]}" --val-trials 30 --out "$W/m"
t 2 '--threads' "${tr_args[@]}" --threads nan --out "$W/m"
t 2 '--minutes' "${tr_args[@]}" --minutes inf --out "$W/m"
t 2 '--lr' "${tr_args[@]}" --lr -0.1 --out "$W/m"
t 1 "bad conv layer at 'conv:0:0'" "${tr_args[@]}" --preset conv:0:0 --out "$W/m"
t 2 '--out' train --data "$D" --steps 1
t 2 '--way|way' eval --baseline pixel-1nn --way 0
t 2 '--trials' eval --baseline pixel-1nn --trials -4
t 2 '--shots' eval --baseline pixel-1nn --shots 1.5
t 2 '--protocol|protocol' eval --baseline pixel-1nn --protocol sideways
t 2 '--baseline|baseline' eval --baseline nosuch
t 2 'missing MODEL' info
t 2 "unexpected argument '.*good.safetensors'" info "$M" "$M"
t 2 '--out|usage' plot "$P/good.log"
t 2 '--backends|backends' parity
t 2 '--mode|mode' parity --backends cpu,cpu --mode sideways
t 2 '--alpha|alpha' parity --backends cpu,cpu --alpha 2

# ======== 10. Races: a model replaced while it is read gives one model's
# answer or a clean error, never a mixture (one open file, header and data).
"$siamese" train --data "$T/omni" --preset tiny --batch 16 --epoch-pairs 16 --steps 3 --seed 9 \
    --val-trials 20 --threads 1 --backend cpu --out "$T/other.safetensors" >/dev/null 2>&1
a=$("$siamese" verify --model "$M" --backend cpu "$img" "$img2" 2>&1)
b=$("$siamese" verify --model "$T/other.safetensors" --backend cpu "$img" "$img2" 2>&1)
cp "$M" "$T/race.safetensors"
(while :; do cp "$T/other.safetensors" "$T/r1"; mv "$T/r1" "$T/race.safetensors"
             cp "$M" "$T/r2"; mv "$T/r2" "$T/race.safetensors"; done) &
swapper=$!
mixed=0
for _ in $(seq 1 30); do
    n=$((n + 1))
    got=$("$siamese" verify --model "$T/race.safetensors" --backend cpu "$img" "$img2" 2>&1)
    [ "$got" = "$a" ] || [ "$got" = "$b" ] || [[ "$got" == "siamese verify: "* ]] || mixed=$((mixed + 1))
done
kill $swapper 2>/dev/null
wait $swapper 2>/dev/null
[ $mixed = 0 ] || fail "$mixed of 30 reads of a model being replaced matched neither model"

# ======== 11. A full disk, through a small tmpfs in a private mount
# namespace where one can be mounted (root, or user namespaces).
full_disk() {
    local mnt=$1
    mount -t tmpfs -o size=48k tmpfs "$mnt" || return 3
    cp "$P/good.safetensors" "$mnt/m.safetensors" # 28 KB: the old model
    echo old >"$mnt/c.png"
    head -c 16384 /dev/zero >"$mnt/filler" 2>/dev/null
    local ok=0 before
    before=$(sha256sum "$mnt/m.safetensors" "$mnt/c.png")
    "$siamese" "${tr_args[@]}" --out "$mnt/m.safetensors" >/dev/null 2>"$T/full.err"
    rc=$?
    [ $rc = 1 ] && grep -q 'No space left on device' "$T/full.err" ||
        { echo "FAIL: train --out on a full disk: exit $rc: $(tail -n 2 "$T/full.err")"; ok=1; }
    "$siamese" plot "$P/good.log" --out "$mnt/big.png" >/dev/null 2>"$T/full.err" &&
        { echo "FAIL: plot on a full disk exited 0"; ok=1; }
    [ "$(sha256sum "$mnt/m.safetensors" "$mnt/c.png")" = "$before" ] ||
        { echo "FAIL: a full disk changed the old files"; ok=1; }
    ls "$mnt" | grep -q '\.tmp\.' && { echo "FAIL: temporary files left on the full disk: $(ls "$mnt")"; ok=1; }
    umount "$mnt"
    return $ok
}
mkdir -p "$T/mnt"
n=$((n + 1))
how=
if unshare -m true 2>/dev/null; then how=-m; elif unshare -rm true 2>/dev/null; then how=-rm; fi
if [ -n "$how" ]; then
    export siamese P T
    unshare $how bash -c "tr_args=($(printf '%q ' "${tr_args[@]}")); $(declare -f full_disk); full_disk '$T/mnt'"
    case $? in
    0) ;;
    3) echo "skipped: full disk (cannot mount a tmpfs here)"; skips=$((skips + 1)) ;;
    *) fail "full disk" ;;
    esac
else
    echo "skipped: full disk (no mount namespace: needs root or user namespaces)"
    skips=$((skips + 1))
fi

echo "$n cases, $fails failed, $skips skipped"
[ $fails = 0 ]
