/* The CPU kernel library the cpu and blas backends share: op kernels, the
 * thread pool and the backend plumbing (buffers, device info, contexts).
 *
 * A backend built on it brings a cpu_flavour (its GEMM, its convolution
 * ops, its name) and a small interface table of its own; the kernels reach
 * the flavour through the context, so one compiled library serves both.
 * Work is split across threads only along independent outputs (images, or
 * column blocks of a GEMM), so with the reference GEMM every result is
 * bit-identical whatever the thread count.
 */
#ifndef SIAMESE_CPU_KERNELS_H
#define SIAMESE_CPU_KERNELS_H

#include "siamese/backend.h"

#include <stddef.h>
#include <stdint.h>

#define CPU_BACKEND_VERSION "0.1.0"

struct siam_buffer {
    size_t bytes;
    float *data; /* 64-byte aligned */
};
#define CPU_MAX_BYTES ((size_t)1 << 40) /* largest buffer */

typedef struct cpu_ctx cpu_ctx;

/* A GEMM: C[MxN] = op(A)[MxK] * op(B)[KxN] + beta*C, row-major. op(X) =
 * X^T when trans is set (X then stored KxM or NxK). `pack` holds threads *
 * CPU_GEMM_PACK_FLOATS floats, for a GEMM that packs. Each C element is
 * summed in the same order whatever `threads` is. */
#define CPU_GEMM_KC 256
#define CPU_GEMM_NC 256
#define CPU_GEMM_PACK_FLOATS (CPU_GEMM_KC * CPU_GEMM_NC)
typedef void (*cpu_gemm_fn)(int threads, int trans_a, int trans_b, int64_t m, int64_t n,
                            int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                            float beta, float *c, int64_t ldc, float *pack);

/* What one CPU backend brings to the shared kernels: one static constant
 * per backend, reached from every context it creates. */
typedef struct cpu_flavour {
    const char *name;       /* "cpu", "blas": device info and messages */
    const char *conv_about; /* how convolutions run, for device info */
    const char *gemm_about; /* which GEMM, for device info */
    cpu_gemm_fn gemm;
    /* Called once per context creation, so that a GEMM library can set
     * itself up (blas turns OpenBLAS's own thread pool down); NULL if none. */
    void (*gemm_init)(void);
    /* The GEMM library and its version/configuration, for device info. */
    void (*gemm_describe)(char *buf, size_t size);
    /* The table's conv2d ops and the workspace they need: the im2col path
     * below, or a backend's choice among its own paths. */
    siam_op_fn conv2d_fwd, conv2d_bwd_data, conv2d_bwd_filter;
    size_t (*conv2d_workspace)(const cpu_ctx *ctx, const siam_op_args *a);
} cpu_flavour;

/* A context. A backend that keeps more state embeds it as the first member
 * of its own and gives cpu_ctx_create that struct's size. */
struct cpu_ctx {
    const cpu_flavour *flavour;
    int threads;
};

static inline float *cpu_f32(const siam_tensor *t)
{
    return t->buf ? t->buf->data + t->offset : (float *)0;
}

/* The context's GEMM; see cpu_gemm_fn. */
static inline void cpu_gemm(const cpu_ctx *ctx, int threads, int trans_a, int trans_b, int64_t m,
                            int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
                            int64_t ldb, float beta, float *c, int64_t ldc, float *pack)
{
    ctx->flavour->gemm(threads, trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc, pack);
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

/* ---- plumbing (context.c, buffer.c): the entries of every CPU table ---- */

/* A zeroed context of `size` bytes (at least sizeof(cpu_ctx)) for flavour f. */
siam_status cpu_ctx_create(const cpu_flavour *f, size_t size, const siam_backend_options *opts,
                           void **out, siam_error *err);
void cpu_destroy(void *ctx);
siam_status cpu_device_count(int *count, siam_error *err);
siam_status cpu_device_info(const cpu_flavour *f, int index, siam_device_info *info,
                            siam_error *err);
siam_status cpu_context_device(void *ctx, siam_device_info *info, siam_error *err);
siam_status cpu_buffer_alloc(void *ctx, size_t bytes, siam_buffer **out, siam_error *err);
void cpu_buffer_free(void *ctx, siam_buffer *b);
siam_status cpu_buffer_upload(void *ctx, siam_buffer *dst, size_t off, const void *src,
                              size_t bytes, siam_error *err);
siam_status cpu_buffer_download(void *ctx, siam_buffer *src, size_t off, void *dst, size_t bytes,
                                siam_error *err);
siam_status cpu_buffer_copy(void *ctx, siam_buffer *dst, size_t doff, siam_buffer *src,
                            size_t soff, size_t bytes, siam_error *err);
siam_status cpu_buffer_fill(void *ctx, siam_buffer *b, size_t off, size_t count, float value,
                            siam_error *err);
/* Asynchronous uploads (ABI 3): plain aligned memory, copied at enqueue. */
siam_status cpu_host_alloc(void *ctx, size_t bytes, void **host, siam_error *err);
void cpu_host_free(void *ctx, void *host);
int cpu_supports_op(void *ctx, const siam_op_args *a, char *reason, size_t rsize);
size_t cpu_workspace_size(void *ctx, const siam_op_args *a);
siam_status cpu_synchronize(void *ctx, siam_error *err);
/* y = act(y) in place (p.layer.act of CONV2D_FWD and LINEAR_FWD). */
siam_status cpu_activate(void *ctx, const siam_tensor *y, siam_activation act, siam_error *err);

/* ---- ops: one function per op and direction; each file is named after its op ---- */

/* cpu_<name> for every op of backend.h's list: a new op needs its file
 * here and nothing else in this header or the table. The conv2d entries
 * call the context's flavour (context.c). */
#define CPU_OP_DECLARE_(suffix, name, result) \
    siam_status cpu_##name(void *ctx, const siam_op_args *a, siam_error *err);
SIAM_OP_LIST(CPU_OP_DECLARE_)
#undef CPU_OP_DECLARE_
/* conv2d.c: im2col + GEMM. */
siam_status cpu_conv2d_im2col_fwd(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_conv2d_im2col_bwd_data(void *ctx, const siam_op_args *a, siam_error *err);
siam_status cpu_conv2d_im2col_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err);
size_t cpu_conv2d_im2col_workspace(const cpu_ctx *c, const siam_op_args *a);
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
size_t cpu_linear_workspace(const cpu_ctx *c, const siam_op_args *a);

/* The interface entries every CPU backend shares, for its table's
 * initialiser; the backend adds .name, .score, .device_info, .create and
 * .get_proc_address. A table is a static constant, so this cannot be a
 * function. */
#define CPU_OP_ENTRY_(suffix, name, result) [SIAM_OP_##suffix] = cpu_##name,
#define CPU_BACKEND_SHARED_ENTRIES                          \
    .abi_version = SIAM_BACKEND_ABI_VERSION,                \
    .struct_size = sizeof(siam_backend_iface),              \
    .version = CPU_BACKEND_VERSION,                         \
    .device_count = cpu_device_count,                       \
    .destroy = cpu_destroy,                                 \
    .context_device = cpu_context_device,                   \
    .buffer_alloc = cpu_buffer_alloc,                       \
    .buffer_free = cpu_buffer_free,                         \
    .buffer_upload = cpu_buffer_upload,                     \
    .buffer_download = cpu_buffer_download,                 \
    .buffer_copy = cpu_buffer_copy,                         \
    .buffer_fill = cpu_buffer_fill,                         \
    .supports_op = cpu_supports_op,                         \
    .workspace_size = cpu_workspace_size,                   \
    .ops = {SIAM_OP_LIST(CPU_OP_ENTRY_)},                    \
    .synchronize = cpu_synchronize,                         \
    .host_alloc = cpu_host_alloc,                           \
    .host_free = cpu_host_free,                             \
    .buffer_upload_async = cpu_buffer_upload

#endif
