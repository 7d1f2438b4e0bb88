#!/usr/bin/env bash
# make_cli_fixtures.sh SIAMESE_PROGRAM DATA_DIR OUT_DIR: what the cli_range_*
# tests (tests/train/CMakeLists.txt) refuse things about, made once as a
# ctest fixture:
#   OUT/tiny.safetensors  the tiny preset trained one step (a real model
#                         with a 28x28 input);
#   OUT/small.png         a 4x4 image, below the 7x7 that a 28x28 input
#                         accepts (core/data/input_image.c);
#   OUT/three/            a class-folder dataset with 3 classes of Omniglot
#                         drawings (too few for 20-way trials);
#   OUT/small_classes/    a class-folder dataset of 4x4 images.
set -eu
siamese=$1 data=$2 out=$3
rm -rf "$out"
mkdir -p "$out/three" "$out/small_classes"
"$siamese" train --data "$data" --preset tiny --steps 1 --batch 4 --val-trials 20 \
    --epoch-pairs 4 --threads 1 --backend cpu --out "$out/tiny.safetensors" >/dev/null 2>&1
# A 4x4 8-bit grey PNG, base64 (no image tools needed).
echo 'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAAAAACMmsGiAAAAEklEQVR4nGNg+P+fAYTBEMIEAGOwCfcjoJFVAAAAAElFTkSuQmCC' |
    base64 -d >"$out/small.png"
chars=("$data"/images_background/Latin/character0[1-3])
for i in 0 1 2; do
    mkdir -p "$out/three/c$i" "$out/small_classes/c$i"
    cp $(ls "${chars[$i]}"/*.png | head -n 3) "$out/three/c$i/"
    for j in 1 2 3; do cp "$out/small.png" "$out/small_classes/c$i/$j.png"; done
done
