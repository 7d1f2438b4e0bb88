"""siamese models as PyTorch modules (optional: needs torch).

    net = siamese.torch.load("model.safetensors")   # a torch.nn.Module
    ... fine-tune net (net.tower, net.alpha, net.bias are ordinary parameters)
    siamese.torch.save(net, "tuned.safetensors")     # the C program loads it

The module is built from the file's layer list ("conv:64:10,relu,pool,...,
linear:4096,sigmoid"), in PyTorch's own layouts, which are the file's:
convolutions (O, I, kH, kW), valid and stride 1; 2x2 max pooling, stride 2;
linear weights (out, in) after a C, H, W flatten. forward(a, b) gives what
the C head gives: the weighted-L1 logit sum(alpha |ea - eb|) + bias for BCE
models, the L2 distance |ea - eb| for contrastive ones.
"""
import numpy as np
import torch
from torch import nn

from . import _safetensors

FORMAT, FORMAT_VERSION = "siamese", "1"


def _parse_input(s):
    c, h, w = (int(v) for v in s.split("x"))
    return c, h, w


class SiameseNet(nn.Module):
    """One twin (`tower`) and the head (`alpha`, and `bias` when the model has one)."""

    def __init__(self, layers, input_shape, head_bias=True, loss="bce", metadata=None):
        super().__init__()
        self.layers = layers
        self.input_shape = tuple(input_shape)
        self.loss = loss
        self.metadata = dict(metadata or {})
        c, h, w = self.input_shape
        mods, self._names = [], []  # _names: (file tensor name, module index, "weight"/"bias")
        n_conv = n_fc = 0
        flat = False
        for item in layers.split(","):
            parts = item.split(":")
            kind = parts[0]
            if kind == "conv":
                out, k = int(parts[1]), int(parts[2])
                n_conv += 1
                mods.append(nn.Conv2d(c, out, k))
                self._names += [("conv%d.weight" % n_conv, len(mods) - 1, "weight"),
                                ("conv%d.bias" % n_conv, len(mods) - 1, "bias")]
                c, h, w = out, h - k + 1, w - k + 1
            elif kind == "relu":
                mods.append(nn.ReLU())
            elif kind == "pool":
                mods.append(nn.MaxPool2d(2, 2))
                h, w = h // 2, w // 2
            elif kind == "linear":
                if not flat:
                    mods.append(nn.Flatten())
                    flat = True
                out = int(parts[1])
                n_fc += 1
                mods.append(nn.Linear(c * h * w, out))
                self._names += [("fc%d.weight" % n_fc, len(mods) - 1, "weight"),
                                ("fc%d.bias" % n_fc, len(mods) - 1, "bias")]
                c, h, w = out, 1, 1
            elif kind == "sigmoid":
                mods.append(nn.Sigmoid())
            else:
                raise ValueError("unknown layer %r in %r" % (item, layers))
            if h < 1 or w < 1:
                raise ValueError("layer %r leaves nothing of a %s input" % (item, input_shape))
        if not flat:
            mods.append(nn.Flatten())
        self.tower = nn.Sequential(*mods)
        self.embedding_dim = c * h * w
        self.alpha = nn.Parameter(torch.zeros(self.embedding_dim))
        self.bias = nn.Parameter(torch.zeros(1)) if head_bias else None

    def named_file_tensors(self):
        """(file tensor name, parameter) in the order the C library lays them out."""
        for name, i, attr in self._names:
            yield name, getattr(self.tower[i], attr)
        yield "head.alpha", self.alpha
        if self.bias is not None:
            yield "head.bias", self.bias

    def embed(self, x):
        """(N, C, H, W) inputs (ink = 1.0) to (N, D) embeddings."""
        return self.tower(x)

    def head(self, ea, eb):
        if self.loss == "contrastive":
            return torch.sqrt(((ea - eb) ** 2).sum(dim=1))
        s = (self.alpha * (ea - eb).abs()).sum(dim=1)
        return s + self.bias if self.bias is not None else s

    def forward(self, a, b):
        return self.head(self.embed(a), self.embed(b))


def load(path):
    """A SiameseNet with the weights of a model file written by `siamese train`."""
    tensors, meta = _safetensors.read(path)
    if meta.get("format") != FORMAT or "layers" not in meta or "input" not in meta:
        raise ValueError("%s: not a siamese model file (metadata format/layers/input missing)"
                         % path)
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError("%s: model format version %s, expected %s"
                         % (path, meta.get("format_version"), FORMAT_VERSION))
    net = SiameseNet(meta["layers"], _parse_input(meta["input"]), meta.get("head_bias") == "1",
                     meta.get("loss", "bce"), meta)
    with torch.no_grad():
        for name, p in net.named_file_tensors():
            if name not in tensors:
                raise ValueError("%s: tensor %r is missing" % (path, name))
            if tuple(tensors[name].shape) != tuple(p.shape):
                raise ValueError("%s: tensor %r is %s, the net needs %s"
                                 % (path, name, tensors[name].shape, tuple(p.shape)))
            p.copy_(torch.from_numpy(tensors[name]))
    return net


# Metadata that describes the net and how it scores; a fine-tuned module
# keeps these and drops what described its training run (seed, epochs,
# validation accuracy, the stored verification threshold).
_KEEP = ("preset", "margin", "dataset", "dataset_layout", "val_classes", "test_classes")


def save(net, path):
    """Writes a SiameseNet as a model file the C library and program load."""
    c, h, w = net.input_shape
    meta = {k: net.metadata[k] for k in _KEEP if k in net.metadata}
    meta.update({"format": FORMAT, "format_version": FORMAT_VERSION, "layers": net.layers,
                 "input": "%dx%dx%d" % (c, h, w),
                 "head_bias": "1" if net.bias is not None else "0", "loss": net.loss})
    tensors = {}
    for name, p in net.named_file_tensors():
        a = p.detach().cpu().to(torch.float32).numpy()
        if not np.all(np.isfinite(a)):
            raise ValueError("tensor %r holds NaN or Inf: not saved" % name)
        tensors[name] = a
    _safetensors.write(path, tensors, meta)
