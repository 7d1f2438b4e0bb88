/* The trace module's interface table: every entry forwards to the inner
 * backend; ops and buffer transfers are counted and timed (see
 * trace_internal.h for why each call is synchronised). Buffers are the
 * inner backend's own: the trace adds no layer of handles, so a tensor
 * handed to an op reaches the inner backend untouched. */
#define _GNU_SOURCE
#include "trace_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TRACE_NAME "trace"
#define TRACE_VERSION "0.1.0"

/* Never chosen by --backend auto over a real backend; 0 would mean "cannot
 * run here" and hide it from `siamese backends` and the parity suite. */
static int trace_score(void) { return 1; }

/* Without a context there is no inner backend: the one "device" says how
 * to choose one. */
static siam_status trace_device_count(int *count, siam_error *err)
{
    if (!count)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "trace: NULL count");
    *count = 1;
    return SIAM_OK;
}

static siam_status trace_device_info(int index, siam_device_info *info, siam_error *err)
{
    if (!info)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "trace: NULL info");
    if (index != 0)
        return siam_error_set(err, SIAM_ERR_NOT_FOUND, "trace: device %d does not exist (only 0)",
                              index);
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "profiler of another backend (trace:INNER[:DEVICE])");
    snprintf(info->vendor, sizeof info->vendor, "siamese");
    snprintf(info->driver, sizeof info->driver, TRACE_NAME " module, version " TRACE_VERSION);
    snprintf(info->extra, sizeof info->extra,
             "per-op calls, time and bytes to stderr at exit; inner default "
             "$SIAMESE_TRACE_INNER, else cpu");
    info->type = SIAM_DEVICE_OTHER;
    return SIAM_OK;
}

/* opts->device is "INNER[:DEVICE]" (from --backend trace:INNER[:DEVICE]).
 * Without one (the parity program opens modules by name alone), the inner
 * spec comes from SIAMESE_TRACE_INNER, else "cpu", as the core defaults. */
static siam_status trace_create(const siam_backend_options *opts, void **out, siam_error *err)
{
    if (!out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "trace: NULL context pointer");
    *out = NULL;
    trace_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "trace: out of memory");
    siam_status st =
        wrap_inner_open(TRACE_NAME, opts, "SIAMESE_TRACE_INNER", &c->inner, &c->inner_ctx, err);
    if (st != SIAM_OK) {
        free(c);
        return st;
    }
    *out = c;
    return SIAM_OK;
}

/* The table goes out before the inner context is destroyed, so that a
 * crash in a driver's teardown cannot swallow it. */
static void trace_destroy(void *ctx)
{
    trace_ctx *c = ctx;
    if (!c)
        return;
    trace_report_print(c, stderr);
    wrap_inner_close(&c->inner, c->inner_ctx);
    free(c);
}

static siam_status trace_context_device(void *ctx, siam_device_info *info, siam_error *err)
{
    trace_ctx *c = ctx;
    siam_status st = c->inner.iface->context_device(c->inner_ctx, info, err);
    if (st == SIAM_OK && info) {
        /* "traced; " + as much of the inner extra as fits */
        static const char tag[] = "traced; ";
        size_t room = sizeof info->extra - (sizeof tag - 1);
        size_t len = strnlen(info->extra, sizeof info->extra - 1);
        if (len > room - 1)
            len = room - 1;
        memmove(info->extra + sizeof tag - 1, info->extra, len);
        memcpy(info->extra, tag, sizeof tag - 1);
        info->extra[sizeof tag - 1 + len] = '\0';
    }
    return st;
}

/* ---- timing ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Waits for earlier work, so that it is not charged to the next call. */
static siam_status drain(trace_ctx *c, siam_error *err)
{
    return c->inner.iface->synchronize(c->inner_ctx, err);
}

/* Waits for the call's own work, then charges its time and bytes to `row`. */
static siam_status finish(trace_ctx *c, int row, double t0, double bytes, siam_status st,
                          siam_error *err)
{
    if (st == SIAM_OK)
        st = c->inner.iface->synchronize(c->inner_ctx, err);
    trace_stat *s = &c->rows[row];
    s->calls++;
    s->failed += st != SIAM_OK;
    s->seconds += now_s() - t0;
    s->bytes += bytes;
    return st;
}

/* ---- buffers ---- */

static siam_status trace_buffer_alloc(void *ctx, size_t bytes, siam_buffer **buf, siam_error *err)
{
    trace_ctx *c = ctx;
    return c->inner.iface->buffer_alloc(c->inner_ctx, bytes, buf, err);
}

static void trace_buffer_free(void *ctx, siam_buffer *buf)
{
    trace_ctx *c = ctx;
    c->inner.iface->buffer_free(c->inner_ctx, buf);
}

static siam_status trace_buffer_upload(void *ctx, siam_buffer *dst, size_t off, const void *src,
                                       size_t bytes, siam_error *err)
{
    trace_ctx *c = ctx;
    siam_status st = drain(c, err);
    if (st != SIAM_OK)
        return st;
    double t0 = now_s();
    st = c->inner.iface->buffer_upload(c->inner_ctx, dst, off, src, bytes, err);
    return finish(c, TRACE_ROW_UPLOAD, t0, (double)bytes, st, err);
}

/* Timed as a blocking upload: the trace waits for every call anyway. */
static siam_status trace_buffer_upload_async(void *ctx, siam_buffer *dst, size_t off,
                                             const void *src, size_t bytes, siam_error *err)
{
    trace_ctx *c = ctx;
    siam_status st = drain(c, err);
    if (st != SIAM_OK)
        return st;
    double t0 = now_s();
    st = c->inner.iface->buffer_upload_async(c->inner_ctx, dst, off, src, bytes, err);
    return finish(c, TRACE_ROW_UPLOAD, t0, (double)bytes, st, err);
}

static siam_status trace_host_alloc(void *ctx, size_t bytes, void **host, siam_error *err)
{
    trace_ctx *c = ctx;
    return c->inner.iface->host_alloc(c->inner_ctx, bytes, host, err);
}

static void trace_host_free(void *ctx, void *host)
{
    trace_ctx *c = ctx;
    c->inner.iface->host_free(c->inner_ctx, host);
}

static siam_status trace_buffer_download(void *ctx, siam_buffer *src, size_t off, void *dst,
                                         size_t bytes, siam_error *err)
{
    trace_ctx *c = ctx;
    siam_status st = drain(c, err);
    if (st != SIAM_OK)
        return st;
    double t0 = now_s();
    st = c->inner.iface->buffer_download(c->inner_ctx, src, off, dst, bytes, err);
    return finish(c, TRACE_ROW_DOWNLOAD, t0, (double)bytes, st, err);
}

static siam_status trace_buffer_copy(void *ctx, siam_buffer *dst, size_t doff, siam_buffer *src,
                                     size_t soff, size_t bytes, siam_error *err)
{
    trace_ctx *c = ctx;
    siam_status st = drain(c, err);
    if (st != SIAM_OK)
        return st;
    double t0 = now_s();
    st = c->inner.iface->buffer_copy(c->inner_ctx, dst, doff, src, soff, bytes, err);
    return finish(c, TRACE_ROW_COPY, t0, 2.0 * (double)bytes, st, err); /* read + write */
}

static siam_status trace_buffer_fill(void *ctx, siam_buffer *buf, size_t off, size_t count,
                                     float value, siam_error *err)
{
    trace_ctx *c = ctx;
    siam_status st = drain(c, err);
    if (st != SIAM_OK)
        return st;
    double t0 = now_s();
    st = c->inner.iface->buffer_fill(c->inner_ctx, buf, off, count, value, err);
    return finish(c, TRACE_ROW_FILL, t0, 4.0 * (double)count, st, err);
}

/* ---- ops ---- */

static int trace_supports_op(void *ctx, const siam_op_args *args, char *reason, size_t rsize)
{
    trace_ctx *c = ctx;
    if (!args || (int)args->op < 0 || args->op >= SIAM_OP_COUNT)
        return 0;
    /* Our table has every op; the inner one may not. */
    if (!c->inner.iface->ops[args->op]) {
        if (reason && rsize)
            snprintf(reason, rsize, "op not implemented by %s", c->inner.iface->name);
        return 0;
    }
    return c->inner.iface->supports_op(c->inner_ctx, args, reason, rsize);
}

static size_t trace_workspace_size(void *ctx, const siam_op_args *args)
{
    trace_ctx *c = ctx;
    return c->inner.iface->workspace_size(c->inner_ctx, args);
}

/* Bytes an op touches: the sizes of its tensors (inputs, outputs and
 * in-place ones each counted once; the workspace not at all). */
static double op_bytes(const siam_op_args *a)
{
    double b = 0.0;
    for (int i = 0; i < SIAM_OP_MAX_TENSORS; i++)
        if (a->t[i].buf)
            b += (double)siam_tensor_numel(&a->t[i]) * (double)siam_dtype_size(a->t[i].dtype);
    return b;
}

/* One function serves every op: the op is in the args. */
static siam_status trace_op(void *ctx, const siam_op_args *args, siam_error *err)
{
    trace_ctx *c = ctx;
    if (!args || (int)args->op < 0 || args->op >= SIAM_OP_COUNT || !c->inner.iface->ops[args->op])
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED, "trace: op not supported by %s",
                              c->inner.iface->name);
    siam_status st = drain(c, err);
    if (st != SIAM_OK)
        return st;
    double t0 = now_s();
    st = c->inner.iface->ops[args->op](c->inner_ctx, args, err);
    return finish(c, (int)args->op, t0, op_bytes(args), st, err);
}

static siam_status trace_synchronize(void *ctx, siam_error *err)
{
    trace_ctx *c = ctx;
    return c->inner.iface->synchronize(c->inner_ctx, err);
}

/* Extensions are not forwarded: callers invoke them with *our* context,
 * which the inner module's functions would misread. Asked without one, we
 * say we are a wrapper, and how to name the inner backend. */
static void *trace_get_proc_address(void *ctx, const char *name)
{
    static const char usage[] = "trace:INNER[:DEVICE]";
    if (!ctx && name && strcmp(name, SIAM_EXT_WRAPPER) == 0)
        return (void *)usage;
    return NULL;
}

#define WRAP_OP_FN trace_op
static const siam_backend_iface trace_iface = {
    .abi_version = SIAM_BACKEND_ABI_VERSION,
    .struct_size = sizeof(siam_backend_iface),
    .name = TRACE_NAME,
    .version = TRACE_VERSION,
    .score = trace_score,
    .device_count = trace_device_count,
    .device_info = trace_device_info,
    .create = trace_create,
    .destroy = trace_destroy,
    .context_device = trace_context_device,
    .buffer_alloc = trace_buffer_alloc,
    .buffer_free = trace_buffer_free,
    .buffer_upload = trace_buffer_upload,
    .buffer_download = trace_buffer_download,
    .buffer_copy = trace_buffer_copy,
    .buffer_fill = trace_buffer_fill,
    .supports_op = trace_supports_op,
    .workspace_size = trace_workspace_size,
    .ops = WRAP_EVERY_OP,
    .synchronize = trace_synchronize,
    .get_proc_address = trace_get_proc_address,
    .host_alloc = trace_host_alloc,
    .host_free = trace_host_free,
    .buffer_upload_async = trace_buffer_upload_async,
};

SIAM_BACKEND_EXPORT const siam_backend_iface *siam_backend_entry(void) { return &trace_iface; }
