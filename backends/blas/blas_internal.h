/* The blas backend: the shared CPU kernels (backends/cpu_kernels) with the
 * GEMM served by CBLAS (gemm_cblas.c) and convolutions in the frequency
 * domain (conv2d_dft.c) or by im2col, chosen per op (conv2d_select.c). */
#ifndef SIAMESE_BLAS_INTERNAL_H
#define SIAMESE_BLAS_INTERNAL_H

#include "cpu_kernels.h"

/* How convolutions run; SIAMESE_BLAS_CONV=auto|im2col|dft is read at
 * context creation. The values are those of the "conv_algo" tuning key. */
typedef enum blas_conv_algo { BLAS_CONV_AUTO = 0, BLAS_CONV_IM2COL, BLAS_CONV_DFT } blas_conv_algo;

/* Test hooks (blas_tune) that force code paths, apart from the production
 * fields; all zero is the default. */
typedef struct blas_tuning {
    int64_t dft_batch; /* > 0 caps DFT sub-batches */
} blas_tuning;

typedef struct blas_ctx {
    cpu_ctx cpu;                      /* first: the shared kernels see a cpu_ctx */
    blas_conv_algo conv_algo;         /* in force */
    blas_conv_algo conv_algo_default; /* from creation, restored by a reset */
    blas_tuning tune;                 /* test hooks, zero in production */
} blas_ctx;

/* gemm_cblas.c: a cpu_gemm_fn, the set-up of the CBLAS library at context
 * creation, and its description for device info. */
void blas_gemm(int threads, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
               const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
               int64_t ldc, float *pack);
void blas_gemm_init(void);
void blas_gemm_describe(char *buf, size_t size);

/* 1 when this op runs in the frequency domain: the context's conv_algo, or in auto mode a
 * cost model of the two paths on the op's shapes. */
int blas_conv2d_uses_dft(const blas_ctx *ctx, const siam_op_args *a);
size_t blas_conv2d_dft_workspace(const blas_ctx *ctx, const siam_op_args *a);
siam_status blas_conv2d_dft_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status blas_conv2d_dft_bwd_data(void *ctx, const siam_op_args *a, siam_error *err);
siam_status blas_conv2d_dft_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err);

/* conv2d_select.c: the flavour's conv ops, each running the DFT or the
 * im2col path; the workspace is that of the path taken. */
siam_status blas_conv2d_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status blas_conv2d_bwd_data(void *ctx, const siam_op_args *a, siam_error *err);
siam_status blas_conv2d_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err);
size_t blas_conv2d_workspace(const cpu_ctx *ctx, const siam_op_args *a);
/* SIAMESE_BLAS_CONV (auto, im2col or dft; unset = auto) into *algo. */
siam_status blas_conv_algo_from_env(blas_conv_algo *algo, siam_error *err);
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
