/* The OpenCL backend's interface table: contexts, support, workspace sizes,
 * and the optional extensions reached through get_proc_address. */
#include "ocl_internal.h"

#include <clblast_c.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static siam_status ocl_device_count(int *count, siam_error *err)
{
    if (!count)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: NULL count");
    ocl_candidate *list = NULL;
    siam_status st = ocl_enumerate(&list, count, err);
    free(list);
    return st;
}

static siam_status ocl_device_info(int index, siam_device_info *info, siam_error *err)
{
    ocl_candidate *list = NULL;
    int n = 0;
    siam_status st = ocl_enumerate(&list, &n, err);
    if (st == SIAM_OK && (index < 0 || index >= n || !info))
        st = siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: device %d does not exist (%d found)",
                            index, n);
    if (st == SIAM_OK)
        st = ocl_describe(&list[index], info, err);
    if (st == SIAM_OK) {
        char dir[1024], path[1100], why[200];
        ocl_xgemm_set set;
        size_t max_wg = 0;
        clGetDeviceInfo(list[index].device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_wg, &max_wg,
                        NULL);
        ocl_cache_dir(dir, sizeof dir);
        int found = ocl_xgemm_find(list[index].platform, info, dir, max_wg, path, sizeof path,
                                   &set, why, sizeof why);
        ocl_xgemm_note(info, found, &set);
    }
    free(list);
    return st;
}

/* "OpenCL 1.2 ..." -> 102; 0 if unreadable. */
static int cl_version(cl_device_id d)
{
    char v[128] = "";
    int major = 0, minor = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_VERSION, sizeof v, v, NULL) != CL_SUCCESS)
        return 0;
    v[sizeof v - 1] = '\0';
    if (sscanf(v, "OpenCL %d.%d", &major, &minor) != 2)
        return 0;
    return major * 100 + minor;
}

static siam_status setup(ocl_ctx *c, const ocl_candidate *cand, siam_error *err)
{
    if (cl_version(cand->device) < 102)
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED,
                              "opencl: device '%s' does not support OpenCL 1.2", cand->name);
    c->platform = cand->platform;
    c->device = cand->device;
    siam_status st = ocl_describe(cand, &c->info, err);
    if (st != SIAM_OK)
        return st;
    clGetPlatformInfo(c->platform, CL_PLATFORM_VERSION, sizeof c->platform_version,
                      c->platform_version, NULL);
    c->platform_version[sizeof c->platform_version - 1] = '\0';
    clGetDeviceInfo(c->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof c->max_wg, &c->max_wg, NULL);
    cl_uint bits = 0;
    clGetDeviceInfo(c->device, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof bits, &bits, NULL);
    c->base_align = bits / 8 ? bits / 8 : 128;
    if (c->max_wg == 0)
        c->max_wg = 1;
    /* pair_scores stages 2 * 2*TILE*(TILE+1) floats in local memory. */
    c->tile = c->max_wg >= 256 && c->info.local_mem_bytes >= 16384 ? 16 : 8;
    c->cpu_device = (cand->type & CL_DEVICE_TYPE_CPU) != 0;
    c->conv_budget_default = ocl_conv_budget_of(c->cpu_device, &c->info);
    c->conv_budget = c->conv_budget_default;
    c->red_lsize = 1;
    while (c->red_lsize * 2 <= c->max_wg && c->red_lsize < 256)
        c->red_lsize *= 2;
    /* No fast-math, no -cl-mad-enable: parity with the CPU comes first. */
    snprintf(c->options, sizeof c->options, "-cl-std=CL1.2 -DTILE=%d", c->tile);
    ocl_cache_dir(c->cache_dir, sizeof c->cache_dir);
    char why[200] = "";
    int found = ocl_xgemm_find(c->platform, &c->info, c->cache_dir, c->max_wg, c->xgemm_path,
                               sizeof c->xgemm_path, &c->xgemm, why, sizeof why);
    /* A bad entry stops the context rather than being skipped quietly: it
     * was written by hand or by someone else, and the user should know. */
    if (found < 0)
        return siam_error_set(err, SIAM_ERR_FORMAT,
                              "opencl: tuned GEMM parameters %s refused: %s (delete the file to "
                              "use CLBlast's own, then run siamese tune again if wanted)",
                              c->xgemm_path, why);
    c->xgemm_loaded = c->xgemm_pending = found > 0;
    ocl_xgemm_note(&c->info, found, &c->xgemm);

    cl_int rc;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)c->platform, 0};
    c->context = clCreateContext(props, 1, &c->device, NULL, NULL, &rc);
    if (rc != CL_SUCCESS)
        return ocl_fail(err, "clCreateContext", c->info.name, rc);
    /* One in-order queue: ops follow each other without events. */
    c->queue = clCreateCommandQueue(c->context, c->device, 0, &rc);
    if (rc != CL_SUCCESS)
        return ocl_fail(err, "clCreateCommandQueue", c->info.name, rc);
    return SIAM_OK;
}

static void ocl_destroy(void *ctx)
{
    ocl_ctx *c = ctx;
    if (!c)
        return;
    if (c->queue)
        clFinish(c->queue);
    if (c->queue)
        ocl_host_free_all(c);
    /* CLBlast keeps compiled programs per queue and context: gone with them. */
    CLBlastClearCache();
    ocl_programs_release(c);
    if (c->queue)
        clReleaseCommandQueue(c->queue);
    if (c->context)
        clReleaseContext(c->context);
    free(c);
}

static siam_status ocl_create(const siam_backend_options *opts, void **out, siam_error *err)
{
    if (!out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: NULL context pointer");
    *out = NULL;
    const char *sel = opts && opts->device && *opts->device ? opts->device
                                                            : getenv("SIAMESE_OPENCL_DEVICE");
    ocl_candidate *list = NULL;
    int n = 0, pick = -1;
    siam_status st = ocl_enumerate(&list, &n, err);
    if (st == SIAM_OK && n == 0)
        st = siam_error_set(err, SIAM_ERR_NOT_FOUND, "opencl: no device: %s",
                            err && err->msg[0] ? err->msg : "none found");
    if (st == SIAM_OK)
        st = ocl_select(list, n, sel, &pick, err);
    ocl_ctx *c = NULL;
    if (st == SIAM_OK && !(c = calloc(1, sizeof *c)))
        st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "opencl: out of memory");
    if (st == SIAM_OK)
        st = setup(c, &list[pick], err);
    free(list);
    if (st != SIAM_OK) {
        ocl_destroy(c);
        return st;
    }
    *out = c;
    return SIAM_OK;
}

static siam_status ocl_context_device(void *ctx, siam_device_info *info, siam_error *err)
{
    if (!ctx || !info)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: NULL argument");
    *info = ((ocl_ctx *)ctx)->info;
    return SIAM_OK;
}

static int refuse(char *reason, size_t size, const char *fmt, int i)
{
    if (reason && size)
        snprintf(reason, size, fmt, i);
    return 0;
}

static int ocl_supports_op(void *ctx, const siam_op_args *a, char *reason, size_t rsize)
{
    ocl_ctx *c = ctx;
    if ((int)a->op < 0 || a->op >= SIAM_OP_COUNT)
        return refuse(reason, rsize, "unknown op %d", (int)a->op);
    /* Kernels index with 32-bit unsigned element counts. */
    for (int i = 0; i < SIAM_OP_MAX_TENSORS; i++) {
        const siam_tensor *t = &a->t[i];
        if (!t->buf)
            continue;
        if (!siam_tensor_is_contiguous(t))
            return refuse(reason, rsize, "tensor %d is not contiguous", i);
        if (siam_tensor_numel(t) >= ((int64_t)1 << 31))
            return refuse(reason, rsize, "tensor %d has 2^31 elements or more", i);
        size_t end = (t->offset + (size_t)siam_tensor_numel(t)) * 4;
        if (end > t->buf->bytes)
            return refuse(reason, rsize, "tensor %d runs past the end of its buffer", i);
    }
    if (a->op <= SIAM_OP_CONV2D_BWD_FILTER) {
        size_t ws = ocl_conv2d_workspace(c, a);
        if (ws > c->info.max_alloc_bytes)
            return refuse(reason, rsize, "one image needs a %d MiB workspace, more than the "
                                         "device can allocate",
                          (int)(ws >> 20));
    }
    return 1;
}

static size_t ocl_workspace_size(void *ctx, const siam_op_args *a)
{
    switch (a->op) {
    case SIAM_OP_CONV2D_FWD:
    case SIAM_OP_CONV2D_BWD_DATA:
    case SIAM_OP_CONV2D_BWD_FILTER:
        return ocl_conv2d_workspace(ctx, a);
    case SIAM_OP_LINEAR_FWD:
    case SIAM_OP_LINEAR_BWD_DATA:
    case SIAM_OP_LINEAR_BWD_PARAM:
        return ocl_linear_workspace(ctx, a);
    case SIAM_OP_CONTRASTIVE_BWD:
        return ocl_contrastive_workspace(ctx, a);
    default:
        return 0;
    }
}

static siam_status ocl_synchronize(void *ctx, siam_error *err)
{
    cl_int rc = clFinish(((ocl_ctx *)ctx)->queue);
    return rc == CL_SUCCESS ? SIAM_OK : ocl_fail(err, "clFinish", "synchronize", rc);
}

/* ---- extensions (get_proc_address) ---- */

/* "siam_opencl_cache_stats": out[4] = hits, misses, stores, rejected. */
static void ext_cache_stats(void *ctx, int out[4])
{
    const ocl_ctx *c = ctx;
    out[0] = c->stats.hits;
    out[1] = c->stats.misses;
    out[2] = c->stats.stores;
    out[3] = c->stats.rejected;
}

static void ext_counters(void *ctx, siam_counters *out)
{
    const ocl_ctx *c = ctx;
    *out = c->counters;
}

/* "siam_opencl_build_all": builds every program now (compile latency). */
static siam_status ext_build_all(void *ctx, siam_error *err) { return ocl_build_all(ctx, err); }

/* "siam_opencl_tune": test hooks that pick code paths on shapes or devices
 * that would not take them by default, so that parity covers every path:
 *   "conv_budget" (bytes; 0 = default): conv sub-batch scratch, to force
 *       several sub-batches on small shapes (ask workspace_size() again);
 *   "pair_scores_tiled" (1 / 0 = by device type): the local-memory kernel
 *       even on a CPU device;
 *   "gemm_k_chunk" (0 = by device type, -1 = never, > 0 = that many): GEMMs
 *       split along k (gemm.c), on any device;
 *   "gemm_k_split" (0 = by device and shape, -1 = never, > 0 = that many
 *       slices): a GEMM's k cut into partial products summed after (gemm.c);
 *   "kernel_wg_limit" (0 = none): every kernel's work-group limit taken as
 *       at most this, as a device with fewer registers would report it;
 *   "tune_margin_pct" (0 = OCL_TUNE_MARGIN_PCT): the gain SIAM_EXT_TUNE
 *       asks of a candidate, so that a test can make none win;
 *   "tune_candidates" (0 = all): SIAM_EXT_TUNE tries the first N sets only.
 * key NULL restores every default. Returns 1 if the key is known. */
static int ext_tune(void *ctx, const char *key, long value)
{
    ocl_ctx *c = ctx;
    if (!key) {
        c->conv_budget = c->conv_budget_default;
        c->tune = (ocl_tuning){0};
        return 1;
    }
    if (strcmp(key, "kernel_wg_limit") == 0) {
        c->tune.wg_limit = value > 0 ? (size_t)value : 0;
        return 1;
    }
    if (strcmp(key, "conv_budget") == 0) {
        c->conv_budget = value > 0 ? (size_t)value : c->conv_budget_default;
        return 1;
    }
    if (strcmp(key, "gemm_k_chunk") == 0) {
        c->tune.gemm_k_chunk = value;
        return 1;
    }
    if (strcmp(key, "gemm_k_split") == 0) {
        c->tune.gemm_k_split = value;
        return 1;
    }
    if (strcmp(key, "tune_margin_pct") == 0) {
        c->tune.tune_margin_pct = value > 0 ? (int)value : 0;
        return 1;
    }
    if (strcmp(key, "tune_candidates") == 0) {
        c->tune.tune_candidates = value > 0 ? (int)value : 0;
        return 1;
    }
    if (strcmp(key, "pair_scores_tiled") == 0) {
        c->tune.force_tiled = value != 0;
        return 1;
    }
    return 0;
}

/* Notes and ICD registration need no context (ctx may be NULL); the
 * others take the context they are called with. */
static void *ocl_get_proc_address(void *ctx, const char *name)
{
    (void)ctx;
    void *fn = NULL;
    if (!name)
        return NULL;
    /* Function to object pointer through memcpy, as dlsym users do. */
    if (strcmp(name, "siam_opencl_cache_stats") == 0) {
        void (*f)(void *, int *) = ext_cache_stats;
        memcpy(&fn, &f, sizeof fn);
    } else if (strcmp(name, SIAM_EXT_NOTES) == 0) {
        siam_notes_fn f = ocl_icd_notes;
        memcpy(&fn, &f, sizeof fn);
    } else if (strcmp(name, "siam_opencl_register_icd") == 0) {
        siam_status (*f)(const char *, char *, size_t, siam_error *) = ocl_icd_register;
        memcpy(&fn, &f, sizeof fn);
    } else if (strcmp(name, SIAM_EXT_COUNTERS) == 0) {
        siam_counters_fn f = ext_counters;
        memcpy(&fn, &f, sizeof fn);
    } else if (strcmp(name, "siam_opencl_tune") == 0) {
        int (*f)(void *, const char *, long) = ext_tune;
        memcpy(&fn, &f, sizeof fn);
    } else if (strcmp(name, SIAM_EXT_TUNE) == 0) {
        siam_tune_fn f = ocl_gemm_tune;
        memcpy(&fn, &f, sizeof fn);
    } else if (strcmp(name, "siam_opencl_build_all") == 0) {
        siam_status (*f)(void *, siam_error *) = ext_build_all;
        memcpy(&fn, &f, sizeof fn);
    }
    return fn;
}

#define OCL_OP_ENTRY_(suffix, name, result) [SIAM_OP_##suffix] = ocl_##name,
static const siam_backend_iface ocl_iface = {
    .abi_version = SIAM_BACKEND_ABI_VERSION,
    .struct_size = sizeof(siam_backend_iface),
    .name = "opencl",
    .version = OCL_BACKEND_VERSION,
    .score = ocl_score,
    .device_count = ocl_device_count,
    .device_info = ocl_device_info,
    .create = ocl_create,
    .destroy = ocl_destroy,
    .context_device = ocl_context_device,
    .buffer_alloc = ocl_buffer_alloc,
    .buffer_free = ocl_buffer_free,
    .buffer_upload = ocl_buffer_upload,
    .buffer_download = ocl_buffer_download,
    .buffer_copy = ocl_buffer_copy,
    .buffer_fill = ocl_buffer_fill,
    .supports_op = ocl_supports_op,
    .workspace_size = ocl_workspace_size,
    .ops = {SIAM_OP_LIST(OCL_OP_ENTRY_)},
    .synchronize = ocl_synchronize,
    .get_proc_address = ocl_get_proc_address,
    .host_alloc = ocl_host_alloc,
    .host_free = ocl_host_free,
    .buffer_upload_async = ocl_buffer_upload_async,
};

SIAM_BACKEND_EXPORT const siam_backend_iface *siam_backend_entry(void) { return &ocl_iface; }
