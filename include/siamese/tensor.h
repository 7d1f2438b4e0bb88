/* siamese: tensor views.
 *
 * A siam_tensor is a view into a backend buffer: the core never sees device
 * memory, only (buffer handle, element offset, shape, strides). Layout is
 * NCHW for images, (N, features) for vectors; strides are in elements.
 * Ops in the ABI take contiguous row-major views unless a backend's
 * supports_op says otherwise.
 */
#ifndef SIAMESE_TENSOR_H
#define SIAMESE_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIAM_MAX_DIMS 4

typedef enum siam_dtype {
    SIAM_F32 = 0,
    SIAM_I32 = 1
} siam_dtype;

/* Opaque: each backend defines struct siam_buffer for itself. */
typedef struct siam_buffer siam_buffer;

typedef struct siam_tensor {
    siam_buffer *buf;            /* NULL means "absent" (e.g. no bias) */
    size_t offset;               /* in elements of dtype, from buffer start */
    siam_dtype dtype;
    int ndim;                    /* 1..SIAM_MAX_DIMS */
    int64_t shape[SIAM_MAX_DIMS];
    int64_t stride[SIAM_MAX_DIMS];
} siam_tensor;

static inline size_t siam_dtype_size(siam_dtype t)
{
    (void)t; /* both dtypes are 4 bytes */
    return 4;
}

static inline int64_t siam_tensor_numel(const siam_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= t->shape[i];
    return t->ndim > 0 ? n : 0;
}

static inline int siam_tensor_is_contiguous(const siam_tensor *t)
{
    int64_t s = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] != 1 && t->stride[i] != s)
            return 0;
        s *= t->shape[i];
    }
    return 1;
}

/* A contiguous view of shape (d0, d1, ...) at element offset `offset`. */
static inline siam_tensor siam_tensor_view(siam_buffer *buf, size_t offset,
                                           siam_dtype dtype, int ndim,
                                           const int64_t *shape)
{
    siam_tensor t;
    t.buf = buf;
    t.offset = offset;
    t.dtype = dtype;
    t.ndim = ndim < 0 ? 0 : (ndim > SIAM_MAX_DIMS ? SIAM_MAX_DIMS : ndim);
    int64_t s = 1;
    for (int i = SIAM_MAX_DIMS - 1; i >= 0; i--) {
        t.shape[i] = i < t.ndim ? shape[i] : 1;
        t.stride[i] = i < t.ndim ? s : 0;
        if (i < t.ndim)
            s *= shape[i];
    }
    return t;
}

static inline siam_tensor siam_tensor_1d(siam_buffer *b, size_t off, int64_t d0)
{
    int64_t s[1] = {d0};
    return siam_tensor_view(b, off, SIAM_F32, 1, s);
}

static inline siam_tensor siam_tensor_2d(siam_buffer *b, size_t off, int64_t d0,
                                         int64_t d1)
{
    int64_t s[2] = {d0, d1};
    return siam_tensor_view(b, off, SIAM_F32, 2, s);
}

static inline siam_tensor siam_tensor_4d(siam_buffer *b, size_t off, int64_t d0,
                                         int64_t d1, int64_t d2, int64_t d3)
{
    int64_t s[4] = {d0, d1, d2, d3};
    return siam_tensor_view(b, off, SIAM_F32, 4, s);
}

#ifdef __cplusplus
}
#endif
#endif
