"""Turning what a Python user holds into the model's input: (H, W) float32."""
import os

import numpy as np

from ._lib import SiameseError, check, lib, new_error

# libpng's default RGB-to-grey weights (its rgb_to_gray, in 1/32768), so an
# RGB array becomes the grey a PNG file of it would.
_RGB = np.array([6968, 23434, 2366], dtype=np.float64) / 32768.0


def _grey_of(a):
    """uint8 (H, W), (H, W, 3) or (H, W, 4) as uint8 grey on white paper."""
    if a.ndim == 2:
        return a
    if a.ndim == 3 and a.shape[2] in (3, 4):
        rgb = a[:, :, :3].astype(np.float64) @ _RGB
        if a.shape[2] == 4:  # composited over white, as files are
            alpha = a[:, :, 3].astype(np.float64) / 255.0
            rgb = rgb * alpha + 255.0 * (1.0 - alpha)
        return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    raise ValueError("a uint8 image is (H, W) grey or (H, W, 3|4) RGB(A), not shape %s"
                     % (a.shape,))


def to_input(ctx, h, w, image):
    """One image (a path, a PIL image or a numpy array) as a (h, w) float32 input."""
    out = np.empty((h, w), dtype=np.float32)
    out_p = out.ctypes.data_as(lib().siam_embed.argtypes[1])
    err = new_error()
    if isinstance(image, (str, bytes, os.PathLike)):
        path = os.fsencode(image)
        check(lib().siam_load_image(ctx, path, out_p, err), err)
        return out
    if hasattr(image, "convert") and hasattr(image, "mode"):  # a PIL image
        image = np.asarray(image.convert("RGBA") if "A" in image.mode or image.mode == "P"
                           else image.convert("RGB"))
    if not isinstance(image, np.ndarray):
        raise TypeError("an image is a path, a PIL image or a numpy array, not %s"
                        % type(image).__name__)
    if image.dtype == np.uint8:
        g = np.ascontiguousarray(_grey_of(image))
        check(lib().siam_image_from_grey(ctx, g.ctypes.data, g.shape[1], g.shape[0],
                                         g.strides[0], out_p, err), err)
        return out
    if image.dtype in (np.float32, np.float64):
        if image.shape != (h, w):
            raise ValueError("a float image is a prepared input of the model's size %dx%d "
                             "(ink = 1.0), not shape %s; give uint8 pixels to have it "
                             "converted" % (h, w, image.shape))
        if not np.all(np.isfinite(image)):
            raise ValueError("a float image must be finite")
        out[...] = image
        return out
    raise TypeError("a numpy image is uint8 pixels or a float (H, W) input, not %s"
                    % image.dtype)


def is_single(image):
    """True for one image (a path, a PIL image, an (H, W) or (H, W, 3|4)
    uint8 array), False for a collection of them."""
    if isinstance(image, (str, bytes, os.PathLike)):
        return True
    if hasattr(image, "convert") and hasattr(image, "mode"):
        return True
    if isinstance(image, np.ndarray):
        return image.ndim == 2 or (image.ndim == 3 and image.dtype == np.uint8
                                   and image.shape[2] in (3, 4))
    return False


def to_inputs(ctx, h, w, images):
    """A list of images, or an (N, H, W[, C]) array, as (N, h, w) float32."""
    seq = list(images)
    if not seq:
        raise ValueError("no images")
    x = np.empty((len(seq), h, w), dtype=np.float32)
    for i, im in enumerate(seq):
        try:
            x[i] = to_input(ctx, h, w, im)
        except SiameseError as e:
            raise SiameseError("image %d: %s" % (i, e), e.status) from None
    return x
