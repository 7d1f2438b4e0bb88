"""--json on the commands that print results (ctest `cli_json`): each prints
JSON that agrees with its own text output and with the model file.

    test_cli_json.py SIAMESE MODEL RUN_DIR DATA_DIR
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

PROGRAM, MODEL, RUN, DATA = sys.argv[1:5]
del sys.argv[1:5]
QUERIES = [os.path.join(RUN, "test", "item%02d.png" % k) for k in (1, 2, 3)]
TRAINING = os.path.join(RUN, "training")


def run(*args):
    return subprocess.run([PROGRAM, *args], check=True, capture_output=True, text=True).stdout


class Json(unittest.TestCase):
    def test_verify(self):
        text = run("verify", "--model", MODEL, "--backend", "cpu", QUERIES[0], QUERIES[1])
        j = json.loads(run("verify", "--json", "--model", MODEL, "--backend", "cpu",
                           QUERIES[0], QUERIES[1]))
        self.assertTrue(text.startswith("p(same) = %.4f" % j["probability"]), text)
        self.assertIsNone(j["distance"])
        if j["threshold"] is not None:
            self.assertIn(": same " if j["same"] else ": different ", text)
            self.assertEqual(j["same"], j["score"] > j["threshold"])

    def test_classify_and_names_that_need_escaping(self):
        with tempfile.TemporaryDirectory() as d:
            names = ['quote"d', "new\nline", "plain"]
            for k, name in enumerate(names):
                os.mkdir(os.path.join(d, name))
                shutil.copy(os.path.join(TRAINING, "class%02d.png" % (k + 1)), os.path.join(d, name))
            out = run("classify", "--json", "--model", MODEL, "--backend", "cpu", "--support", d,
                      *QUERIES)
            text = run("classify", "--model", MODEL, "--backend", "cpu", "--support", d, *QUERIES)
        lines = out.splitlines()
        self.assertEqual(len(lines), len(QUERIES))  # a newline in a name stays escaped
        answers = [json.loads(line) for line in lines]
        self.assertEqual([a["query"] for a in answers], QUERIES)
        for a in answers:
            self.assertIn(a["label"], names)
            self.assertEqual(len(a["top"]), 3)
            self.assertEqual(a["top"][0]["label"], a["label"])
        tops = re.findall(r"^\s+1\. (\S+)", text, re.M)
        self.assertEqual(len(tops), len(QUERIES))
        for a, t in zip(answers, tops):  # the text escapes; the scores agree
            self.assertIn("%.4f" % a["top"][0]["score"], text)

    def test_info(self):
        j = json.loads(run("info", "--json", MODEL))
        with open(MODEL, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n))
        self.assertEqual(j["metadata"], header["__metadata__"])
        self.assertEqual(j["tensors"], len(header) - 1)
        self.assertEqual(j["input"], [1, 28, 28])
        text = run("info", MODEL)
        self.assertRegex(text, r"total\D+%d\b" % j["params"])

    def test_train(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "m.safetensors")
            j = json.loads(run("train", "--json", "--data", DATA, "--preset", "tiny", "--steps", "5",
                               "--batch", "4", "--epoch-pairs", "1000", "--val-trials", "20",
                               "--threads", "1", "--backend", "cpu", "--out", out))
            self.assertTrue(os.path.exists(out))
        self.assertEqual((j["steps"], j["model"]), (5, out))
        self.assertGreaterEqual(j["best_val_accuracy"], 0)

    def test_backends(self):
        j = json.loads(run("backends", "--json"))
        by = {b["name"]: b for b in j["backends"]}
        self.assertIsNone(by["cpu"]["wrapper"])
        self.assertTrue(by["cpu"]["usable"])
        self.assertGreaterEqual(len(by["cpu"]["devices"]), 1)
        if "trace" in by:
            self.assertEqual(by["trace"]["wrapper"], "trace:INNER[:DEVICE]")


if __name__ == "__main__":
    unittest.main()
