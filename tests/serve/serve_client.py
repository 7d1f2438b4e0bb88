"""A small HTTP client for `siamese serve`, shared by its test and its
benchmark: starting the server, requests (JSON or multipart), and a bounded
load run from several concurrent clients. Standard library only."""
import base64
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import uuid


class Server:
    """`siamese serve ... --listen 127.0.0.1:0`, its port read from the line
    it prints at start."""

    def __init__(self, program, *args):
        self.p = subprocess.Popen([program, "serve", "--listen", "127.0.0.1:0", *args],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.p.kill()
            raise RuntimeError("serve did not start: %r %r" % (line, self.p.stderr.read()))
        self.port = int(m.group(1))

    def stop(self, sig=signal.SIGTERM):
        self.p.send_signal(sig)
        try:
            out, err = self.p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise
        return self.p.returncode, err


def request(port, method, path, body=None, headers=None, timeout=60):
    """(status, parsed JSON or text) of one request on a fresh connection."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        text = data.decode("utf-8", "replace")
        if r.getheader("Content-Type", "").startswith("application/json"):
            return r.status, json.loads(text)
        return r.status, text
    finally:
        c.close()


def post_json(port, path, fields, **kw):
    """fields: name -> bytes (base64-encoded here) or a list of bytes."""
    obj = {k: ([base64.b64encode(x).decode() for x in v] if isinstance(v, list)
               else base64.b64encode(v).decode()) for k, v in fields.items()}
    return request(port, "POST", path, json.dumps(obj).encode(),
                   {"Content-Type": "application/json"}, **kw)


def post_multipart(port, path, files, **kw):
    """files: a list of (field name, bytes), sent as file parts in order."""
    b = uuid.uuid4().hex
    parts = []
    for i, (name, data) in enumerate(files):
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"f%d.png\"\r\n"
                      "Content-Type: application/octet-stream\r\n\r\n" % (b, name, i)).encode()
                     + data + b"\r\n")
    body = b"".join(parts) + ("--%s--\r\n" % b).encode()
    return request(port, "POST", path, body,
                   {"Content-Type": "multipart/form-data; boundary=%s" % b}, **kw)


def load(port, make_request, total, clients):
    """total requests from `clients` threads at once; returns (latencies in
    seconds, failures as (status, answer), wall seconds)."""
    lat, fails, lock = [], [], threading.Lock()
    counter = iter(range(total))

    def run():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t = time.perf_counter()
            try:
                status, ans = make_request(i)
            except Exception as e:  # a dropped connection is a failure too
                status, ans = 0, repr(e)
            dt = time.perf_counter() - t
            with lock:
                lat.append(dt)
                if status != 200:
                    fails.append((status, ans))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return lat, fails, time.perf_counter() - t0


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100.0 * (len(xs) - 1))))] if xs else float("nan")


def read(path):
    with open(path, "rb") as f:
        return f.read()


__all__ = ["Server", "request", "post_json", "post_multipart", "load", "percentile", "read", "os"]
