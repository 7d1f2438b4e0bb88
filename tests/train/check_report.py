#!/usr/bin/env python3
"""check_report.py SIAMESE MODEL WORK [CHROMIUM]: `siamese eval --report`
(ctest `eval_report`).

Runs eval on MODEL's own test classes twice, --json and --report, and
checks the page against the JSON: accuracy, trials correct and total, the
95% interval; that every image it shows exists as a PNG; that roc.svg is
an SVG with a curve; that the grid holds min(60, trials) trials, the wrong
ones first and as many as there are (up to 60). Then opens the page in
headless Chromium, takes a screenshot, and decodes it (PNG, here with
zlib) to check the page was drawn: mostly white paper, dark ink of the
images, green frames of true classes and red of wrong choices."""
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib


def png_pixels(path):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h = int.from_bytes(body[0:4], "big"), int.from_bytes(body[4:8], "big")
            depth, ctype, interlace = body[8], body[9], body[12]
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def main():
    siamese, model, work = sys.argv[1:4]
    chromium = sys.argv[4] if len(sys.argv) > 4 else ""
    fails = []
    base = [siamese, "eval", "--model", model, "--backend", "cpu", "--trials", "200"]
    j = json.loads(subprocess.run(base + ["--json"], capture_output=True, text=True,
                                  check=True).stdout)
    rep = os.path.join(work, "report")
    r = subprocess.run(base + ["--report", rep], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("FAIL: eval --report: " + r.stderr)
    html = open(os.path.join(rep, "index.html"), encoding="utf-8").read()

    def attr(id_, name):
        m = re.search(r'id="%s"[^>]*?%s="([^"]+)"' % (id_, name), html)
        return m.group(1) if m else None

    def text(id_):
        m = re.search(r'id="%s"[^>]*>([^<]*)<' % id_, html)
        return m.group(1) if m else None

    page = {"accuracy": float(attr("accuracy", "data-value")), "correct": int(text("correct")),
            "trials": int(text("trials")), "ci_low": float(attr("ci", "data-low")),
            "ci_high": float(attr("ci", "data-high"))}
    want = {"accuracy": j["accuracy"], "correct": j["correct"], "trials": j["trials"],
            "ci_low": j["ci95"][0], "ci_high": j["ci95"][1]}
    for k in want:
        if abs(page[k] - want[k]) > 1e-6:
            fails.append("%s: page %s, eval --json %s" % (k, page[k], want[k]))
    rows = re.findall(r'<div class="trial (wrong|right)">', html)
    n_wrong = j["trials"] - j["correct"]
    if len(rows) != min(60, j["trials"]) or rows != sorted(rows, key=lambda x: x != "wrong") or \
            rows.count("wrong") != min(60, n_wrong):
        fails.append("grid: %d rows, %d wrong (of %d), order %s..." %
                     (len(rows), rows.count("wrong"), n_wrong, rows[:5]))
    srcs = set(re.findall(r'<img src="(img/[0-9]+\.png)"', html))
    bad = [s for s in srcs if open(os.path.join(rep, s), "rb").read(8) != b"\x89PNG\r\n\x1a\n"]
    if not srcs or bad:
        fails.append("images: %d shown, not PNG: %s" % (len(srcs), bad[:3]))
    roc = ET.parse(os.path.join(rep, "roc.svg")).getroot()
    curve = [p for p in roc.iter("{http://www.w3.org/2000/svg}polyline") if p.get("id") == "roc"]
    if len(curve) != 1 or len(curve[0].get("points").split()) < 3:
        fails.append("roc.svg has no curve")
    blocker = os.path.join(work, "a_file")
    open(blocker, "w").write("x")
    r = subprocess.run(base + ["--report", blocker], capture_output=True, text=True)
    if r.returncode != 1 or "cannot make folder %s: a file is in the way" % blocker not in r.stderr:
        fails.append("--report onto a file: exit %d %s" % (r.returncode, r.stderr.strip()))
    print("page: %s; %d rows (%d wrong); %d images" % (page, len(rows), rows.count("wrong"),
                                                        len(srcs)))
    if chromium:
        shot = os.path.join(work, "shot.png")
        r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--hide-scrollbars", "--window-size=1000,1600",
                            "--screenshot=" + shot, "file://" + os.path.join(rep, "index.html")],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0 or not os.path.exists(shot):
            fails.append("chromium: exit %d %s" % (r.returncode, r.stderr[-300:]))
        else:
            w, h, px = png_pixels(shot)
            flat = [p for row in px for p in row]
            white = sum(1 for p in flat if min(p) > 240) / len(flat)
            dark = sum(1 for p in flat if max(p) < 60) / len(flat)
            green = sum(1 for p in flat if p[1] > 120 and p[0] < 60 and p[2] < 60)
            red = sum(1 for p in flat if p[0] > 180 and p[1] < 70 and p[2] < 70)
            print("screenshot %dx%d: %.1f%% white, %.2f%% dark, %d green, %d red pixels" %
                  (w, h, 100 * white, 100 * dark, green, red))
            if (w, h) != (1000, 1600) or not (0.3 < white < 0.99) or dark < 0.002 or \
                    green < 100 or (n_wrong and red < 100):
                fails.append("the screenshot does not look like the page")
    for f in fails:
        print("FAIL: " + f)
    if fails:
        sys.exit(1)
    if not chromium:
        print("report agrees with eval --json; no Chromium here, so it was not rendered: skipped")
        sys.exit(77)
    print("report agrees with eval --json and renders in Chromium")


if __name__ == "__main__":
    main()
