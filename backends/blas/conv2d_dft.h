/* The blas backend's convolution in the frequency domain (conv2d_dft.c), and
 * the choice between it and im2col (backends/cpu/conv2d.c) made per op. */
#ifndef SIAMESE_BLAS_CONV2D_DFT_H
#define SIAMESE_BLAS_CONV2D_DFT_H

#include "cpu_internal.h"

/* 1 when this op runs in the frequency domain: the context's conv_algo, or in auto mode a
 * cost model of the two paths on the op's shapes. */
int blas_conv2d_uses_dft(const cpu_ctx *ctx, const siam_op_args *a);
size_t blas_conv2d_dft_workspace(const cpu_ctx *ctx, const siam_op_args *a);
siam_status blas_conv2d_dft_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status blas_conv2d_dft_bwd_data(void *ctx, const siam_op_args *a, siam_error *err);
siam_status blas_conv2d_dft_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err);

/* conv2d_select.c: the ops the backend table holds, each running the DFT
 * or the im2col path; the workspace is that of the path taken. */
siam_status blas_conv2d_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status blas_conv2d_bwd_data(void *ctx, const siam_op_args *a, siam_error *err);
siam_status blas_conv2d_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err);
size_t blas_conv2d_workspace(const cpu_ctx *ctx, const siam_op_args *a);
/* SIAMESE_BLAS_CONV (auto, im2col or dft; unset = auto) into *algo. */
siam_status blas_conv_algo_from_env(cpu_conv_algo *algo, siam_error *err);
/* The "siam_blas_tune" extension, as "siam_opencl_tune", so that the parity
 * suite covers both paths on small shapes:
 *   "conv_algo" (0 auto, 1 im2col, 2 dft): the path of every convolution;
 *   "dft_batch" (> 0): DFT, in sub-batches of at most that many images.
 * Key NULL restores the context's defaults. Returns 1 if the key is known. */
int blas_tune(void *ctx, const char *key, long value);
/* The "siam_blas_conv_path" extension: 2 if this conv op would run by DFT,
 * 1 by im2col (benchmarks label their lines with it). */
int blas_conv_path(void *ctx, const siam_op_args *a);

#endif
