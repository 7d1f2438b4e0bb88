"""ONNX export of a siamese model (optional: needs torch; onnxruntime runs the
result). Two graphs, so that embeddings can be cached as the C library does:

    PREFIX.tower.onnx   images (N, 1, H, W), ink = 1.0  ->  embeddings (N, D)
    PREFIX.scorer.onnx  embeddings a (N, D), b (N, D)   ->  scores (N): the
                        weighted-L1 logit (BCE models) or the L2 distance
                        (contrastive ones), as siamese verify computes them
"""
import torch
from torch import nn

from . import torch as storch


class _Scorer(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, a, b):
        return self.net.head(a, b)


def export_onnx(model_path, prefix, opset=13):
    """Writes PREFIX.tower.onnx and PREFIX.scorer.onnx; returns their paths."""
    net = storch.load(model_path).eval()
    c, h, w = net.input_shape
    d = net.embedding_dim
    tower, scorer = prefix + ".tower.onnx", prefix + ".scorer.onnx"
    with torch.no_grad():
        torch.onnx.export(net.tower, torch.zeros(2, c, h, w), tower, input_names=["images"],
                          output_names=["embeddings"], opset_version=opset,
                          dynamic_axes={"images": {0: "n"}, "embeddings": {0: "n"}})
        torch.onnx.export(_Scorer(net), (torch.zeros(2, d), torch.zeros(2, d)), scorer,
                          input_names=["a", "b"], output_names=["scores"], opset_version=opset,
                          dynamic_axes={"a": {0: "n"}, "b": {0: "n"}, "scores": {0: "n"}})
    return tower, scorer
