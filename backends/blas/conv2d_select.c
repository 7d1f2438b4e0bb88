/* Which path a blas convolution takes: DFT (conv2d_dft.c) or im2col + sgemm
 * (backends/cpu_kernels/conv2d.c). Auto mode asks conv2d_dft.c's cost model per op,
 * so each layer of a net takes the cheaper one; SIAMESE_BLAS_CONV forces one
 * for every op of a context (benchmarks compare the two that way). */
#include "blas_internal.h"

#include <stdlib.h>
#include <string.h>

siam_status blas_conv2d_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    return blas_conv2d_uses_dft(ctx, a) ? blas_conv2d_dft_fwd(ctx, a, err)
                                        : cpu_conv2d_im2col_fwd(ctx, a, err);
}

siam_status blas_conv2d_bwd_data(void *ctx, const siam_op_args *a, siam_error *err)
{
    return blas_conv2d_uses_dft(ctx, a) ? blas_conv2d_dft_bwd_data(ctx, a, err)
                                        : cpu_conv2d_im2col_bwd_data(ctx, a, err);
}

siam_status blas_conv2d_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err)
{
    return blas_conv2d_uses_dft(ctx, a) ? blas_conv2d_dft_bwd_filter(ctx, a, err)
                                        : cpu_conv2d_im2col_bwd_filter(ctx, a, err);
}

/* Both paths' need when the DFT is taken: a graph sizes the workspace at its
 * largest batch, and a smaller one may go back to im2col (the DFT pays less
 * on fewer images); each path's need only shrinks with the batch. */
size_t blas_conv2d_workspace(const cpu_ctx *ctx, const siam_op_args *a)
{
    const blas_ctx *b = (const blas_ctx *)ctx;
    size_t im2col = cpu_conv2d_im2col_workspace(ctx, a);
    if (!blas_conv2d_uses_dft(b, a))
        return im2col;
    size_t dft = blas_conv2d_dft_workspace(b, a);
    return dft > im2col ? dft : im2col;
}

siam_status blas_conv_algo_from_env(blas_conv_algo *algo, siam_error *err)
{
    const char *v = getenv("SIAMESE_BLAS_CONV");
    *algo = BLAS_CONV_AUTO;
    if (!v || !*v || strcmp(v, "auto") == 0)
        return SIAM_OK;
    if (strcmp(v, "im2col") == 0)
        *algo = BLAS_CONV_IM2COL;
    else if (strcmp(v, "dft") == 0)
        *algo = BLAS_CONV_DFT;
    else
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "blas: SIAMESE_BLAS_CONV='%s' is not one of auto, im2col, dft", v);
    return SIAM_OK;
}

int blas_tune(void *ctx, const char *key, long value)
{
    blas_ctx *c = ctx;
    if (!key) {
        c->conv_algo = c->conv_algo_default;
        c->tune = (blas_tuning){0};
        return 1;
    }
    if (strcmp(key, "dft_batch") == 0 && value >= 0) {
        c->tune.dft_batch = value;
        c->conv_algo = value > 0 ? BLAS_CONV_DFT : c->conv_algo_default;
        return 1;
    }
    if (strcmp(key, "conv_algo") == 0 && value >= BLAS_CONV_AUTO && value <= BLAS_CONV_DFT) {
        c->conv_algo = (blas_conv_algo)value;
        return 1;
    }
    return 0;
}

int blas_conv_path(void *ctx, const siam_op_args *a)
{
    return blas_conv2d_uses_dft(ctx, a) ? 2 : 1;
}
