"""`siamese serve` end to end (ctest `serve`): answers against the program's
own verify, embed and classify; malformed, oversized and misrouted requests;
a bounded load run; metrics; stopping on SIGTERM.

    test_serve.py SIAMESE MODEL RUN_DIR
"""
import os
import signal
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_client import (Server, load, percentile, post_json, post_multipart,  # noqa: E402
                          read, request)

PROGRAM, MODEL, RUN = sys.argv[1:4]
del sys.argv[1:4]
QUERIES = sorted(os.path.join(RUN, "test", f) for f in os.listdir(os.path.join(RUN, "test")))[:3]
TRAINING = os.path.join(RUN, "training")
SUPPORT = sorted(os.path.join(TRAINING, f) for f in os.listdir(TRAINING))


def cli(*args):
    return subprocess.run([PROGRAM, *args], check=True, capture_output=True, text=True).stdout


class Serve(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(PROGRAM, "--model", MODEL, "--backend", "cpu", "--support", TRAINING,
                         "--max-body", "65536")
        cls.port = cls.srv.port

    @classmethod
    def tearDownClass(cls):
        rc, err = cls.srv.stop()
        assert rc == 0 and "stopped by SIGTERM" in err, (rc, err)

    def test_health(self):
        st, ans = request(self.port, "GET", "/health")
        self.assertEqual(st, 200)
        self.assertEqual((ans["status"], ans["backend"], ans["input"], ans["support_classes"]),
                         ("ok", "cpu", [28, 28], len(SUPPORT)))

    def test_verify_as_the_program(self):
        for q in QUERIES:
            a, b = read(q), read(SUPPORT[0])
            st, ans = post_multipart(self.port, "/verify", [("a", a), ("b", b)])
            self.assertEqual(st, 200, ans)
            st2, ans2 = post_json(self.port, "/verify", {"a": a, "b": b})
            self.assertEqual((st2, ans2), (st, ans))  # the same answer either way
            out = cli("verify", "--model", MODEL, "--backend", "cpu", q, SUPPORT[0])
            self.assertTrue(out.startswith("p(same) = %.4f" % ans["probability"]), out)
            self.assertIn(": same " if ans["same"] else ": different ", out)

    def test_embed_as_the_program(self):
        with tempfile.TemporaryDirectory() as d:
            npy = os.path.join(d, "e.npy")
            cli("embed", "--model", MODEL, "--backend", "cpu", "--out", npy, *SUPPORT[:5])
            want = np.load(npy)
        st, ans = post_json(self.port, "/embed", {"images": [read(p) for p in SUPPORT[:5]]})
        self.assertEqual(st, 200, ans)
        got = np.array(ans["embeddings"], dtype=np.float32)  # 9 digits: exact float32
        np.testing.assert_array_equal(got, want)
        st, ans = post_multipart(self.port, "/embed", [("image", read(SUPPORT[0]))])
        np.testing.assert_array_equal(np.array(ans["embeddings"], np.float32), want[:1])

    def test_classify_as_the_program(self):
        out = cli("classify", "--model", MODEL, "--backend", "cpu", "--support", TRAINING, *QUERIES)
        tops = [line.split(": ")[1] for line in out.splitlines() if not line.startswith(" ")]
        for q, top in zip(QUERIES, tops):
            st, ans = post_multipart(self.port, "/classify", [("image", read(q))])
            self.assertEqual(st, 200, ans)
            self.assertEqual(ans["label"], top)
            self.assertEqual(len(ans["top"]), 5)

    def test_bad_requests(self):
        png = read(SUPPORT[0])
        cases = [
            (request(self.port, "POST", "/verify", b"{not json", {"Content-Type": "application/json"}),
             400, "request body"),
            (request(self.port, "POST", "/verify", b"[1]", {"Content-Type": "application/json"}),
             400, "JSON object"),
            (post_json(self.port, "/verify", {"a": png}), 400, "\"a\" and one image \"b\""),
            (request(self.port, "POST", "/verify", b'{"a":"@@@@","b":"@@@@"}',
                     {"Content-Type": "application/json"}), 400, "not valid base64"),
            (post_json(self.port, "/verify", {"a": png, "b": b"not an image"}), 400,
             "image b: not a PNG or JPEG"),
            (post_json(self.port, "/verify", {"a": png, "b": png[:100]}), 400, "image b"),
            (post_json(self.port, "/embed", {"image": png, "images": [png]}), 400, "\"image\" or"),
            (request(self.port, "POST", "/embed", png, {"Content-Type": "image/png"}), 415,
             "multipart/form-data"),
            (request(self.port, "GET", "/verify"), 405, "takes POST"),
            (request(self.port, "POST", "/health", b"", {"Content-Type": "application/json"}),
             405, "takes GET"),
            (request(self.port, "GET", "/nowhere"), 404, "no such path"),
            (post_multipart(self.port, "/embed", [("images", b"x" * 70000)]), 413, "--max-body"),
            (post_json(self.port, "/embed", {"images": [b"x"] * 300}), 400, "more than 256"),
        ]
        for (st, ans), want_status, want_text in cases:
            self.assertEqual(st, want_status, ans)
            self.assertIsInstance(ans, dict, ans)
            self.assertIn(want_text, ans["error"])
        # A body without a length, streamed in chunks past the limit: 413 too.
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.putrequest("POST", "/embed")
        c.putheader("Content-Type", "application/json")
        c.putheader("Transfer-Encoding", "chunked")
        c.endheaders()
        for _ in range(20):
            c.send(b"1000\r\n" + b" " * 4096 + b"\r\n")
        c.send(b"0\r\n\r\n")
        r = c.getresponse()
        self.assertEqual(r.status, 413)
        c.close()
        # The server still answers.
        self.assertEqual(request(self.port, "GET", "/health")[0], 200)

    def test_load_and_metrics(self):
        a, b = read(QUERIES[0]), read(SUPPORT[0])
        lat, fails, wall = load(self.port, lambda i: post_json(self.port, "/verify",
                                                               {"a": a, "b": b}), 2000, 8)
        self.assertEqual(fails, [])
        print("load: 2000 verify requests from 8 clients in %.2f s: %.0f requests/s, "
              "p50 %.1f ms, p99 %.1f ms" % (wall, 2000 / wall, 1e3 * percentile(lat, 50),
                                             1e3 * percentile(lat, 99)))
        st, text = request(self.port, "GET", "/metrics")
        self.assertEqual(st, 200)
        counts = {}
        for line in text.splitlines():
            if line.startswith("siamese_requests_total{route=\"verify\",code=\"2xx\"}"):
                counts["verify"] = int(line.split()[-1])
            if line.startswith("siamese_batch_images_count"):
                counts["batches"] = int(line.split()[-1])
            if line.startswith("siamese_batch_images_sum"):
                counts["images"] = int(line.split()[-1])
        self.assertGreaterEqual(counts["verify"], 2000)
        self.assertGreaterEqual(counts["images"], 2 * 2000)  # every pair went through a batch
        self.assertLessEqual(counts["batches"], counts["images"])


class Startup(unittest.TestCase):
    def test_bad_listen_and_model(self):
        for args, rc, text in [(["--listen", "localhost:80"], 2, "no IPv4 address"),
                               (["--listen", "127.0.0.1"], 2, "HOST:PORT"),
                               (["--model", "/nonexistent.safetensors"], 1, "cannot open model")]:
            full = [PROGRAM, "serve", "--model", MODEL, "--backend", "cpu", *args]
            p = subprocess.run(full, capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, rc, p.stderr)
            self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
            self.assertIn(text, p.stderr)

    def test_port_in_use_and_sigint(self):
        srv = Server(PROGRAM, "--model", MODEL, "--backend", "cpu")
        p = subprocess.run([PROGRAM, "serve", "--model", MODEL, "--backend", "cpu", "--listen",
                            "127.0.0.1:%d" % srv.port], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("cannot listen on 127.0.0.1:%d" % srv.port, p.stderr)
        rc, err = srv.stop(signal.SIGINT)
        self.assertEqual(rc, 0)
        self.assertIn("stopped by SIGINT", err)


if __name__ == "__main__":
    unittest.main()
