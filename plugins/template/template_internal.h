/* The template backend: shared definitions.
 *
 * A skeleton to copy when writing a backend for new hardware. It keeps its
 * "device memory" in ordinary host memory and runs every op as plain C
 * loops, so each op reads like its formula in include/siamese/backend.h.
 * Replace the buffer functions with your device's allocator and copies, and
 * the op functions with your kernels, one at a time, checking each against
 * the cpu backend with `parity test -b template` as you go.
 */
#ifndef SIAMESE_TEMPLATE_INTERNAL_H
#define SIAMESE_TEMPLATE_INTERNAL_H

#include <siamese/backend.h>

#include <stdint.h>

/* The ABI leaves struct siam_buffer opaque: each backend defines its own.
 * A GPU backend would hold a device handle here (a cl_mem, a CUdeviceptr). */
struct siam_buffer {
    size_t bytes;  /* as asked for in buffer_alloc */
    float *data;   /* host memory standing in for device memory */
};

/* Everything a context needs hangs off this struct: no globals. A real
 * backend keeps its device, queue/stream and compiled kernels here. */
typedef struct tpl_ctx {
    int device; /* always 0: one device */
} tpl_ctx;

/* Tensor offsets are in elements, from the start of the buffer. */
static inline float *tpl_f32(const siam_tensor *t)
{
    return t->buf ? t->buf->data + t->offset : (float *)0;
}

/* One function per op of the ABI. The core has checked the shapes
 * (core/engine/op_info.c) and asked supports_op() before any of these runs. */
siam_status tpl_conv2d_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_conv2d_bwd_data(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_conv2d_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_maxpool_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_maxpool_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_linear_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_linear_bwd_data(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_linear_bwd_param(void *ctx, const siam_op_args *a, siam_error *err);

siam_status tpl_relu_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_relu_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_sigmoid_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_sigmoid_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_absdiff_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_absdiff_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_bce_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_bce_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_contrastive_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_contrastive_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_sgd_update(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_adam_update(void *ctx, const siam_op_args *a, siam_error *err);
siam_status tpl_pair_scores(void *ctx, const siam_op_args *a, siam_error *err);

#endif
