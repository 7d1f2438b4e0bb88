/* siamese: the backend ABI.
 *
 * A backend is a shared module, libsiamese-backend-<name>.so, that exports
 *
 *     const siam_backend_iface *siam_backend_entry(void);
 *
 * The core loads it with dlopen, refuses it unless abi_version equals
 * SIAM_BACKEND_ABI_VERSION and struct_size equals sizeof(siam_backend_iface),
 * and then talks to it only through the table below. A module builds against
 * these public headers alone (include/siamese/ *.h); it need not link the core.
 *
 * Objects: the iface table is static and stateless. create() returns a
 * context (one device, one in-order stream of work); every other entry takes
 * that context. Buffers belong to the context that allocated them.
 *
 * Rules every backend keeps:
 *  - every entry that can fail returns siam_status and fills the siam_error;
 *  - never exit, abort or print on bad input;
 *  - ops may be asynchronous; synchronize() waits for all enqueued work, and
 *    buffer_download() returns only once the bytes are on the host;
 *  - ops never allocate: scratch memory is asked for up front through
 *    workspace_size() and passed in siam_op_args.workspace;
 *  - supports_op() is the single truth: dispatch and tests both trust it.
 *
 * Bump SIAM_BACKEND_ABI_VERSION on any change to the structs or enums here.
 */
#ifndef SIAMESE_BACKEND_H
#define SIAMESE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "siamese/status.h"
#include "siamese/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 3: CONV2D_FWD and LINEAR_FWD may apply an activation (p.layer.act);
 *    HEAD_FWD and HEAD_BWD (optional); host_alloc, host_free and
 *    buffer_upload_async (see "Asynchronous uploads" at the end of
 *    siam_backend_iface).
 * 2: relu and sigmoid run in place (see "In place" below); max-pool keeps
 *    no argmax, its backward finds the maximum again in x. */
#define SIAM_BACKEND_ABI_VERSION 3u
#define SIAM_BACKEND_ENTRY_SYMBOL "siam_backend_entry"

/* Ops, one per layer kind and direction. Tensor roles (the index into
 * siam_op_args.t) are given for each op; "out" tensors are written whole,
 * "inout" tensors are read and updated in place, "opt" tensors may have
 * buf == NULL. All tensors are F32. N is the batch.
 * Tensors of one op never overlap, except:
 *
 * In place: RELU and SIGMOID may be called with the output tensor exactly
 * the input (same buffer, same offset, same shape): FWD with y == x, BWD
 * with dx == dy. The core does so to halve the memory those layers need
 * (their input is not needed for backward), so a backend must read each
 * element before it writes it: an elementwise loop or kernel does; no
 * `restrict` on those arguments. The parity suite has in-place cases.
 *
 * CONV2D: valid convolution (cross-correlation), stride 1, no padding.
 *   FWD         0 x (N,C,H,W)  1 w (K,C,R,S)  2 b (K) opt  3 y out (N,K,H-R+1,W-S+1)
 *               then y = act(y) with act = p.layer.act (below).
 *   BWD_DATA    0 dy (N,K,OH,OW)  1 w (K,C,R,S)  2 dx out (N,C,H,W)
 *   BWD_FILTER  0 x (N,C,H,W)  1 dy (N,K,OH,OW)  2 dw out (K,C,R,S)  3 db out opt (K)
 *               dw and db are sums over the batch.
 * RELU
 *   FWD         0 x  1 y out                      y = max(x, 0)
 *   BWD         0 y  1 dy  2 dx out               dx = dy where y > 0, else 0
 * MAXPOOL: 2x2 window, stride 2, floor: OH = H/2, OW = W/2.
 *   FWD         0 x (N,C,H,W)  1 y out (N,C,OH,OW)
 *               the maximum of each window: on ties the first in row-major
 *               window order wins, and a NaN wins over numbers.
 *   BWD         0 x (N,C,H,W)  1 dy (N,C,OH,OW)  2 dx out (N,C,H,W)
 *               dx = dy at the position FWD took in each window of x (the
 *               same rule), zero elsewhere. No argmax is kept between the
 *               two: finding it again costs 3 comparisons per window, and
 *               keeping it would cost 4 bytes per output for the whole
 *               step (koch105: 0.9 MB per image).
 * LINEAR: y = act(x w^T + b), act = p.layer.act
 *   FWD         0 x (N,I)  1 w (O,I)  2 b (O) opt  3 y out (N,O)
 *   BWD_DATA    0 dy (N,O)  1 w (O,I)  2 dx out (N,I)
 *   BWD_PARAM   0 x (N,I)  1 dy (N,O)  2 dw out (O,I)  3 db out opt (O)
 * SIGMOID
 *   FWD         0 x  1 y out                      y = 1/(1+exp(-x))
 *   BWD         0 y  1 dy  2 dx out               dx = dy*y*(1-y)
 * Fused activation (p.layer.act of CONV2D_FWD and LINEAR_FWD): SIAM_ACT_RELU
 *   and SIAM_ACT_SIGMOID give exactly what RELU_FWD and SIGMOID_FWD would
 *   give on the layer's output (NaN stays NaN), written in the same pass as
 *   the bias, so a GPU reads and writes the activation once instead of
 *   twice and launches one kernel less. Their backward ops are unchanged
 *   (they read y). A backend that does not fuse an activation says so in
 *   supports_op; the core then runs it as its own op.
 * ABSDIFF: the twins run as one batch of 2N; rows 0..N-1 are the left images,
 *   rows N..2N-1 the right ones, pair i = (row i, row N+i).
 *   FWD         0 h (2N,D)  1 d out (N,D)         d = |h[i] - h[N+i]|
 *   BWD         0 h (2N,D)  1 dd (N,D)  2 dh out (2N,D)
 *               dh[i] = dd*sign(h[i]-h[N+i]), dh[N+i] = -dh[i]; sign(0) = 0.
 * BCE: binary cross-entropy on logits, mean over the batch, stable form
 *   loss = mean( max(z,0) - z*y + log(1+exp(-|z|)) ), labels y in [0,1],
 *   y = 1 means "same class".
 *   FWD         0 z (N)  1 y (N)  2 loss out (1)
 *   BWD         0 z (N)  1 y (N)  2 dz out (N)   dz = (sigmoid(z) - y)/N
 * CONTRASTIVE (Hadsell, Chopra & LeCun 2006) on D = ||h[i] - h[N+i]||_2 with
 *   margin m = p.contrastive.margin. Label convention: y = 1 means SAME
 *   class (the same as BCE; Hadsell's paper uses the opposite), so
 *   loss = mean( y*D^2/2 + (1-y)*max(0, m-D)^2/2 ).
 *   FWD         0 h (2N,D)  1 y (N)  2 loss out (1)  3 dist out (N)
 *   BWD         0 h (2N,D)  1 y (N)  2 dh out (2N,D)   gradient of the mean;
 *               at D == 0 the dissimilar term's gradient is taken as 0.
 * SGD_UPDATE: momentum SGD with L2 weight decay, elementwise over n values
 *   g' = g + 2*l2*w;  v = momentum*v - lr*g';  w = w + v
 *               0 w inout  1 g  2 v inout
 * ADAM_UPDATE (Kingma & Ba), with L2 folded into the gradient as above and
 *   bias correction from p.adam.step (1-based):
 *   m = b1*m + (1-b1)*g';  v = b2*v + (1-b2)*g'^2;
 *   w -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
 *               0 w inout  1 g  2 m inout  3 v inout
 * PAIR_SCORES: all pairs of query and support embeddings, for one-shot eval.
 *               0 q (Q,D)  1 s (S,D)  2 alpha (D) opt  3 bias (1) opt  4 out (Q,S)
 *   metric WL1:  out[i][j] = bias + sum_k alpha_k*|q[i][k] - s[j][k]|   (a logit)
 *   metric L2:   out[i][j] = ||q[i] - s[j]||_2                          (a distance)
 * HEAD: the training head of a BCE net in one op per direction: the
 *   weighted L1 distance of each pair plus bias, i.e. ABSDIFF_FWD then
 *   LINEAR_FWD with one output, and backward their three backward ops
 *   (the loss stays BCE_FWD/BCE_BWD: its mean spans the whole batch). A
 *   backend that leaves these NULL gets the separate ops from the core.
 *   FWD         0 h (2N,D)  1 alpha (1,D)  2 b (1) opt  3 z out (N)
 *               z[i] = b + sum_k alpha_k*|h[i][k] - h[N+i][k]|
 *   BWD         0 h (2N,D)  1 alpha (1,D)  2 dz (N)  3 dh out (2N,D)
 *               4 dalpha out (1,D)  5 db out opt (1)
 *               dh[i][k] = dz[i]*alpha_k*sign(h[i][k]-h[N+i][k]) (sign(0) = 0),
 *               dh[N+i] = -dh[i]; dalpha_k = sum_i dz[i]*|h[i][k]-h[N+i][k]|;
 *               db = sum_i dz[i].
 */
/* Every op once, in enum order: X(SUFFIX, name, RESULT), where RESULT is
 * the index in siam_op_args.t of the op's main result (written whole, or
 * updated in place by the optimisers). The enum, siam_op_name() and
 * siam_op_result() below, and every per-op table a module keeps
 * (X-expanded or checked against SIAM_OP_COUNT), come from this list. */
#define SIAM_OP_LIST(X)                        \
    X(CONV2D_FWD, conv2d_fwd, 3)               \
    X(CONV2D_BWD_DATA, conv2d_bwd_data, 2)     \
    X(CONV2D_BWD_FILTER, conv2d_bwd_filter, 2) \
    X(RELU_FWD, relu_fwd, 1)                   \
    X(RELU_BWD, relu_bwd, 2)                   \
    X(MAXPOOL_FWD, maxpool_fwd, 1)             \
    X(MAXPOOL_BWD, maxpool_bwd, 2)             \
    X(LINEAR_FWD, linear_fwd, 3)               \
    X(LINEAR_BWD_DATA, linear_bwd_data, 2)     \
    X(LINEAR_BWD_PARAM, linear_bwd_param, 2)   \
    X(SIGMOID_FWD, sigmoid_fwd, 1)             \
    X(SIGMOID_BWD, sigmoid_bwd, 2)             \
    X(ABSDIFF_FWD, absdiff_fwd, 1)             \
    X(ABSDIFF_BWD, absdiff_bwd, 2)             \
    X(BCE_FWD, bce_fwd, 2)                     \
    X(BCE_BWD, bce_bwd, 2)                     \
    X(CONTRASTIVE_FWD, contrastive_fwd, 2)     \
    X(CONTRASTIVE_BWD, contrastive_bwd, 2)     \
    X(SGD_UPDATE, sgd_update, 0)               \
    X(ADAM_UPDATE, adam_update, 0)             \
    X(PAIR_SCORES, pair_scores, 4)             \
    X(HEAD_FWD, head_fwd, 3)                   \
    X(HEAD_BWD, head_bwd, 3)

typedef enum siam_op {
#define SIAM_OP_ENUM_(suffix, name, result) SIAM_OP_##suffix,
    SIAM_OP_LIST(SIAM_OP_ENUM_)
#undef SIAM_OP_ENUM_
    SIAM_OP_COUNT
} siam_op;

#define SIAM_OP_MAX_TENSORS 6

/* "conv2d_fwd", or "?" for a value outside the enum. */
static inline const char *siam_op_name(siam_op op)
{
#define SIAM_OP_NAME_(suffix, name, result) #name,
    static const char *const names[] = {SIAM_OP_LIST(SIAM_OP_NAME_)};
#undef SIAM_OP_NAME_
    return (int)op >= 0 && op < SIAM_OP_COUNT ? names[op] : "?";
}

/* The index of the op's main result in siam_op_args.t, or -1. */
static inline int siam_op_result(siam_op op)
{
#define SIAM_OP_RESULT_(suffix, name, result) result,
    static const signed char results[] = {SIAM_OP_LIST(SIAM_OP_RESULT_)};
#undef SIAM_OP_RESULT_
    return (int)op >= 0 && op < SIAM_OP_COUNT ? results[op] : -1;
}

typedef enum siam_metric {
    SIAM_METRIC_WL1 = 0,
    SIAM_METRIC_L2 = 1
} siam_metric;

typedef enum siam_activation {
    SIAM_ACT_NONE = 0,
    SIAM_ACT_RELU = 1,
    SIAM_ACT_SIGMOID = 2
} siam_activation;

typedef struct siam_op_args {
    siam_op op;
    siam_tensor t[SIAM_OP_MAX_TENSORS]; /* roles: see the table above */
    union {
        struct { float margin; } contrastive;
        struct { float lr, momentum, l2; } sgd;
        struct { float lr, beta1, beta2, eps, l2; int64_t step; } adam;
        struct { siam_metric metric; } scores;
        struct { siam_activation act; } layer; /* CONV2D_FWD, LINEAR_FWD */
    } p;
    /* Scratch of at least workspace_size() bytes (F32 view), or buf NULL
     * when workspace_size() returned 0. */
    siam_tensor workspace;
} siam_op_args;

typedef enum siam_device_type {
    SIAM_DEVICE_CPU = 0,
    SIAM_DEVICE_GPU = 1,
    SIAM_DEVICE_ACCEL = 2,
    SIAM_DEVICE_OTHER = 3
} siam_device_type;

typedef struct siam_device_info {
    char name[256];        /* "pthread-skylake-avx512-...", "NVIDIA H200" */
    char vendor[128];
    char driver[128];      /* driver / runtime version string */
    char platform[128];    /* e.g. OpenCL platform name; "" if none */
    char extra[256];       /* backend-specific: library versions etc. */
    siam_device_type type;
    uint64_t global_mem_bytes;
    uint64_t max_alloc_bytes;
    uint64_t local_mem_bytes;
    int compute_units;
} siam_device_info;

typedef struct siam_backend_options {
    const char *device;    /* selector after the ':' in "opencl:SEL"; NULL = default */
    int threads;           /* host threads; 0 = backend default */
} siam_backend_options;

typedef struct siam_backend_iface siam_backend_iface;

typedef siam_status (*siam_op_fn)(void *ctx, const siam_op_args *args,
                                  siam_error *err);

struct siam_backend_iface {
    uint32_t abi_version;  /* SIAM_BACKEND_ABI_VERSION */
    uint32_t struct_size;  /* sizeof(siam_backend_iface) */
    const char *name;      /* "cpu", "opencl", ... */
    const char *version;   /* the module's own version string */

    /* 0: cannot run on this machine (no driver, missing CPU feature).
     * Higher is preferred by --backend auto. */
    int (*score)(void);

    /* Devices this module can drive, without creating a context. */
    siam_status (*device_count)(int *count, siam_error *err);
    siam_status (*device_info)(int index, siam_device_info *info, siam_error *err);

    siam_status (*create)(const siam_backend_options *opts, void **ctx,
                          siam_error *err);
    void (*destroy)(void *ctx);
    /* Info on the device a context runs on. */
    siam_status (*context_device)(void *ctx, siam_device_info *info, siam_error *err);

    /* Buffers; offsets and sizes in bytes. */
    siam_status (*buffer_alloc)(void *ctx, size_t bytes, siam_buffer **buf,
                                siam_error *err);
    void (*buffer_free)(void *ctx, siam_buffer *buf);
    siam_status (*buffer_upload)(void *ctx, siam_buffer *dst, size_t offset,
                                 const void *src, size_t bytes, siam_error *err);
    siam_status (*buffer_download)(void *ctx, siam_buffer *src, size_t offset,
                                   void *dst, size_t bytes, siam_error *err);
    siam_status (*buffer_copy)(void *ctx, siam_buffer *dst, size_t dst_offset,
                               siam_buffer *src, size_t src_offset, size_t bytes,
                               siam_error *err);
    /* Sets `count` 32-bit words starting at byte `offset` to `value`'s bits. */
    siam_status (*buffer_fill)(void *ctx, siam_buffer *buf, size_t offset,
                               size_t count, float value, siam_error *err);

    /* 1 if this context can run exactly these args, else 0. When 0 and
     * reason is non-NULL, a short reason is written there. */
    int (*supports_op)(void *ctx, const siam_op_args *args, char *reason,
                       size_t reason_size);
    /* Scratch bytes the op needs (0 if none). Deterministic in the args'
     * shapes, so callers size one workspace for a whole graph. */
    size_t (*workspace_size)(void *ctx, const siam_op_args *args);
    /* One entry per op; NULL means unsupported. */
    siam_op_fn ops[SIAM_OP_COUNT];

    siam_status (*synchronize)(void *ctx, siam_error *err);

    /* Optional extensions by name (NULL if none): e.g. fault injection. */
    void *(*get_proc_address)(void *ctx, const char *name);

    /* ---- Asynchronous uploads (ABI 3) ----
     * So that the host can prepare the next batch while the device runs
     * the current step. All three are required; a backend without a copy
     * engine implements them trivially (aligned malloc, free, and
     * buffer_upload: a copy made at once keeps every rule below).
     *
     * host_alloc: `bytes` of host memory the device can read fast (OpenCL:
     * a mapped CL_MEM_ALLOC_HOST_PTR buffer, i.e. pinned on a GPU), at
     * least 64-byte aligned, valid until host_free or destroy. host_free
     * waits for any upload still reading the memory; NULL is a no-op.
     *
     * buffer_upload_async: enqueues a copy of `bytes` from src into dst at
     * `offset` and returns without waiting. The contract:
     *  - src should come from host_alloc of this context (other host
     *    memory is correct, but may be copied through a staging buffer);
     *  - the copy completes before any op, transfer, fill or copy enqueued
     *    later on this context starts (one in-order stream);
     *  - src must stay valid and unchanged until a later synchronising call
     *    (buffer_download or synchronize) has returned: only then may the
     *    host write it again;
     *  - errors found at enqueue (range, size) are returned at once; a
     *    failure of the copy itself is reported by the next synchronising
     *    call. */
    siam_status (*host_alloc)(void *ctx, size_t bytes, void **host, siam_error *err);
    void (*host_free)(void *ctx, void *host);
    siam_status (*buffer_upload_async)(void *ctx, siam_buffer *dst, size_t offset,
                                       const void *src, size_t bytes, siam_error *err);
};

/* Optional extension SIAM_EXT_COUNTERS: what a context has done since it
 * was created, for benchmarks (launches and bytes per training step).
 * get_proc_address(ctx, SIAM_EXT_COUNTERS) returns a siam_counters_fn. */
#define SIAM_EXT_COUNTERS "siam_backend_counters"
typedef struct siam_counters {
    uint64_t launches;       /* device commands: kernels, library calls, fills and copies */
    uint64_t library_calls;  /* of those, calls into a vendor library (e.g. CLBlast) */
    uint64_t upload_bytes;   /* host to device */
    uint64_t download_bytes; /* device to host */
} siam_counters;
typedef void (*siam_counters_fn)(void *ctx, siam_counters *out);

/* Optional extension SIAM_EXT_NOTES, asked without a context
 * (get_proc_address(NULL, SIAM_EXT_NOTES)): advice about the module's
 * environment, one line per note ending in '\n', "" if none; e.g. a GPU
 * driver present but invisible to the module, or why the default device is
 * the one it is. Programs print it beside the module's devices. */
#define SIAM_EXT_NOTES "siam_backend_notes"
typedef void (*siam_notes_fn)(char *out, size_t size);

/* Optional extension SIAM_EXT_TUNE: measures candidate parameter sets of
 * the module's GEMM library on the GEMMs that `ops` (shapes only; tensors
 * may have buf == NULL) run on this context's device, against the library's
 * own choice, and stores the fastest for the device when it wins by a clear
 * margin (else stores nothing). `report` gets tab-separated records, one a
 * line (the module's README lists them). Wants a context that has run no op. */
#define SIAM_EXT_TUNE "siam_backend_tune"
typedef siam_status (*siam_tune_fn)(void *ctx, const siam_op_args *ops, int n_ops, char *report,
                                    size_t size, siam_error *err);

/* Optional extension SIAM_EXT_WRAPPER, asked without a context: a module
 * that forwards every call to an inner backend (a profiler, a fault
 * injector) returns its usage, a `const char *` such as
 * "trace:INNER[:DEVICE]", rather than a function; programs list such
 * modules apart from the backends that compute. */
#define SIAM_EXT_WRAPPER "siam_backend_wrapper"

typedef const siam_backend_iface *(*siam_backend_entry_fn)(void);

#if defined(_WIN32)
#define SIAM_BACKEND_EXPORT __declspec(dllexport)
#else
#define SIAM_BACKEND_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
}
#endif
#endif
