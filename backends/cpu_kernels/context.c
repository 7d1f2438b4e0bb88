/* Contexts and devices of the CPU backends, and the table entries that
 * answer for every op: support, workspace, the flavour's convolutions. */
#define _GNU_SOURCE
#include "cpu_kernels.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

siam_status cpu_ctx_create(const cpu_flavour *f, size_t size, const siam_backend_options *opts,
                           void **out, siam_error *err)
{
    if (!out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "cpu: NULL context pointer");
    if (opts && opts->device && *opts->device && strcmp(opts->device, "0") != 0)
        return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                              "%s: unknown device '%s' (this backend has one device, 0)", f->name,
                              opts->device);
    if (opts && opts->threads < 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "cpu: threads must be >= 0");
    assert(size >= sizeof(cpu_ctx));
    cpu_ctx *c = calloc(1, size);
    if (!c)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "cpu: out of memory");
    c->flavour = f;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    c->threads = opts && opts->threads > 0 ? opts->threads : (cpus > 0 ? (int)cpus : 1);
    if (f->gemm_init)
        f->gemm_init();
    *out = c;
    return SIAM_OK;
}

void cpu_destroy(void *ctx) { free(ctx); }

siam_status cpu_device_count(int *count, siam_error *err)
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

siam_status cpu_device_info(const cpu_flavour *f, int index, siam_device_info *info,
                            siam_error *err)
{
    if (!info || index != 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "cpu: device %d does not exist (only 0)",
                              index);
    memset(info, 0, sizeof *info);
    cpu_model_name(info->name, sizeof info->name);
    snprintf(info->vendor, sizeof info->vendor, "host");
    snprintf(info->driver, sizeof info->driver, "%s backend, version " CPU_BACKEND_VERSION,
             f->name);
    char lib[160];
    f->gemm_describe(lib, sizeof lib);
    snprintf(info->extra, sizeof info->extra, "%s + %s (%s), pthreads", f->conv_about,
             f->gemm_about, lib);
    info->type = SIAM_DEVICE_CPU;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && psize > 0)
        info->global_mem_bytes = (uint64_t)pages * (uint64_t)psize;
    info->max_alloc_bytes = CPU_MAX_BYTES;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    info->compute_units = cpus > 0 ? (int)cpus : 1;
    return SIAM_OK;
}

siam_status cpu_context_device(void *ctx, siam_device_info *info, siam_error *err)
{
    return cpu_device_info(((const cpu_ctx *)ctx)->flavour, 0, info, err);
}

int cpu_supports_op(void *ctx, const siam_op_args *a, char *reason, size_t rsize)
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

size_t cpu_workspace_size(void *ctx, const siam_op_args *a)
{
    const cpu_ctx *c = ctx;
    switch (a->op) {
    case SIAM_OP_CONV2D_FWD:
    case SIAM_OP_CONV2D_BWD_DATA:
    case SIAM_OP_CONV2D_BWD_FILTER:
        return c->flavour->conv2d_workspace(c, a);
    case SIAM_OP_LINEAR_FWD:
    case SIAM_OP_LINEAR_BWD_DATA:
    case SIAM_OP_LINEAR_BWD_PARAM:
        return cpu_linear_workspace(c, a);
    case SIAM_OP_HEAD_BWD: /* one double per column for dalpha, aligned inside */
        return (size_t)a->t[0].shape[1] * sizeof(double) + sizeof(float);
    default:
        return 0;
    }
}

/* A fused activation, in place on y, through RELU_FWD's and SIGMOID_FWD's
 * own kernels: on the CPU fusing saves a dispatch and changes no bit. */
siam_status cpu_activate(void *ctx, const siam_tensor *y, siam_activation act, siam_error *err)
{
    if (act == SIAM_ACT_NONE)
        return SIAM_OK;
    siam_op_args a = {.op = act == SIAM_ACT_RELU ? SIAM_OP_RELU_FWD : SIAM_OP_SIGMOID_FWD};
    a.t[0] = a.t[1] = *y;
    return act == SIAM_ACT_RELU ? cpu_relu_fwd(ctx, &a, err) : cpu_sigmoid_fwd(ctx, &a, err);
}

siam_status cpu_conv2d_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    siam_status st = ((const cpu_ctx *)ctx)->flavour->conv2d_fwd(ctx, a, err);
    return st == SIAM_OK ? cpu_activate(ctx, &a->t[3], a->p.layer.act, err) : st;
}

siam_status cpu_conv2d_bwd_data(void *ctx, const siam_op_args *a, siam_error *err)
{
    return ((const cpu_ctx *)ctx)->flavour->conv2d_bwd_data(ctx, a, err);
}

siam_status cpu_conv2d_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err)
{
    return ((const cpu_ctx *)ctx)->flavour->conv2d_bwd_filter(ctx, a, err);
}

siam_status cpu_synchronize(void *ctx, siam_error *err)
{
    (void)ctx, (void)err;
    return SIAM_OK; /* every op finished before it returned */
}
