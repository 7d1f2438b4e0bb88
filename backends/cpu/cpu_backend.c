/* The reference CPU backend's interface table, buffers and device info. */
#define _GNU_SOURCE
#include "cpu_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CPU_BACKEND_VERSION "0.1.0"
/* backends/blas builds these same files with its own GEMM and these names. */
#ifndef CPU_BACKEND_NAME
#define CPU_BACKEND_NAME "cpu"
#define CPU_BACKEND_SCORE 10
#define CPU_BACKEND_GEMM "packed reference GEMM"
#endif
#ifdef SIAM_BLAS_DFT
#define CPU_BACKEND_CONV "im2col or DFT (transforms and products per bin by CBLAS)"
#else
#define CPU_BACKEND_CONV "im2col"
#endif
#define CPU_MAX_BYTES ((size_t)1 << 40)

/* The blas backend adds a frequency-domain convolution, picked per op. */
#ifdef SIAM_BLAS_DFT
#include "conv2d_dft.h"
#define CONV_OP(dir) blas_conv2d_##dir
#define CONV_WORKSPACE blas_conv2d_workspace
#else
#define CONV_OP(dir) cpu_conv2d_##dir
#define CONV_WORKSPACE cpu_conv2d_workspace
#endif

static int cpu_score(void) { return CPU_BACKEND_SCORE; }

static siam_status cpu_device_count(int *count, siam_error *err)
{
    if (!count)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "cpu: NULL count");
    *count = 1;
    return SIAM_OK;
}

static void cpu_model_name(char *out, size_t size)
{
    snprintf(out, size, "host CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *colon = strchr(line, ':');
            if (colon) {
                colon += colon[1] == ' ' ? 2 : 1;
                colon[strcspn(colon, "\n")] = '\0';
                snprintf(out, size, "%s", colon);
            }
            break;
        }
    }
    fclose(f);
}

static siam_status cpu_device_info(int index, siam_device_info *info, siam_error *err)
{
    if (!info || index != 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "cpu: device %d does not exist (only 0)",
                              index);
    memset(info, 0, sizeof *info);
    cpu_model_name(info->name, sizeof info->name);
    snprintf(info->vendor, sizeof info->vendor, "host");
    snprintf(info->driver, sizeof info->driver, CPU_BACKEND_NAME " backend, version " CPU_BACKEND_VERSION);
    char lib[160];
    cpu_gemm_library_describe(lib, sizeof lib);
    snprintf(info->extra, sizeof info->extra, CPU_BACKEND_CONV " + %s (%s), pthreads", CPU_BACKEND_GEMM, lib);
    info->type = SIAM_DEVICE_CPU;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && psize > 0)
        info->global_mem_bytes = (uint64_t)pages * (uint64_t)psize;
    info->max_alloc_bytes = CPU_MAX_BYTES;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    info->compute_units = cpus > 0 ? (int)cpus : 1;
    return SIAM_OK;
}

static siam_status cpu_create(const siam_backend_options *opts, void **out, siam_error *err)
{
    if (!out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "cpu: NULL context pointer");
    if (opts && opts->device && *opts->device && strcmp(opts->device, "0") != 0)
        return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                              "%s: unknown device '%s' (this backend has one device, 0)",
                              CPU_BACKEND_NAME, opts->device);
    if (opts && opts->threads < 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "cpu: threads must be >= 0");
    cpu_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "cpu: out of memory");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    c->threads = opts && opts->threads > 0 ? opts->threads : (cpus > 0 ? (int)cpus : 1);
#ifdef SIAM_BLAS_DFT
    siam_status st = blas_conv_algo_from_env(&c->conv_algo_default, err);
    if (st != SIAM_OK) {
        free(c);
        return st;
    }
    c->conv_algo = c->conv_algo_default;
#endif
    cpu_gemm_library_init();
    *out = c;
    return SIAM_OK;
}

static void cpu_destroy(void *ctx) { free(ctx); }

static siam_status cpu_context_device(void *ctx, siam_device_info *info, siam_error *err)
{
    (void)ctx;
    return cpu_device_info(0, info, err);
}

static siam_status cpu_buffer_alloc(void *ctx, size_t bytes, siam_buffer **out, siam_error *err)
{
    (void)ctx;
    if (!out || bytes == 0 || bytes > CPU_MAX_BYTES)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "cpu: bad buffer size %zu", bytes);
    siam_buffer *b = calloc(1, sizeof *b);
    size_t rounded = (bytes + 63) / 64 * 64;
    void *data = NULL;
    if (!b || posix_memalign(&data, 64, rounded) != 0) {
        free(b);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY,
                              "cpu: cannot allocate %zu bytes of host memory", bytes);
    }
    b->bytes = bytes;
    b->data = data;
    *out = b;
    return SIAM_OK;
}

static void cpu_buffer_free(void *ctx, siam_buffer *b)
{
    (void)ctx;
    if (b) {
        free(b->data);
        free(b);
    }
}

static siam_status range_ok(const siam_buffer *b, size_t off, size_t bytes, const char *fn,
                            siam_error *err)
{
    if (!b || off > b->bytes || bytes > b->bytes - off)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "cpu: %s out of range (offset %zu + %zu bytes > buffer %zu)", fn,
                              off, bytes, b ? b->bytes : 0);
    return SIAM_OK;
}

static siam_status cpu_buffer_upload(void *ctx, siam_buffer *dst, size_t off, const void *src,
                                     size_t bytes, siam_error *err)
{
    (void)ctx;
    siam_status st = range_ok(dst, off, bytes, "upload", err);
    if (st == SIAM_OK && bytes)
        memcpy((char *)dst->data + off, src, bytes);
    return st;
}

static siam_status cpu_buffer_download(void *ctx, siam_buffer *src, size_t off, void *dst,
                                       size_t bytes, siam_error *err)
{
    (void)ctx;
    siam_status st = range_ok(src, off, bytes, "download", err);
    if (st == SIAM_OK && bytes)
        memcpy(dst, (const char *)src->data + off, bytes);
    return st;
}

static siam_status cpu_buffer_copy(void *ctx, siam_buffer *dst, size_t doff, siam_buffer *src,
                                   size_t soff, size_t bytes, siam_error *err)
{
    (void)ctx;
    siam_status st = range_ok(dst, doff, bytes, "copy", err);
    if (st == SIAM_OK)
        st = range_ok(src, soff, bytes, "copy", err);
    if (st == SIAM_OK && bytes)
        memmove((char *)dst->data + doff, (const char *)src->data + soff, bytes);
    return st;
}

static siam_status cpu_buffer_fill(void *ctx, siam_buffer *b, size_t off, size_t count,
                                   float value, siam_error *err)
{
    (void)ctx;
    if (count > SIZE_MAX / 4)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "cpu: fill count too large");
    siam_status st = range_ok(b, off, count * 4, "fill", err);
    if (st != SIAM_OK)
        return st;
    if (off % 4)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "cpu: fill offset not 4-aligned");
    float *p = (float *)(void *)((char *)b->data + off);
    for (size_t i = 0; i < count; i++)
        p[i] = value;
    return SIAM_OK;
}

static int cpu_supports_op(void *ctx, const siam_op_args *a, char *reason, size_t rsize)
{
    (void)ctx;
    /* Every op of the ABI, on contiguous tensors lying inside their buffers. */
    for (int i = 0; i < SIAM_OP_MAX_TENSORS; i++) {
        const siam_tensor *t = &a->t[i];
        if (!t->buf)
            continue;
        if (!siam_tensor_is_contiguous(t)) {
            if (reason)
                snprintf(reason, rsize, "tensor %d is not contiguous", i);
            return 0;
        }
        size_t end = (t->offset + (size_t)siam_tensor_numel(t)) * 4;
        if (end > t->buf->bytes) {
            if (reason)
                snprintf(reason, rsize, "tensor %d runs past the end of its buffer", i);
            return 0;
        }
    }
    return (int)a->op >= 0 && a->op < SIAM_OP_COUNT;
}

static size_t cpu_workspace_size(void *ctx, const siam_op_args *a)
{
    switch (a->op) {
    case SIAM_OP_CONV2D_FWD:
    case SIAM_OP_CONV2D_BWD_DATA:
    case SIAM_OP_CONV2D_BWD_FILTER:
        return CONV_WORKSPACE(ctx, a);
    case SIAM_OP_LINEAR_FWD:
    case SIAM_OP_LINEAR_BWD_DATA:
    case SIAM_OP_LINEAR_BWD_PARAM:
        return cpu_linear_workspace(ctx, a);
    default:
        return 0;
    }
}

static siam_status cpu_synchronize(void *ctx, siam_error *err)
{
    (void)ctx, (void)err;
    return SIAM_OK; /* every op finished before it returned */
}

/* Extensions: the blas backend's "siam_blas_tune" and "siam_blas_conv_path"
 * (conv2d_dft.h). */
static void *cpu_get_proc_address(void *ctx, const char *name)
{
    (void)ctx;
    void *fn = NULL;
#ifdef SIAM_BLAS_DFT
    /* function to object pointer through memcpy, as dlsym users do */
    if (name && strcmp(name, "siam_blas_tune") == 0) {
        int (*f)(void *, const char *, long) = blas_tune;
        memcpy(&fn, &f, sizeof fn);
    } else if (name && strcmp(name, "siam_blas_conv_path") == 0) {
        int (*f)(void *, const siam_op_args *) = blas_conv_path;
        memcpy(&fn, &f, sizeof fn);
    }
#else
    (void)name;
#endif
    return fn;
}

static const siam_backend_iface cpu_iface = {
    .abi_version = SIAM_BACKEND_ABI_VERSION,
    .struct_size = sizeof(siam_backend_iface),
    .name = CPU_BACKEND_NAME,
    .version = CPU_BACKEND_VERSION,
    .score = cpu_score,
    .device_count = cpu_device_count,
    .device_info = cpu_device_info,
    .create = cpu_create,
    .destroy = cpu_destroy,
    .context_device = cpu_context_device,
    .buffer_alloc = cpu_buffer_alloc,
    .buffer_free = cpu_buffer_free,
    .buffer_upload = cpu_buffer_upload,
    .buffer_download = cpu_buffer_download,
    .buffer_copy = cpu_buffer_copy,
    .buffer_fill = cpu_buffer_fill,
    .supports_op = cpu_supports_op,
    .workspace_size = cpu_workspace_size,
    .ops = {
        [SIAM_OP_CONV2D_FWD] = CONV_OP(fwd),
        [SIAM_OP_CONV2D_BWD_DATA] = CONV_OP(bwd_data),
        [SIAM_OP_CONV2D_BWD_FILTER] = CONV_OP(bwd_filter),
        [SIAM_OP_RELU_FWD] = cpu_relu_fwd,
        [SIAM_OP_RELU_BWD] = cpu_relu_bwd,
        [SIAM_OP_MAXPOOL_FWD] = cpu_maxpool_fwd,
        [SIAM_OP_MAXPOOL_BWD] = cpu_maxpool_bwd,
        [SIAM_OP_LINEAR_FWD] = cpu_linear_fwd,
        [SIAM_OP_LINEAR_BWD_DATA] = cpu_linear_bwd_data,
        [SIAM_OP_LINEAR_BWD_PARAM] = cpu_linear_bwd_param,
        [SIAM_OP_SIGMOID_FWD] = cpu_sigmoid_fwd,
        [SIAM_OP_SIGMOID_BWD] = cpu_sigmoid_bwd,
        [SIAM_OP_ABSDIFF_FWD] = cpu_absdiff_fwd,
        [SIAM_OP_ABSDIFF_BWD] = cpu_absdiff_bwd,
        [SIAM_OP_BCE_FWD] = cpu_bce_fwd,
        [SIAM_OP_BCE_BWD] = cpu_bce_bwd,
        [SIAM_OP_CONTRASTIVE_FWD] = cpu_contrastive_fwd,
        [SIAM_OP_CONTRASTIVE_BWD] = cpu_contrastive_bwd,
        [SIAM_OP_SGD_UPDATE] = cpu_sgd_update,
        [SIAM_OP_ADAM_UPDATE] = cpu_adam_update,
        [SIAM_OP_PAIR_SCORES] = cpu_pair_scores,
    },
    .synchronize = cpu_synchronize,
    .get_proc_address = cpu_get_proc_address,
};

SIAM_BACKEND_EXPORT const siam_backend_iface *siam_backend_entry(void) { return &cpu_iface; }
