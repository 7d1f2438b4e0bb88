"""siamese.torch and the ONNX export against the C library and program
(ctest `python_torch`; exits 77, skipped, where PyTorch is missing; the
ONNX graphs are run where onnxruntime is installed, and said skipped
otherwise). Environment as test_package.py, plus SIAMESE_PYTHON for
`siamese export`."""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

try:
    import torch
except ImportError:
    print("python_torch: skipped: PyTorch is not installed (Debian: python3-torch)")
    sys.exit(77)

import siamese
import siamese.torch as storch

PROGRAM = os.environ["SIAMESE_PROGRAM"]
MODEL = os.environ["SIAMESE_TEST_MODEL"]
RUN = os.environ["SIAMESE_TEST_RUN"]
IMAGES = [os.path.join(RUN, "test", "item01.png")] + sorted(
    os.path.join(RUN, "training", f) for f in os.listdir(os.path.join(RUN, "training")))[:6]


def cli(*args, env=None):
    return subprocess.run([PROGRAM, *args], check=True, capture_output=True, text=True,
                          env=env).stdout


class Torch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.m = siamese.load(MODEL, backend="cpu")
        cls.x = cls.m.inputs(IMAGES)  # (N, H, W), the C library's own conversion

    @classmethod
    def tearDownClass(cls):
        cls.m.close()
        cls.tmp.cleanup()

    def scores_c(self, path, x):
        with siamese.load(path, backend="cpu") as m:
            e = m.embed(x)
            return e, m.scores(e[0], e[1:])

    def test_load_matches_the_library(self):
        net = storch.load(MODEL)
        with torch.no_grad():
            e = net.embed(torch.from_numpy(self.x)[:, None]).numpy()
            s = net.head(torch.from_numpy(e[:1]).expand(len(e) - 1, -1),
                         torch.from_numpy(e[1:])).numpy()
        e_c, s_c = self.scores_c(MODEL, self.x)
        np.testing.assert_allclose(e, e_c, rtol=0, atol=1e-5)
        np.testing.assert_allclose(s, s_c, rtol=0, atol=1e-5)

    def test_fine_tune_round_trip(self):
        """A step of SGD in PyTorch, saved: the C library and the program
        score with the new weights exactly as PyTorch does."""
        net = storch.load(MODEL)
        opt = torch.optim.SGD(net.parameters(), lr=0.5)
        a = torch.from_numpy(self.x[[0, 1, 2]])[:, None]
        b = torch.from_numpy(self.x[[1, 3, 4]])[:, None]
        loss = nn_bce(net(a, b), torch.tensor([1.0, 0.0, 0.0]))
        loss.backward()
        opt.step()
        out = os.path.join(self.tmp.name, "tuned.safetensors")
        storch.save(net, out)
        with torch.no_grad():
            e = net.embed(torch.from_numpy(self.x)[:, None]).numpy()
            s = net.head(torch.from_numpy(e[:1]).expand(len(e) - 1, -1),
                         torch.from_numpy(e[1:])).numpy()
        e_c, s_c = self.scores_c(out, self.x)
        self.assertGreater(np.abs(e_c - self.m.embed(self.x)).max(), 1e-4)  # it did change
        np.testing.assert_allclose(e, e_c, rtol=0, atol=1e-5)
        np.testing.assert_allclose(s, s_c, rtol=0, atol=1e-5)
        p = cli("verify", "--model", out, "--backend", "cpu", IMAGES[0], IMAGES[1])
        self.assertTrue(p.startswith("p(same) = %.4f" % (1 / (1 + np.exp(-s[0])))), p)

    def test_contrastive_model(self):
        net = storch.load(MODEL)
        net.loss = "contrastive"
        out = os.path.join(self.tmp.name, "l2.safetensors")
        storch.save(net, out)
        with torch.no_grad():
            d = net(torch.from_numpy(self.x[:1])[:, None], torch.from_numpy(self.x[1:2])[:, None])
        text = cli("verify", "--model", out, "--backend", "cpu", IMAGES[0], IMAGES[1])
        self.assertTrue(text.startswith("distance = %.4f" % d.item()), text)

    def test_refusals(self):
        with self.assertRaises(ValueError):
            storch.load(__file__)  # not a safetensors file
        net = storch.load(MODEL)
        with torch.no_grad():
            net.alpha[0] = float("nan")
        out = os.path.join(self.tmp.name, "nan.safetensors")
        with self.assertRaises(ValueError):
            storch.save(net, out)
        self.assertFalse(os.path.exists(out))

    def test_onnx_export(self):
        prefix = os.path.join(self.tmp.name, "tiny")
        env = dict(os.environ)
        printed = cli("export", "--onnx", prefix, MODEL, env=env).split()
        self.assertEqual(printed, [prefix + ".tower.onnx", prefix + ".scorer.onnx"])
        try:
            import onnxruntime as ort
        except ImportError:
            print("python_torch: ONNX graphs written; running them skipped: no onnxruntime")
            return
        tower = ort.InferenceSession(printed[0], providers=["CPUExecutionProvider"])
        scorer = ort.InferenceSession(printed[1], providers=["CPUExecutionProvider"])
        e = tower.run(None, {"images": self.x[:, None]})[0]
        s = scorer.run(None, {"a": np.repeat(e[:1], len(e) - 1, 0), "b": e[1:]})[0]
        e_c, s_c = self.scores_c(MODEL, self.x)
        np.testing.assert_allclose(e, e_c, rtol=0, atol=1e-5)
        np.testing.assert_allclose(s, s_c, rtol=0, atol=1e-5)
        p = cli("verify", "--model", MODEL, "--backend", "cpu", IMAGES[0], IMAGES[1])
        self.assertTrue(p.startswith("p(same) = %.4f" % (1 / (1 + np.exp(-s[0])))), p)
        print("python_torch: ONNX tower and scorer agree with the library (onnxruntime %s)"
              % ort.__version__)


def nn_bce(logits, y):
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, y)


if __name__ == "__main__":
    unittest.main()
