#!/usr/bin/env python3
"""make_mirror.py OMNIGLOT MIRROR: the release's three archives, rebuilt
from an unpacked Omniglot folder, laid out as the repository's python/
folder (images_background.zip, images_evaluation.zip,
one-shot-classification/all_runs.zip), for `siamese data fetch --mirror`.
Prints one "--digest NAME=BLOBID" pair per archive (git hash-object's id).

  make_mirror.py OMNIGLOT MIRROR --slip     all_runs.zip also holds ../evil
  make_mirror.py OMNIGLOT MIRROR --drop     images_background.zip lacks an alphabet
"""
import hashlib
import os
import sys
import zipfile


def blob_id(path):
    data = open(path, "rb").read()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def pack(src_root, folder, zip_path, drop=None, slip=False):
    os.makedirs(os.path.dirname(zip_path), exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_STORED) as z:
        base = os.path.join(src_root, folder)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            rel = os.path.relpath(dirpath, src_root)
            if drop and rel.split(os.sep)[1:2] == [drop]:
                continue
            for name in sorted(filenames):
                z.write(os.path.join(dirpath, name), os.path.join(rel, name))
        if slip:
            z.writestr("../evil", b"outside")


def main():
    src, mirror = sys.argv[1], sys.argv[2]
    flags = set(sys.argv[3:])
    archives = [
        ("images_background.zip", "images_background", "images_background.zip"),
        ("images_evaluation.zip", "images_evaluation", "images_evaluation.zip"),
        ("all_runs.zip", "all_runs", "one-shot-classification/all_runs.zip"),
    ]
    out = []
    for name, folder, rel in archives:
        path = os.path.join(mirror, rel)
        drop = "Latin" if "--drop" in flags and folder == "images_background" else None
        pack(src, folder, path, drop=drop, slip="--slip" in flags and folder == "all_runs")
        out += ["--digest", "%s=%s" % (name, blob_id(path))]
    print(" ".join(out))


if __name__ == "__main__":
    main()
