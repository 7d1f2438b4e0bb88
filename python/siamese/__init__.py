"""siamese: one-shot image recognition with convolutional Siamese networks.

Python over libsiamese (the C library's public API, through ctypes):

    import siamese
    m = siamese.load("model.safetensors")          # backend="auto"
    m.verify("a.png", "b.png").probability
    m.embed(["a.png", "b.png"])                     # numpy (2, D)
    m.classify("q.png", {"alef": ["a1.png"], "bet": ["b1.png"]}).label

Images: paths (PNG, JPEG), PIL images, uint8 numpy pixels (grey or RGB[A],
any size), or float32 (H, W) inputs already at the model's size.
"""
import collections
import ctypes
import os
import threading

import numpy as np

from . import _images
from ._lib import SiameseError, check, lib, new_error

__version__ = "0.2.0"
__all__ = ["load", "backends", "library_version", "Model", "Verdict", "Classification",
           "SiameseError"]

Verdict = collections.namedtuple("Verdict", "score probability same threshold")
Verdict.__doc__ = """A pair's verdict. score: the head's logit (BCE models) or minus
the L2 distance (contrastive ones), higher = more alike; probability: p(same)
for BCE models, else None; same: score above the threshold training stored
in the model, None when it stored none; threshold: that threshold or None."""

Classification = collections.namedtuple("Classification", "label index scores")
Classification.__doc__ = """One query's answer. label: the best support class (its key
for a dict support set, else its index); index: its position; scores: the
score of every class (a class scores its best image), a numpy array in
support order."""


def library_version():
    """libsiamese's version, "MAJOR.MINOR.PATCH"."""
    return lib().siam_version().decode()


def backends():
    """The backends that can run here, best first (as "auto" picks)."""
    n = lib().siam_backends(None, 0)
    buf = ctypes.create_string_buffer(64 * (n + 1) + 1)
    lib().siam_backends(buf, len(buf))
    names = buf.value.decode()
    return names.split(",") if names else []


def load(path, backend="auto", threads=0):
    """Opens a model file written by `siamese train` on a backend ("auto",
    "cpu", "blas", "opencl[:DEVICE]"; None: $SIAMESE_BACKEND, else auto)."""
    return Model(path, backend, threads)


class Model:
    """A trained model on a backend. Calls are serialised per model (the C
    context is one thread's at a time); use one Model per thread to run in
    parallel. Close it, or use it in a with block, to free the device."""

    def __init__(self, path, backend="auto", threads=0):
        if not isinstance(threads, int) or threads < 0:
            raise ValueError("threads is a whole number >= 0, not %r" % (threads,))
        self._lock = threading.Lock()
        self._ctx = ctypes.c_void_p()
        err = new_error()
        b = None if backend is None else str(backend).encode()
        check(lib().siam_open_threads(os.fsencode(path), b, threads, ctypes.byref(self._ctx),
                                      err), err)
        c = self._ctx
        self.path = os.fspath(path)
        self.input_size = (lib().siam_input_height(c), lib().siam_input_width(c))
        self.embedding_dim = lib().siam_embedding_dim(c)
        self.scores_are_logits = bool(lib().siam_scores_are_logits(c))
        thr, acc = ctypes.c_double(), ctypes.c_double()
        have = lib().siam_verify_threshold(c, ctypes.byref(thr), ctypes.byref(acc))
        self.threshold = thr.value if have else None
        self.threshold_accuracy = acc.value if have else None

    def close(self):
        with self._lock:
            if self._ctx:
                lib().siam_close(self._ctx)
                self._ctx = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _live(self):
        if not self._ctx:
            raise SiameseError("the model is closed")
        return self._ctx

    def inputs(self, images):
        """Images as the model's inputs, (N, H, W) float32 (ink = 1.0)."""
        h, w = self.input_size
        with self._lock:
            return _images.to_inputs(self._live(), h, w, images)

    def embed(self, images):
        """Embeddings: (D,) for one image, (N, D) for a list or a batch array."""
        single = _images.is_single(images)
        x = self.inputs([images] if single else images)
        emb = np.empty((len(x), self.embedding_dim), dtype=np.float32)
        err = new_error()
        fp = ctypes.POINTER(ctypes.c_float)
        with self._lock:
            check(lib().siam_embed(self._live(), x.ctypes.data_as(fp), len(x),
                                   emb.ctypes.data_as(fp), err), err)
        return emb[0] if single else emb

    def scores(self, query, candidates):
        """Scores of one query embedding (D,) against candidate embeddings
        (N, D): logits or minus distances, higher = more alike."""
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        c = np.ascontiguousarray(candidates, dtype=np.float32)
        c = c.reshape(1, -1) if c.ndim == 1 else c
        d = self.embedding_dim
        if q.shape != (d,) or c.ndim != 2 or c.shape[1] != d or len(c) == 0:
            raise ValueError("need a (%d,) query and (N, %d) candidates, not %s and %s"
                             % (d, d, q.shape, c.shape))
        out = np.empty(len(c), dtype=np.float32)
        best = ctypes.c_int()
        err = new_error()
        fp = ctypes.POINTER(ctypes.c_float)
        with self._lock:
            check(lib().siam_classify(self._live(), q.ctypes.data_as(fp), c.ctypes.data_as(fp),
                                      len(c), out.ctypes.data_as(fp), ctypes.byref(best), err),
                  err)
        return out

    def verify(self, a, b):
        """Whether images a and b show the same class: a Verdict."""
        e = self.embed([a, b])
        s = float(self.scores(e[0], e[1:2])[0])
        p = lib().siam_probability(s) if self.scores_are_logits else None
        same = None if self.threshold is None else s > self.threshold
        return Verdict(s, p, same, self.threshold)

    def classify(self, queries, support):
        """One-shot classification. support: a list of images (one class
        each), or a dict {label: image or list of images}. Returns a
        Classification for one query, a list of them for several."""
        if isinstance(support, dict):
            labels = list(support)
            images, owner = [], []
            for k, label in enumerate(labels):
                v = support[label]
                group = [v] if _images.is_single(v) else list(v)
                if not group:
                    raise ValueError("support class %r has no images" % (label,))
                images += group
                owner += [k] * len(group)
        else:
            images = list(support)
            labels = list(range(len(images)))
            owner = labels
        if not images:
            raise ValueError("an empty support set")
        single = _images.is_single(queries)
        q = self.embed([queries] if single else queries)
        s = self.embed(images)
        owner = np.asarray(owner)
        answers = []
        for row in q:
            per_image = self.scores(row, s)
            per_class = np.full(len(labels), -np.inf, dtype=np.float32)
            np.maximum.at(per_class, owner, per_image)
            k = int(np.argmax(per_class))  # the first on ties, as the C library
            answers.append(Classification(labels[k], k, per_class))
        return answers[0] if single else answers
