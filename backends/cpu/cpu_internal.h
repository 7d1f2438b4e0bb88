/* The reference CPU backend: shared definitions.
 *
 * Plain C, no dependency: the oracle every other backend is checked against.
 * Work is split across threads only along independent outputs (images, or
 * column blocks of a GEMM), so every result is bit-identical whatever the
 * thread count.
 */
#ifndef SIAMESE_CPU_INTERNAL_H
#define SIAMESE_CPU_INTERNAL_H

#include "siamese/backend.h"

#include <stddef.h>
#include <stdint.h>

struct siam_buffer {
    size_t bytes;
    float *data; /* 64-byte aligned */
};

/* How convolutions run; only the blas backend has the frequency-domain
 * path (and reads SIAMESE_BLAS_CONV=auto|im2col|dft at context creation). */
typedef enum cpu_conv_algo { CPU_CONV_AUTO = 0, CPU_CONV_IM2COL, CPU_CONV_DFT } cpu_conv_algo;

/* Test hooks (blas_tune) that force code paths, apart from the production
 * fields; all zero is the default. */
typedef struct cpu_tuning {
    int64_t dft_batch; /* > 0 caps DFT sub-batches */
} cpu_tuning;

typedef struct cpu_ctx {
    int threads;
    cpu_conv_algo conv_algo;         /* in force */
    cpu_conv_algo conv_algo_default; /* from creation, restored by a reset */
    cpu_tuning tune;                 /* test hooks, zero in production */
} cpu_ctx;

static inline float *cpu_f32(const siam_tensor *t)
{
    return t->buf ? t->buf->data + t->offset : (float *)0;
}

/* Runs fn(arg, begin, end, tid) over [0, n) split into `threads` contiguous
 * chunks; tid 0 runs on the calling thread. */
typedef void (*cpu_task_fn)(void *arg, int64_t begin, int64_t end, int tid);
void cpu_parallel_for(int threads, int64_t n, cpu_task_fn fn, void *arg);

/* Thread count for elementwise work of n items: one thread below a size
 * where starting threads costs more than it saves. Elementwise results do
 * not depend on the split, so this keeps every op thread-count-independent. */
#define CPU_ELEMENTWISE_GRAIN 65536
static inline int cpu_threads_for(const void *ctx, int64_t n)
{
    int t = ctx ? ((const cpu_ctx *)ctx)->threads : 1;
    return n < CPU_ELEMENTWISE_GRAIN || t < 1 ? 1 : t;
}

/* C[MxN] = op(A)[MxK] * op(B)[KxN] + beta*C, row-major. op(X) = X^T when
 * trans is set (X then stored KxM or NxK). `pack` holds threads *
 * CPU_GEMM_PACK_FLOATS floats. Each C element is summed in the same order
 * whatever `threads` is. */
#define CPU_GEMM_KC 256
#define CPU_GEMM_NC 256
#define CPU_GEMM_PACK_FLOATS (CPU_GEMM_KC * CPU_GEMM_NC)
void cpu_gemm(int threads, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
              const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
              int64_t ldc, float *pack);
/* Called once per context creation: lets a GEMM library set itself up
 * (the blas backend turns OpenBLAS's own thread pool down). */
void cpu_gemm_library_init(void);
/* The GEMM library and its version/configuration, for device info. */
void cpu_gemm_library_describe(char *buf, size_t size);

/* One function per op and direction; each file is named after its op. */
siam_status cpu_conv2d_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_conv2d_bwd_data(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_conv2d_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err);
size_t cpu_conv2d_workspace(const cpu_ctx *c, const siam_op_args *a);
/* A conv op's shape, whichever direction its args describe: x (N,C,H,W),
 * w (K,C,R,S), y (N,K,OH,OW). */
typedef struct cpu_conv_shape {
    int64_t n, c, h, w, k, r, s, oh, ow;
} cpu_conv_shape;
cpu_conv_shape cpu_conv_shape_of(const siam_op_args *a);
/* db[k] = sum over images and positions of dy (N,K,P), summed in double,
 * channels split over the threads (the same result on any count). */
void cpu_conv2d_bias_grad(const cpu_ctx *ctx, const float *dy, int64_t n, int64_t k, int64_t p,
                          float *db);
siam_status cpu_relu_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_relu_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_maxpool_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_maxpool_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_linear_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_linear_bwd_data(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_linear_bwd_param(void *ctx, const siam_op_args *a, siam_error *err);
size_t cpu_linear_workspace(const cpu_ctx *c, const siam_op_args *a);
siam_status cpu_sigmoid_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_sigmoid_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_absdiff_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_absdiff_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_bce_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_bce_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_contrastive_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_contrastive_bwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_sgd_update(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_adam_update(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_pair_scores(void *ctx, const siam_op_args *a, siam_error *err);

#endif
