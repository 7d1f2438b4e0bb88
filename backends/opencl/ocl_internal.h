/* The OpenCL backend: shared definitions.
 *
 * One context = one device, one cl_context, one in-order queue. Ops only
 * enqueue work: no clFinish and no host round trip per op; synchronize() is
 * the one clFinish. A context is used by one thread at a time, which also
 * serialises the CLBlast calls (Debian's CLBlast 1.5.3 is not thread-safe).
 * Kernels come from kernels/NAME.cl, one program per file, built lazily on
 * first use with fixed options (no fast-math) and cached on disk (cache.c).
 */
#ifndef SIAMESE_OCL_INTERNAL_H
#define SIAMESE_OCL_INTERNAL_H

#include "siamese/backend.h"

#include <CL/cl.h>
#include <stdint.h>
#include <sys/types.h>

#include "ocl_sources.h"

#define OCL_BACKEND_VERSION "0.1.0"
#define OCL_MAX_PROGRAMS 24
/* Bound of a conv sub-batch's col + tmp scratch (conv2d.c) on CPU devices,
 * where larger panels only miss the caches; other devices take a share of
 * their memory (ocl_conv_budget_of). */
#define OCL_CONV_BUDGET_CPU ((size_t)256 << 20)
#define OCL_CONV_BUDGET_MEM_SHARE 8

struct siam_buffer {
    cl_mem mem;
    size_t bytes;
};

/* Every kernel of every .cl file, with the file it lives in (program.c). */
typedef enum ocl_kernel_id {
    OCL_K_IM2COL = 0,
    OCL_K_IM2COL_T,
    OCL_K_COL2IM,
    OCL_K_CONV_SCATTER,
    OCL_K_CONV_GATHER,
    OCL_K_CONV_GATHER_T,
    OCL_K_CONV_BIAS_GRAD,
    OCL_K_RELU_FWD,
    OCL_K_RELU_BWD,
    OCL_K_MAXPOOL_FWD,
    OCL_K_MAXPOOL_BWD,
    OCL_K_LINEAR_BIAS,
    OCL_K_LINEAR_BIAS_GRAD,
    OCL_K_SIGMOID_FWD,
    OCL_K_SIGMOID_BWD,
    OCL_K_ABSDIFF_FWD,
    OCL_K_ABSDIFF_BWD,
    OCL_K_BCE_FWD,
    OCL_K_BCE_BWD,
    OCL_K_CONTRASTIVE_DIST,
    OCL_K_CONTRASTIVE_LOSS,
    OCL_K_CONTRASTIVE_BWD,
    OCL_K_SGD,
    OCL_K_ADAM,
    OCL_K_PAIR_SCORES_WL1,
    OCL_K_PAIR_SCORES_L2,
    OCL_K_PAIR_SCORES_PLAIN_WL1,
    OCL_K_PAIR_SCORES_PLAIN_L2,
    OCL_K_TRANSPOSE,
    OCL_K_GEMM_SLICES_SUM,
    OCL_K_HEAD_FWD,
    OCL_K_HEAD_BWD_DATA,
    OCL_K_HEAD_BWD_PARAM,
    OCL_K_COUNT
} ocl_kernel_id;

typedef struct ocl_cache_stats {
    int hits;      /* programs loaded from a cached binary */
    int misses;    /* programs compiled from source */
    int stores;    /* binaries written to the cache */
    int rejected;  /* cache files found but unusable (corrupt, stale) */
} ocl_cache_stats;

/* One enumerated device (device.c). */
typedef struct ocl_candidate {
    int platform_index, device_index;
    cl_platform_id platform;
    cl_device_id device;
    char platform_name[128];
    char platform_vendor[128];
    char name[256];
    char vendor[128];
    cl_device_type type;
} ocl_candidate;

/* Test hooks (siam_opencl_tune) that force code paths a shape or device
 * would not take by default, kept apart from the production fields; all
 * zero is the default everywhere. */
typedef struct ocl_tuning {
    int force_tiled;   /* tiled pair_scores on any device */
    long gemm_k_chunk; /* 0 auto (CPU devices), -1 never, >0 fixed */
    long gemm_k_split; /* 0 auto (GPUs), -1 never, >0 that many slices */
    size_t wg_limit;   /* caps every kernel's work-group size; 0 none */
    int tune_margin_pct; /* gemm_tune.c's winning margin; 0 = OCL_TUNE_MARGIN_PCT */
    int tune_candidates; /* gemm_tune.c tries only the first N sets; 0 = all */
} ocl_tuning;

/* Xgemm's parameters in CLBlast 1.5.3, in ocl_xgemm_names order. */
#define OCL_XGEMM_N 16
typedef struct ocl_xgemm_set {
    char name[32];
    size_t v[OCL_XGEMM_N];
} ocl_xgemm_set;
typedef struct ocl_pinned ocl_pinned; /* host_memory.c */

typedef struct ocl_ctx {
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    siam_device_info info;
    char platform_version[128];
    size_t max_wg;           /* CL_DEVICE_MAX_WORK_GROUP_SIZE */
    cl_uint base_align;      /* CL_DEVICE_MEM_BASE_ADDR_ALIGN, in bytes */
    int tile;                /* pair_scores tile edge (-DTILE): 16 or 8 */
    int cpu_device;          /* CL_DEVICE_TYPE_CPU: plain pair_scores */
    size_t red_lsize;        /* work-group size of reductions: a power of two */
    ocl_tuning tune;         /* test hooks, zero in production */
    char options[256];       /* build options of every program */
    size_t conv_budget;      /* bytes of conv col+tmp scratch to aim for */
    size_t conv_budget_default; /* the device's own (ocl_conv_budget_of) */
    size_t kernel_wg[OCL_K_COUNT]; /* CL_KERNEL_WORK_GROUP_SIZE per kernel; 0 not yet asked */
    cl_program programs[OCL_MAX_PROGRAMS];
    cl_kernel kernels[OCL_K_COUNT];
    char program_key[OCL_MAX_PROGRAMS][65]; /* cache key of a program loaded from the cache, else "" */
    char cache_dir[1024];    /* "" when the cache is off */
    ocl_cache_stats stats;
    siam_counters counters;  /* SIAM_EXT_COUNTERS */
    /* Tuned Xgemm parameters (gemm_params.c): the device's stored entry,
     * applied before the context's first GEMM. */
    char xgemm_path[1100];   /* where the device's entry is or would be; "" cache off */
    ocl_xgemm_set xgemm;     /* the entry, when xgemm_loaded */
    int xgemm_loaded;        /* a valid entry was read at create */
    int xgemm_pending;       /* loaded and not yet handed to CLBlast */
    int gemm_started;        /* a GEMM (or its temp-size query) has run */
    ocl_pinned *pinned;      /* host_alloc's buffers, to free by pointer */
} ocl_ctx;

/* ---- errors.c ---- */
const char *ocl_error_name(cl_int code);
const char *ocl_clblast_name(int code);
/* "CALL(WHAT): CL_NAME", with a smaller-batch hint on out-of-memory codes;
 * returns SIAM_ERR_OUT_OF_MEMORY for those, else SIAM_ERR_BACKEND. */
siam_status ocl_fail(siam_error *err, const char *call, const char *what, cl_int code);
siam_status ocl_clblast_fail(siam_error *err, const char *what, int code);

/* ---- device.c ---- */
/* All devices on all platforms, platform by platform; *list is malloc'd.
 * No ICD (CL_PLATFORM_NOT_FOUND_KHR) gives 0 devices and SIAM_OK, with the
 * reason in err->msg. */
siam_status ocl_enumerate(ocl_candidate **list, int *n, siam_error *err);
/* Picks a device: sel NULL/"" = first GPU, else first device; "P:D" by
 * index; otherwise a case-insensitive substring of platform name, platform
 * vendor, device name or device vendor. No match: SIAM_ERR_NOT_FOUND with
 * the candidates listed. Pure: needs no OpenCL. */
siam_status ocl_select(const ocl_candidate *list, int n, const char *sel, int *pick,
                       siam_error *err);
siam_status ocl_describe(const ocl_candidate *cand, siam_device_info *info, siam_error *err);
int ocl_score(void);

/* The conv scratch budget that suits a device: OCL_CONV_BUDGET_CPU on CPU
 * devices; else 1/OCL_CONV_BUDGET_MEM_SHARE of its global memory, so that a
 * GPU runs each layer direction as one GEMM over the whole batch where
 * that fits (conv2d.c still keeps within half the largest allocation). */
size_t ocl_conv_budget_of(int cpu_device, const siam_device_info *info);

/* ---- icd.c: vendor libraries the ICD loader does not know ---- */
/* SIAM_EXT_NOTES: when no platform offers a GPU, which device is the
 * default, and each vendor OpenCL library found that no ICD file registers
 * (or that does not load), with the fix. */
void ocl_icd_notes(char *out, size_t size);
/* "siam_opencl_register_icd": writes into `dir` (created if missing) an ICD
 * file for each unregistered vendor library that loads, plus copies of the
 * loader's current entries, for OCL_ICD_VENDORS=dir; what it did goes to
 * `report`. None that loads: SIAM_ERR_NOT_FOUND, nothing written. */
siam_status ocl_icd_register(const char *dir, char *report, size_t size, siam_error *err);

/* ---- atomic.c ---- */
typedef struct ocl_file_part {
    const void *data;
    size_t size;
} ocl_file_part;
/* Writes the parts to `path` through a temporary file (mkstemp, fsync,
 * rename, folder fsync) with the given mode; 0, or the errno that failed
 * (the target is then as it was). */
int ocl_write_file_atomic(const char *path, mode_t mode, const ocl_file_part *parts, int n);

/* ---- cache.c ---- */
/* The cache folder from SIAMESE_OPENCL_CACHE ("0" = off), else
 * $XDG_CACHE_HOME/siamese or ~/.cache/siamese; "" when off. */
void ocl_cache_dir(char *out, size_t size);
/* SHA-256 key, as 64 hex characters plus NUL, over the source, the build
 * options, the device name, the driver version and the platform version. */
void ocl_cache_key(const char *src, size_t src_size, const char *options,
                   const char *device, const char *driver, const char *platform_version,
                   char out[65]);
/* 1 when `dir` is a folder (not a link) owned by us and writable by no one
 * else: the only kind the cache reads from or writes to. */
int ocl_private_dir(const char *dir);
/* mkdir -p with mode 0700; 1 when the folder then passes ocl_private_dir. */
int ocl_cache_make_dir(const char *dir);
/* 1 and a malloc'd binary on a valid hit; 0 on a miss. A file that exists
 * but fails its checks sets *rejected and counts as a miss. */
int ocl_cache_load(const char *dir, const char *key, unsigned char **bin, size_t *size,
                   int *rejected);
/* Writes through atomic.c (mode 0600, folder created 0700); 1 on success.
 * Failures are silent: the cache is an optimisation, never a reason to fail. */
int ocl_cache_store(const char *dir, const char *key, const unsigned char *bin, size_t size);

/* ---- gemm_params.c: per-device Xgemm parameters (siamese tune) ---- */
extern const char *const ocl_xgemm_names[OCL_XGEMM_N];
/* <dir>/<key>.xgemm for this device, "" when dir is "" (cache off). */
void ocl_xgemm_path(const char *dir, const char *device, const char *driver,
                    const char *platform_version, char *out, size_t size);
/* 1 when the set keeps CLBlast's Xgemm constraints and the device's limits
 * (0 limits: unchecked); else 0 with the reason. */
int ocl_xgemm_check(const ocl_xgemm_set *s, size_t max_wg, uint64_t local_mem, char *reason,
                    size_t size);
/* 1: a valid entry for `device` read into out; 0: none (no file, cache
 * off, or a folder not private to us); -1: a file that fails a check, the
 * reason written. */
int ocl_xgemm_load(const char *path, const char *device, size_t max_wg, uint64_t local_mem,
                   ocl_xgemm_set *out, char *reason, size_t size);
/* Writes the entry through atomic.c (mode 0600); the folder must exist. */
siam_status ocl_xgemm_store(const char *path, const char *device, const ocl_xgemm_set *s,
                            siam_error *err);
/* CLBlastOverrideParameters for the device, then CLBlastClearCache. */
siam_status ocl_xgemm_apply(cl_device_id device, const ocl_xgemm_set *s, siam_error *err);
/* The device's entry in `dir`: its path, and ocl_xgemm_load's answer. */
int ocl_xgemm_find(cl_platform_id platform, const siam_device_info *info, const char *dir,
                   size_t max_wg, char *path, size_t path_size, ocl_xgemm_set *set,
                   char *reason, size_t reason_size);
/* Appends to info->extra what ocl_xgemm_find found (nothing when none). */
void ocl_xgemm_note(siam_device_info *info, int found, const ocl_xgemm_set *set);
/* Before a context's GEMM: applies its pending entry, marks GEMMs started. */
siam_status ocl_xgemm_ensure(ocl_ctx *c, siam_error *err);

/* ---- gemm_tune.c: SIAM_EXT_TUNE ---- */
/* A candidate must beat CLBlast's database by this much over all shapes to
 * be stored (see gemm_tune.c for why). */
#define OCL_TUNE_MARGIN_PCT 5
siam_status ocl_gemm_tune(void *ctx, const siam_op_args *ops, int n_ops, char *report,
                          size_t size, siam_error *err);

/* ---- program.c ---- */
/* The kernel, building its program on first use (from the cache or source).
 * A failed build is SIAM_ERR_BACKEND with the build log in the message. */
siam_status ocl_kernel(ocl_ctx *c, ocl_kernel_id id, cl_kernel *k, siam_error *err);
/* Builds kernels/<name>.cl from `text` (or loads it from the cache). */
siam_status ocl_program_build(ocl_ctx *c, const char *name, const char *text, size_t len,
                              cl_program *out, siam_error *err);
siam_status ocl_build_all(ocl_ctx *c, siam_error *err);
void ocl_programs_release(ocl_ctx *c);

typedef struct ocl_arg {
    size_t size;
    const void *value;
} ocl_arg;
#define OCL_ARG(x) ((ocl_arg){sizeof(x), &(x)})
#define OCL_LOCAL(bytes) ((ocl_arg){(bytes), NULL})
/* Sets the args and enqueues. global is rounded up to a multiple of local
 * (kernels bound-check); local NULL lets the driver choose. A local size
 * above the kernel's CL_KERNEL_WORK_GROUP_SIZE on this device (registers
 * can set it below the device's maximum) is cut, for 1-D launches, to the
 * largest power of two that fits, keeping the number of work-groups and
 * scaling the OCL_LOCAL arguments alike (such kernels read
 * get_local_size()); a 2-D tile that does not fit is an error naming both
 * sizes. */
siam_status ocl_launch(ocl_ctx *c, ocl_kernel_id id, cl_uint dims, const size_t *global,
                       const size_t *local, const ocl_arg *args, int nargs, siam_error *err);

/* ---- gemm.c: CLBlast, row-major ---- */
typedef struct ocl_gemm {
    int ta, tb;              /* transpose A / B */
    size_t m, n, k;
    float alpha, beta;
    cl_mem a, b, c;
    size_t a_off, b_off, c_off; /* in floats */
    size_t lda, ldb, ldc;
    /* Room for the partial products of a split along k (ocl_gemm_split_floats);
     * part_floats 0 (or too small) runs the GEMM unsplit. */
    cl_mem part;
    size_t part_off, part_floats; /* in floats */
} ocl_gemm;
/* dst (cols x rows) = src (rows x cols)^T, offsets in floats. */
siam_status ocl_transpose(ocl_ctx *c, cl_mem src, cl_ulong src_off, cl_mem dst, cl_ulong dst_off,
                          size_t rows, size_t cols, siam_error *err);
/* CLBlast's temp buffer for this GEMM, rounded up to the base alignment. */
size_t ocl_gemm_temp_bytes(ocl_ctx *c, const ocl_gemm *g);
/* Floats of partial products for this GEMM's split along k: slices x m x n
 * when the output is too small to fill the device (few output tiles against
 * its compute units) and the inner dimension is long, else 0. Callers
 * reserve that much workspace and set g->part / part_off / part_floats. */
size_t ocl_gemm_split_floats(const ocl_ctx *c, const ocl_gemm *g);
/* Runs the GEMM with the workspace's first `temp_bytes` as CLBlast's temp
 * buffer (ws may be NULL when temp_bytes is 0). */
siam_status ocl_gemm_run(ocl_ctx *c, const ocl_gemm *g, const siam_tensor *ws,
                         size_t temp_bytes, const char *what, siam_error *err);

/* ---- buffer.c ---- */
static inline cl_mem ocl_mem(const siam_tensor *t) { return t->buf ? t->buf->mem : NULL; }
siam_status ocl_buffer_alloc(void *ctx, size_t bytes, siam_buffer **buf, siam_error *err);
void ocl_buffer_free(void *ctx, siam_buffer *buf);
siam_status ocl_buffer_upload(void *ctx, siam_buffer *dst, size_t offset, const void *src,
                              size_t bytes, siam_error *err);
siam_status ocl_buffer_download(void *ctx, siam_buffer *src, size_t offset, void *dst,
                                size_t bytes, siam_error *err);
siam_status ocl_buffer_copy(void *ctx, siam_buffer *dst, size_t dst_offset, siam_buffer *src,
                            size_t src_offset, size_t bytes, siam_error *err);
siam_status ocl_buffer_fill(void *ctx, siam_buffer *buf, size_t offset, size_t count,
                            float value, siam_error *err);

/* ---- host_memory.c: pinned host memory, asynchronous uploads ---- */
siam_status ocl_host_alloc(void *ctx, size_t bytes, void **host, siam_error *err);
void ocl_host_free(void *ctx, void *host);
/* What host_alloc gave and host_free did not take back (at destroy). */
void ocl_host_free_all(ocl_ctx *c);
siam_status ocl_buffer_upload_async(void *ctx, siam_buffer *dst, size_t offset, const void *src,
                                    size_t bytes, siam_error *err);

/* ---- ops: one file per op family, named as in backends/cpu_kernels/ ---- */
/* ocl_<name> for every op of backend.h's list (the table in
 * opencl_backend.c is made from the same list). */
#define OCL_OP_DECLARE_(suffix, name, result) \
    siam_status ocl_##name(void *ctx, const siam_op_args *a, siam_error *err);
SIAM_OP_LIST(OCL_OP_DECLARE_)
#undef OCL_OP_DECLARE_
size_t ocl_conv2d_workspace(ocl_ctx *c, const siam_op_args *a);
size_t ocl_linear_workspace(ocl_ctx *c, const siam_op_args *a);
size_t ocl_contrastive_workspace(ocl_ctx *c, const siam_op_args *a);
/* The GEMM a conv or linear op runs (buffers unset) and how many times per
 * call (conv sub-batches; the last may be shorter); 0 calls for other ops. */
ocl_gemm ocl_conv2d_gemm(ocl_ctx *c, const siam_op_args *a, size_t *calls);
ocl_gemm ocl_linear_gemm(ocl_ctx *c, const siam_op_args *a, size_t *calls);

/* Elements of a tensor as the kernels' 32-bit index type. */
static inline cl_uint ocl_u32(int64_t v) { return (cl_uint)v; }

#endif
