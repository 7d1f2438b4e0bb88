/* The fault module's interface table (fault_internal.h): every entry
 * forwards to the inner backend, after counting the call against its kind
 * and, when it is the chosen one, failing it instead. A failed call leaves
 * the inner backend untouched, as a real failure before the work started
 * would: buffers stay valid and can be freed as usual. */
#define _GNU_SOURCE
#include "fault_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAULT_NAME "fault"
#define FAULT_VERSION "0.1.0"

typedef struct fault_ctx {
    wrap_inner inner;
    void *inner_ctx;
    fault_spec spec;
    uint64_t calls[FAULT_KINDS];
    uint64_t skew_calls; /* calls of spec.skew_op so far */
} fault_ctx;

/* The one piece of process-wide state: creations are counted before there
 * is a context to hang a counter on, so "init:2" (the second backend a
 * process opens, as `siamese parity` does) needs a counter outside any
 * context. Atomic because contexts may be created from several threads. */
static atomic_ullong creations;

/* Never chosen by --backend auto over a real backend, but above 0 so that
 * `siamese backends` lists it and the parity suite tests its forwarding. */
static int fault_score(void) { return 1; }

static siam_status fault_device_count(int *count, siam_error *err)
{
    if (!count)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "fault: NULL count");
    *count = 1;
    return SIAM_OK;
}

static siam_status fault_device_info(int index, siam_device_info *info, siam_error *err)
{
    if (!info)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "fault: NULL info");
    if (index != 0)
        return siam_error_set(err, SIAM_ERR_NOT_FOUND, "fault: device %d does not exist (only 0)",
                              index);
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name,
             "fault injection in front of another backend (fault:INNER[:DEVICE])");
    snprintf(info->vendor, sizeof info->vendor, "siamese");
    snprintf(info->driver, sizeof info->driver, FAULT_NAME " module, version " FAULT_VERSION);
    snprintf(info->extra, sizeof info->extra,
             "the call chosen by $SIAMESE_FAULT (e.g. alloc:3) fails; inner default "
             "$SIAMESE_FAULT_INNER, else cpu");
    info->type = SIAM_DEVICE_OTHER;
    return SIAM_OK;
}

/* Counts one call of kind k; returns the injected error if it is chosen.
 * `what` names the table entry, for the message. */
static siam_status hit(fault_ctx *c, fault_kind k, const char *what, siam_status code,
                       siam_error *err)
{
    uint64_t n = ++c->calls[k];
    uint64_t at = c->spec.at[k];
    if (!at || n < at || (n > at && !c->spec.sticky[k]))
        return SIAM_OK;
    return siam_error_set(err, code, "fault injection: %s #%llu failed (SIAMESE_FAULT=%s)", what,
                          (unsigned long long)n, c->spec.text);
}

/* Creation counts process-wide (see `creations`): the count is set from it,
 * then hit() adds this call. */
static siam_status hit_create(fault_ctx *c, siam_error *err)
{
    c->calls[FAULT_INIT] = atomic_fetch_add(&creations, 1);
    return hit(c, FAULT_INIT, "create", SIAM_ERR_BACKEND, err);
}

static siam_status fault_create(const siam_backend_options *opts, void **out, siam_error *err)
{
    if (!out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "fault: NULL context pointer");
    *out = NULL;
    fault_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "fault: out of memory");
    siam_status st = fault_spec_parse(getenv("SIAMESE_FAULT"), &c->spec, err);
    if (st == SIAM_OK)
        st = fault_skew_parse(getenv("SIAMESE_FAULT_SKEW"), &c->spec, err);
    if (st == SIAM_OK)
        st = wrap_inner_open(FAULT_NAME, opts, "SIAMESE_FAULT_INNER", &c->inner, &c->inner_ctx,
                             err);
    if (st != SIAM_OK) {
        free(c);
        return st;
    }
    /* Counted after the inner context exists, so a failing init still
     * proves the inner backend itself could be opened. */
    st = hit_create(c, err);
    if (st != SIAM_OK) {
        wrap_inner_close(&c->inner, c->inner_ctx);
        free(c);
        return st;
    }
    *out = c;
    return SIAM_OK;
}

static void fault_destroy(void *ctx)
{
    fault_ctx *c = ctx;
    if (!c)
        return;
    if (c->spec.count) {
        /* One line of "KIND N" pairs, for scripts; init is this context's
         * creation number in the process. */
        fprintf(stderr, "siamese fault: calls made:");
        for (int k = 0; k < FAULT_KINDS; k++)
            fprintf(stderr, " %s %llu", fault_kind_name((fault_kind)k),
                    (unsigned long long)c->calls[k]);
        fprintf(stderr, "\n");
    }
    wrap_inner_close(&c->inner, c->inner_ctx);
    free(c);
}

static siam_status fault_context_device(void *ctx, siam_device_info *info, siam_error *err)
{
    fault_ctx *c = ctx;
    return c->inner.iface->context_device(c->inner_ctx, info, err);
}

/* ---- buffers ---- */

static siam_status fault_buffer_alloc(void *ctx, size_t bytes, siam_buffer **buf, siam_error *err)
{
    fault_ctx *c = ctx;
    siam_status st = hit(c, FAULT_ALLOC, "buffer_alloc", SIAM_ERR_OUT_OF_MEMORY, err);
    if (st != SIAM_OK) {
        if (buf)
            *buf = NULL;
        return st;
    }
    return c->inner.iface->buffer_alloc(c->inner_ctx, bytes, buf, err);
}

static void fault_buffer_free(void *ctx, siam_buffer *buf)
{
    fault_ctx *c = ctx;
    c->inner.iface->buffer_free(c->inner_ctx, buf);
}

static siam_status fault_buffer_upload(void *ctx, siam_buffer *dst, size_t off, const void *src,
                                       size_t bytes, siam_error *err)
{
    fault_ctx *c = ctx;
    siam_status st = hit(c, FAULT_COPY, "copy (buffer_upload)", SIAM_ERR_BACKEND, err);
    return st != SIAM_OK ? st
                         : c->inner.iface->buffer_upload(c->inner_ctx, dst, off, src, bytes, err);
}

static siam_status fault_buffer_upload_async(void *ctx, siam_buffer *dst, size_t off,
                                             const void *src, size_t bytes, siam_error *err)
{
    fault_ctx *c = ctx;
    siam_status st = hit(c, FAULT_COPY, "copy (buffer_upload_async)", SIAM_ERR_BACKEND, err);
    return st != SIAM_OK ? st
                         : c->inner.iface->buffer_upload_async(c->inner_ctx, dst, off, src, bytes,
                                                               err);
}

/* Host memory is forwarded, not counted: the alloc kind keeps counting
 * device buffers alone, so "alloc:N" means what it meant before ABI 3. */
static siam_status fault_host_alloc(void *ctx, size_t bytes, void **host, siam_error *err)
{
    fault_ctx *c = ctx;
    return c->inner.iface->host_alloc(c->inner_ctx, bytes, host, err);
}

static void fault_host_free(void *ctx, void *host)
{
    fault_ctx *c = ctx;
    c->inner.iface->host_free(c->inner_ctx, host);
}

static siam_status fault_buffer_download(void *ctx, siam_buffer *src, size_t off, void *dst,
                                         size_t bytes, siam_error *err)
{
    fault_ctx *c = ctx;
    siam_status st = hit(c, FAULT_COPY, "copy (buffer_download)", SIAM_ERR_BACKEND, err);
    return st != SIAM_OK ? st
                         : c->inner.iface->buffer_download(c->inner_ctx, src, off, dst, bytes, err);
}

static siam_status fault_buffer_copy(void *ctx, siam_buffer *dst, size_t doff, siam_buffer *src,
                                     size_t soff, size_t bytes, siam_error *err)
{
    fault_ctx *c = ctx;
    siam_status st = hit(c, FAULT_COPY, "copy (buffer_copy)", SIAM_ERR_BACKEND, err);
    return st != SIAM_OK
               ? st
               : c->inner.iface->buffer_copy(c->inner_ctx, dst, doff, src, soff, bytes, err);
}

static siam_status fault_buffer_fill(void *ctx, siam_buffer *buf, size_t off, size_t count,
                                     float value, siam_error *err)
{
    fault_ctx *c = ctx;
    siam_status st = hit(c, FAULT_FILL, "buffer_fill", SIAM_ERR_BACKEND, err);
    return st != SIAM_OK ? st
                         : c->inner.iface->buffer_fill(c->inner_ctx, buf, off, count, value, err);
}

/* ---- ops ---- */

static int fault_supports_op(void *ctx, const siam_op_args *args, char *reason, size_t rsize)
{
    fault_ctx *c = ctx;
    if (!args || (int)args->op < 0 || args->op >= SIAM_OP_COUNT)
        return 0;
    /* Our table has every op; the inner one may not. */
    if (!c->inner.iface->ops[args->op]) {
        if (reason && rsize)
            snprintf(reason, rsize, "the inner backend %s has no such op", c->inner.iface->name);
        return 0;
    }
    return c->inner.iface->supports_op(c->inner_ctx, args, reason, rsize);
}

static size_t fault_workspace_size(void *ctx, const siam_op_args *args)
{
    fault_ctx *c = ctx;
    return c->inner.iface->workspace_size(c->inner_ctx, args);
}

/* After the op ran: when this is the chosen call of the skewed op (or a
 * later one, with '+'), its result is read back, multiplied by 1 + skew
 * and written again, so the caller sees a kernel that is slightly wrong. */
static siam_status skew(fault_ctx *c, const siam_op_args *args, siam_error *err)
{
    uint64_t n = ++c->skew_calls;
    if (n < c->spec.skew_at || (n > c->spec.skew_at && !c->spec.skew_sticky))
        return SIAM_OK;
    const siam_tensor *t = &args->t[siam_op_result(args->op)];
    int64_t ne = siam_tensor_numel(t);
    if (!t->buf || ne <= 0)
        return SIAM_OK;
    size_t bytes = (size_t)ne * 4, off = t->offset * 4;
    float *v = malloc(bytes);
    if (!v)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "fault: out of memory");
    siam_status st = c->inner.iface->buffer_download(c->inner_ctx, t->buf, off, v, bytes, err);
    for (int64_t i = 0; st == SIAM_OK && i < ne; i++)
        v[i] *= 1.0f + c->spec.skew;
    if (st == SIAM_OK)
        st = c->inner.iface->buffer_upload(c->inner_ctx, t->buf, off, v, bytes, err);
    free(v);
    return st;
}

/* One function serves every op: the op is in the args. The core names the
 * op in front of the message ("conv2d_fwd on fault: ..."). */
static siam_status fault_op(void *ctx, const siam_op_args *args, siam_error *err)
{
    fault_ctx *c = ctx;
    if (!args || (int)args->op < 0 || args->op >= SIAM_OP_COUNT || !c->inner.iface->ops[args->op])
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED, "fault: op not supported by %s",
                              c->inner.iface->name);
    siam_status st = hit(c, FAULT_OP, "op", SIAM_ERR_BACKEND, err);
    if (st == SIAM_OK)
        st = c->inner.iface->ops[args->op](c->inner_ctx, args, err);
    if (st == SIAM_OK && c->spec.skew_at && args->op == c->spec.skew_op)
        st = skew(c, args, err);
    return st;
}

static siam_status fault_synchronize(void *ctx, siam_error *err)
{
    fault_ctx *c = ctx;
    siam_status st = hit(c, FAULT_SYNC, "synchronize", SIAM_ERR_BACKEND, err);
    return st != SIAM_OK ? st : c->inner.iface->synchronize(c->inner_ctx, err);
}

/* Extensions are not forwarded: callers invoke them with *our* context,
 * which the inner module's functions would misread. Asked without one, we
 * say we are a wrapper, and how to name the inner backend. */
static void *fault_get_proc_address(void *ctx, const char *name)
{
    static const char usage[] = "fault:INNER[:DEVICE]";
    if (!ctx && name && strcmp(name, SIAM_EXT_WRAPPER) == 0)
        return (void *)usage;
    return NULL;
}

#define WRAP_OP_FN fault_op
static const siam_backend_iface fault_iface = {
    .abi_version = SIAM_BACKEND_ABI_VERSION,
    .struct_size = sizeof(siam_backend_iface),
    .name = FAULT_NAME,
    .version = FAULT_VERSION,
    .score = fault_score,
    .device_count = fault_device_count,
    .device_info = fault_device_info,
    .create = fault_create,
    .destroy = fault_destroy,
    .context_device = fault_context_device,
    .buffer_alloc = fault_buffer_alloc,
    .buffer_free = fault_buffer_free,
    .buffer_upload = fault_buffer_upload,
    .buffer_download = fault_buffer_download,
    .buffer_copy = fault_buffer_copy,
    .buffer_fill = fault_buffer_fill,
    .supports_op = fault_supports_op,
    .workspace_size = fault_workspace_size,
    .ops = WRAP_EVERY_OP,
    .synchronize = fault_synchronize,
    .get_proc_address = fault_get_proc_address,
    .host_alloc = fault_host_alloc,
    .host_free = fault_host_free,
    .buffer_upload_async = fault_buffer_upload_async,
};

SIAM_BACKEND_EXPORT const siam_backend_iface *siam_backend_entry(void) { return &fault_iface; }
