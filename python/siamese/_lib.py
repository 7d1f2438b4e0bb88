"""Finding libsiamese and declaring its C API (include/siamese/siamese.h)."""
import ctypes
import os

# Status codes, as include/siamese/status.h numbers them.
STATUS_NAMES = {
    0: "SIAM_OK", 1: "SIAM_ERR_INVALID_ARG", 2: "SIAM_ERR_OUT_OF_MEMORY", 3: "SIAM_ERR_IO",
    4: "SIAM_ERR_FORMAT", 5: "SIAM_ERR_UNSUPPORTED", 6: "SIAM_ERR_BACKEND",
    7: "SIAM_ERR_NOT_FOUND", 8: "SIAM_ERR_ABI", 9: "SIAM_ERR_NUMERIC",
}


class SiameseError(Exception):
    """An error reported by libsiamese: its message, and its status (the
    name of the C status code, e.g. "SIAM_ERR_IO"; None for errors found in
    Python)."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = STATUS_NAMES.get(status, status)


class _Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("msg", ctypes.c_char * 1024)]  # SIAM_ERROR_MSG_SIZE


def _candidates():
    env = os.environ.get("SIAMESE_LIBRARY")
    if env:
        return [env], True
    here = os.path.dirname(os.path.abspath(__file__))
    # Installed by `cmake --install` into P/lib/python3/dist-packages/siamese:
    # the library is P/lib/libsiamese.so.0.
    beside = os.path.normpath(os.path.join(here, "..", "..", "..", "libsiamese.so.0"))
    return [beside, "libsiamese.so.0"], False


def _load():
    names, from_env = _candidates()
    errors = []
    for name in names:
        if os.path.sep in name and not os.path.exists(name) and not from_env:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            errors.append(str(e))
    where = "SIAMESE_LIBRARY=%s" % names[0] if from_env else "beside the package or on the loader's path"
    raise SiameseError("libsiamese.so.0 not found (%s): %s; set SIAMESE_LIBRARY to its path"
                       % (where, "; ".join(errors) or "no such file"))


def _declare(lib):
    c_float_p = ctypes.POINTER(ctypes.c_float)
    err_p = ctypes.POINTER(_Error)
    sigs = {
        "siam_version": (ctypes.c_char_p, []),
        "siam_backends": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t]),
        "siam_open_threads": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
                                             ctypes.POINTER(ctypes.c_void_p), err_p]),
        "siam_close": (None, [ctypes.c_void_p]),
        "siam_input_height": (ctypes.c_int, [ctypes.c_void_p]),
        "siam_input_width": (ctypes.c_int, [ctypes.c_void_p]),
        "siam_embedding_dim": (ctypes.c_int, [ctypes.c_void_p]),
        "siam_scores_are_logits": (ctypes.c_int, [ctypes.c_void_p]),
        "siam_verify_threshold": (ctypes.c_int, [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double),
                                                 ctypes.POINTER(ctypes.c_double)]),
        "siam_load_image": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, c_float_p, err_p]),
        "siam_image_from_grey": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                                                ctypes.c_int, ctypes.c_size_t, c_float_p, err_p]),
        "siam_embed": (ctypes.c_int, [ctypes.c_void_p, c_float_p, ctypes.c_int, c_float_p, err_p]),
        "siam_classify": (ctypes.c_int, [ctypes.c_void_p, c_float_p, c_float_p, ctypes.c_int,
                                         c_float_p, ctypes.POINTER(ctypes.c_int), err_p]),
        "siam_probability": (ctypes.c_double, [ctypes.c_float]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib


_LIB = None


def lib():
    """The loaded library (loaded on first use, so that importing never fails)."""
    global _LIB
    if _LIB is None:
        _LIB = _declare(_load())
    return _LIB


def new_error():
    return _Error()


def check(status, err):
    if status != 0:
        raise SiameseError(err.msg.decode("utf-8", "replace"), status)
