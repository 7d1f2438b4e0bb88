"""The Python package (python/siamese) against the C program, registered with
ctest as `python_package`. Environment: SIAMESE_LIBRARY (libsiamese.so.0),
SIAMESE_PROGRAM (the siamese program), SIAMESE_TEST_MODEL (a model file),
SIAMESE_TEST_RUN (one of Lake's runs: test/ and training/ PNGs). The package
must be importable (PYTHONPATH, or installed)."""
import glob
import os
import struct
import subprocess
import tempfile
import unittest
import zlib

import numpy as np

import siamese

PROGRAM = os.environ["SIAMESE_PROGRAM"]
MODEL = os.environ["SIAMESE_TEST_MODEL"]
RUN = os.environ["SIAMESE_TEST_RUN"]
QUERIES = sorted(glob.glob(os.path.join(RUN, "test", "*.png")))[:3]
SUPPORT = sorted(glob.glob(os.path.join(RUN, "training", "*.png")))


def cli(*args):
    return subprocess.run([PROGRAM, *args], check=True, capture_output=True, text=True).stdout


def write_png(path, grey):
    """An 8-bit grey PNG of a uint8 (H, W) array, with zlib alone."""
    h, w = grey.shape
    raw = b"".join(b"\0" + grey[y].tobytes() for y in range(h))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = siamese.load(MODEL, backend="cpu")
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.m.close()
        cls.tmp.cleanup()

    def test_versions_and_backends(self):
        self.assertEqual(siamese.library_version(), siamese.__version__)
        self.assertEqual(cli("--version").split(), ["siamese", siamese.__version__])
        names = siamese.backends()
        self.assertIn("cpu", names)
        self.assertFalse({"trace", "fault"} & set(names))  # wrappers are not backends

    def test_verify_matches_the_program(self):
        for q in QUERIES:
            v = self.m.verify(q, SUPPORT[0])
            out = cli("verify", "--model", MODEL, "--backend", "cpu", q, SUPPORT[0])
            self.assertTrue(out.startswith("p(same) = %.4f" % v.probability), out)
            if v.same is not None:
                self.assertIn(": same " if v.same else ": different ", out)

    def test_embed_matches_the_program(self):
        npy = os.path.join(self.tmp.name, "e.npy")
        cli("embed", "--model", MODEL, "--backend", "cpu", "--out", npy, *SUPPORT)
        want = np.load(npy)
        got = self.m.embed(SUPPORT)
        self.assertEqual(got.shape, (len(SUPPORT), self.m.embedding_dim))
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(self.m.embed(SUPPORT[0]), want[0])  # one image: (D,)

    def test_classify_matches_the_program(self):
        support = {os.path.splitext(os.path.basename(p))[0]: p for p in SUPPORT}
        answers = self.m.classify(QUERIES, support)
        out = cli("classify", "--model", MODEL, "--backend", "cpu", "--support",
                  os.path.join(RUN, "training"), *QUERIES)
        tops = [line.split(": ")[1] for line in out.splitlines() if not line.startswith(" ")]
        self.assertEqual([a.label for a in answers], tops)
        one = self.m.classify(QUERIES[0], list(support.values()))  # a list: indices
        self.assertEqual(one.index, answers[0].index)
        self.assertEqual(one.label, one.index)

    def test_arrays_are_converted_as_files(self):
        rng = np.random.default_rng(7)
        grey = np.full((60, 50), 255, dtype=np.uint8)
        grey[10:50, 20:24] = rng.integers(0, 60, size=(40, 4), dtype=np.uint8)  # dark ink
        path = os.path.join(self.tmp.name, "g.png")
        write_png(path, grey)
        want = self.m.embed(path)
        np.testing.assert_array_equal(self.m.embed(grey), want)
        rgb = np.repeat(grey[:, :, None], 3, axis=2)
        np.testing.assert_array_equal(self.m.embed(rgb), want)
        rgba = np.concatenate([rgb, np.full((60, 50, 1), 255, np.uint8)], axis=2)
        np.testing.assert_array_equal(self.m.embed(rgba), want)
        x = self.m.inputs([path])[0]  # a prepared float input goes in as it is
        self.assertEqual(x.dtype, np.float32)
        self.assertGreater(float(x.max()), 0.5)  # dark ink on white: ink high, paper 0
        self.assertEqual(float(x[0, 0]), 0.0)
        np.testing.assert_array_equal(self.m.embed(x), want)
        batch = self.m.embed(np.stack([grey, grey]))  # (N, H, W): a batch
        np.testing.assert_array_equal(batch, np.stack([want, want]))
        try:
            from PIL import Image
        except ImportError:
            return
        np.testing.assert_array_equal(self.m.embed(Image.fromarray(grey)), want)

    def test_errors(self):
        with self.assertRaises(siamese.SiameseError) as e:
            siamese.load(os.path.join(self.tmp.name, "missing.safetensors"))
        self.assertIn("missing.safetensors", str(e.exception))
        self.assertEqual(e.exception.status, "SIAM_ERR_IO")
        with self.assertRaises(siamese.SiameseError) as e:
            siamese.load(MODEL, backend="nosuch")
        self.assertEqual(e.exception.status, "SIAM_ERR_NOT_FOUND")
        with self.assertRaises(siamese.SiameseError) as e:
            self.m.embed([SUPPORT[0], MODEL])  # not an image
        self.assertIn("image 1", str(e.exception))
        self.assertIn(os.path.basename(MODEL), str(e.exception))
        with self.assertRaises(siamese.SiameseError):
            self.m.embed(np.zeros((2, 2), np.uint8))  # too small to be a character
        with self.assertRaises(ValueError):
            self.m.embed(np.zeros((5, 5), np.float32))  # not the input size
        with self.assertRaises(TypeError):
            self.m.embed([3.5])
        with self.assertRaises(ValueError):
            self.m.classify(QUERIES[0], {})
        m = siamese.load(MODEL, backend="cpu")
        m.close()
        with self.assertRaises(siamese.SiameseError):
            m.embed(SUPPORT[0])


if __name__ == "__main__":
    unittest.main()
