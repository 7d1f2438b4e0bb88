"""python3 -m siamese export --onnx PREFIX MODEL: the ONNX graphs of a model
(siamese/export.py); `siamese export` runs this."""
import sys


def main(argv):
    usage = ("usage: siamese export --onnx PREFIX MODEL\n\n"
             "Writes PREFIX.tower.onnx (images (N,1,H,W) -> embeddings (N,D)) and\n"
             "PREFIX.scorer.onnx (embeddings a, b (N,D) -> scores (N)) through PyTorch's\n"
             "ONNX exporter (needs python3-torch).\n")
    if argv[:1] in (["--help"], ["-h"]):
        sys.stdout.write(usage)
        return 0
    if len(argv) != 4 or argv[0] != "export" or argv[1] != "--onnx":
        sys.stderr.write("siamese export: give --onnx PREFIX MODEL (see siamese export --help)\n")
        return 2
    prefix, model = argv[2], argv[3]
    try:
        from .export import export_onnx
    except ImportError as e:
        sys.stderr.write("siamese export: needs PyTorch (Debian: python3-torch): %s\n" % e)
        return 1
    try:
        for path in export_onnx(model, prefix):
            print(path)
    except (OSError, ValueError, RuntimeError) as e:
        sys.stderr.write("siamese export: %s\n" % str(e).splitlines()[0])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] if sys.argv[1:2] != ["--help"] else ["--help"]))
