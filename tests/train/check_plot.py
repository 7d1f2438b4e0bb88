#!/usr/bin/env python3
"""check_plot.py SIAMESE WORK: `siamese plot` (ctest `plot_formats`).

Two training logs are written here with known values (the second's name
holds '&' and '<', which SVG must escape). Checked: a .svg name gets SVG
(it used to get PNG bytes) that parses as XML, with one solid loss and
one dashed accuracy line per log, the best epoch of each marked with its
value (the first of equal bests), axis titles in words and the logs'
names in the legend; .png gets a PNG; another extension is refused."""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def write_log(path, accs):
    with open(path, "w") as f:
        step, t = 0, 0.0
        for e, acc in enumerate(accs, 1):
            for _ in range(40):
                step += 1
                t += 1.5
                f.write('{"type":"step","step":%d,"epoch":%d,"loss":%.4f,"lr":0.1,'
                        '"pairs_per_s":100.0,"time":%.3f}\n' % (step, e, 0.7 / (1 + 0.01 * step), t))
            f.write('{"type":"epoch","epoch":%d,"step":%d,"loss":0.5,"val_accuracy":%.4f,'
                    '"time":%.3f}\n' % (e, step, acc, t))


def main():
    siamese, work = sys.argv[1:3]
    a = os.path.join(work, "run a.log")
    b = os.path.join(work, "b&<c.log")
    write_log(a, [0.2, 0.5, 0.8, 0.7, 0.8])
    write_log(b, [0.3, 0.9, 0.6])
    fails = []
    svg = os.path.join(work, "curve.SVG")
    r = subprocess.run([siamese, "plot", a, b, "--out", svg], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("FAIL: plot to svg: " + r.stderr)
    head = open(svg, "rb").read(5)
    if head != b"<?xml":
        fails.append("the .svg file starts with %r, not an XML declaration" % head)
    root = ET.parse(svg).getroot()
    lines = root.findall(NS + "polyline")
    solid = [p for p in lines if not p.get("stroke-dasharray")]
    dashed = [p for p in lines if p.get("stroke-dasharray")]
    texts = [t.text or "" for t in root.iter(NS + "text")]
    best = [t.text for t in root.iter(NS + "text") if t.get("class") == "best"]
    legend = [t.text for t in root.iter(NS + "text") if t.get("class") == "legend"]
    if len(solid) != 2 or len(dashed) != 2:
        fails.append("%d loss and %d accuracy lines, want 2 and 2" % (len(solid), len(dashed)))
    if len(dashed) == 2 and (len(dashed[0].get("points").split()) != 5 or
                             len(dashed[1].get("points").split()) != 3):
        fails.append("accuracy lines do not have 5 and 3 points")
    if best != ["best 80.0% (epoch 3)", "best 90.0% (epoch 2)"]:
        fails.append("best epochs: %s" % best)
    if legend != [a, b]:
        fails.append("legend: %s" % legend)
    for title in ("training time (minutes)", "loss (mean of 20 steps), solid",
                  "validation one-shot accuracy, dashed"):
        if title not in texts:
            fails.append("no axis title %r" % title)
    png = os.path.join(work, "curve.png")
    r = subprocess.run([siamese, "plot", a, b, "--out", png], capture_output=True, text=True)
    if r.returncode != 0 or open(png, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
        fails.append("plot to png: exit %d %s" % (r.returncode, r.stderr))
    jpg = os.path.join(work, "curve.jpg")
    r = subprocess.run([siamese, "plot", a, "--out", jpg], capture_output=True, text=True)
    if r.returncode != 2 or "name a .png or .svg file" not in r.stderr or os.path.exists(jpg):
        fails.append("a .jpg output: exit %d %s" % (r.returncode, r.stderr))
    for f in fails:
        print("FAIL: " + f)
    if not fails:
        print("ok: svg %s, best %s; png; .jpg refused" % (svg, best))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
