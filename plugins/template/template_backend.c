/* The template backend's interface table: device enumeration, contexts,
 * buffers, supports_op, workspace sizes and synchronize. The ops themselves
 * are in template_layers.c (conv, pool, linear) and template_elementwise.c
 * (activations, pair distances, losses, optimisers, pair scores).
 *
 * Rules from include/siamese/backend.h that shape this file:
 *  - every fallible entry returns siam_status and fills the siam_error
 *    (siam_error_set is header-inline: no need to link the core);
 *  - never exit, abort or print;
 *  - no global mutable state: the iface table is const, the rest lives in
 *    the context.
 */
#include "template_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TPL_NAME "template"
#define TPL_VERSION "0.1.0"
/* Largest buffer we hand out; report the device's real limit instead. */
#define TPL_MAX_ALLOC ((size_t)1 << 34)

/* 0 = cannot run on this machine (probe your driver here: no device, no
 * ICD, a missing instruction set). Higher wins `--backend auto`; the
 * template is slow, so it stays below cpu (10) and blas (20). */
static int tpl_score(void) { return 1; }

static siam_status tpl_device_count(int *count, siam_error *err)
{
    if (!count)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, TPL_NAME ": NULL count");
    *count = 1;
    return SIAM_OK;
}

static siam_status tpl_device_info(int index, siam_device_info *info, siam_error *err)
{
    if (!info)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, TPL_NAME ": NULL info");
    if (index != 0)
        return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                              TPL_NAME ": device %d does not exist (only 0)", index);
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "template device (host memory)");
    snprintf(info->vendor, sizeof info->vendor, "none");
    snprintf(info->driver, sizeof info->driver, TPL_NAME " backend, version " TPL_VERSION);
    snprintf(info->extra, sizeof info->extra, "plain C loops, single thread");
    info->type = SIAM_DEVICE_CPU;
    info->max_alloc_bytes = TPL_MAX_ALLOC;
    info->compute_units = 1;
    return SIAM_OK;
}

/* opts->device is the text after ':' in "template:DEV"; NULL means the
 * default device. Refuse what you do not understand, naming what exists. */
static siam_status tpl_create(const siam_backend_options *opts, void **out, siam_error *err)
{
    if (!out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, TPL_NAME ": NULL context pointer");
    *out = NULL;
    if (opts && opts->device && *opts->device && strcmp(opts->device, "0") != 0)
        return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                              TPL_NAME ": unknown device '%s' (this backend has one device, 0)",
                              opts->device);
    if (opts && opts->threads < 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, TPL_NAME ": threads must be >= 0");
    tpl_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, TPL_NAME ": out of memory");
    c->device = 0;
    *out = c;
    return SIAM_OK;
}

static void tpl_destroy(void *ctx) { free(ctx); }

static siam_status tpl_context_device(void *ctx, siam_device_info *info, siam_error *err)
{
    const tpl_ctx *c = ctx;
    return tpl_device_info(c ? c->device : 0, info, err);
}

/* ---- buffers: offsets and sizes in bytes ---- */

static siam_status tpl_buffer_alloc(void *ctx, size_t bytes, siam_buffer **out, siam_error *err)
{
    (void)ctx;
    if (!out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, TPL_NAME ": NULL buffer pointer");
    *out = NULL;
    if (bytes == 0 || bytes > TPL_MAX_ALLOC)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              TPL_NAME ": cannot allocate %zu bytes (1 to %zu)", bytes,
                              TPL_MAX_ALLOC);
    siam_buffer *b = calloc(1, sizeof *b);
    /* Whole floats, so that a fill of the last word never runs past. */
    float *data = calloc((bytes + 3) / 4, sizeof(float));
    if (!b || !data) {
        free(b);
        free(data);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY,
                              TPL_NAME ": out of memory allocating %zu bytes", bytes);
    }
    b->bytes = bytes;
    b->data = data;
    *out = b;
    return SIAM_OK;
}

static void tpl_buffer_free(void *ctx, siam_buffer *b)
{
    (void)ctx;
    if (b) {
        free(b->data);
        free(b);
    }
}

/* [off, off+bytes) must lie inside the buffer; written so it cannot overflow. */
static siam_status tpl_range(const siam_buffer *b, size_t off, size_t bytes, const char *what,
                             siam_error *err)
{
    if (!b)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, TPL_NAME ": %s: NULL buffer", what);
    if (off > b->bytes || bytes > b->bytes - off)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              TPL_NAME ": %s out of range (offset %zu + %zu bytes > buffer of %zu)",
                              what, off, bytes, b->bytes);
    return SIAM_OK;
}

static siam_status tpl_buffer_upload(void *ctx, siam_buffer *dst, size_t off, const void *src,
                                     size_t bytes, siam_error *err)
{
    (void)ctx;
    siam_status st = tpl_range(dst, off, bytes, "upload", err);
    if (st != SIAM_OK)
        return st;
    if (bytes && !src)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, TPL_NAME ": upload from NULL");
    if (bytes)
        memcpy((char *)dst->data + off, src, bytes);
    return SIAM_OK;
}

/* Asynchronous uploads (ABI 3). A device with a copy engine returns
 * memory it can read by DMA (pinned) and only enqueues the copy; here the
 * memory is plain and the copy is made at once, which keeps the contract
 * in backend.h ("Asynchronous uploads") too. */
static siam_status tpl_host_alloc(void *ctx, size_t bytes, void **host, siam_error *err)
{
    (void)ctx;
    if (!host || bytes == 0 || bytes > TPL_MAX_ALLOC)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, TPL_NAME ": bad host memory size %zu",
                              bytes);
    /* C11's aligned_alloc wants a multiple of the alignment. */
    *host = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!*host)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY,
                              TPL_NAME ": out of memory allocating %zu bytes of host memory", bytes);
    return SIAM_OK;
}

static void tpl_host_free(void *ctx, void *host)
{
    (void)ctx;
    free(host);
}

/* Must return only once the bytes are on the host: a device backend waits
 * for its queue here. */
static siam_status tpl_buffer_download(void *ctx, siam_buffer *src, size_t off, void *dst,
                                       size_t bytes, siam_error *err)
{
    (void)ctx;
    siam_status st = tpl_range(src, off, bytes, "download", err);
    if (st != SIAM_OK)
        return st;
    if (bytes && !dst)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, TPL_NAME ": download to NULL");
    if (bytes)
        memcpy(dst, (const char *)src->data + off, bytes);
    return SIAM_OK;
}

static siam_status tpl_buffer_copy(void *ctx, siam_buffer *dst, size_t doff, siam_buffer *src,
                                   size_t soff, size_t bytes, siam_error *err)
{
    (void)ctx;
    siam_status st = tpl_range(dst, doff, bytes, "copy destination", err);
    if (st == SIAM_OK)
        st = tpl_range(src, soff, bytes, "copy source", err);
    if (st == SIAM_OK && bytes) /* memmove: the ranges may overlap within one buffer */
        memmove((char *)dst->data + doff, (const char *)src->data + soff, bytes);
    return st;
}

/* `count` 32-bit words from byte `offset`, all set to value's bits. */
static siam_status tpl_buffer_fill(void *ctx, siam_buffer *b, size_t off, size_t count,
                                   float value, siam_error *err)
{
    (void)ctx;
    if (count > SIZE_MAX / 4)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, TPL_NAME ": fill count too large");
    siam_status st = tpl_range(b, off, count * 4, "fill", err);
    if (st != SIAM_OK)
        return st;
    if (off % 4)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              TPL_NAME ": fill offset %zu is not a multiple of 4", off);
    float *p = b->data + off / 4;
    for (size_t i = 0; i < count; i++)
        p[i] = value;
    return SIAM_OK;
}

/* ---- what we can run ---- */

static void say(char *reason, size_t size, const char *fmt, int i)
{
    if (reason && size)
        snprintf(reason, size, fmt, i);
}

/* The single truth about what this backend runs: the core's dispatch and
 * the parity tests both ask it. Shapes were already checked by the core;
 * here go the limits of *this* backend. The loops take contiguous tensors
 * lying inside their buffers, all F32.
 * A real backend adds its own limits (a kernel that needs K <= 1024, a
 * device without doubles...) and says why in `reason`. */
static int tpl_supports_op(void *ctx, const siam_op_args *a, char *reason, size_t rsize)
{
    (void)ctx;
    if (reason && rsize)
        reason[0] = '\0';
    if (!a || (int)a->op < 0 || a->op >= SIAM_OP_COUNT) {
        say(reason, rsize, "unknown op %d", a ? (int)a->op : -1);
        return 0;
    }
    for (int i = 0; i < SIAM_OP_MAX_TENSORS; i++) {
        const siam_tensor *t = &a->t[i];
        if (!t->buf)
            continue;
        if (t->dtype != SIAM_F32) {
            say(reason, rsize, "tensor %d has the wrong dtype", i);
            return 0;
        }
        if (t->ndim < 1 || t->ndim > SIAM_MAX_DIMS || !siam_tensor_is_contiguous(t)) {
            say(reason, rsize, "tensor %d is not a contiguous view", i);
            return 0;
        }
        int64_t n = siam_tensor_numel(t);
        if (n < 0 || t->offset > t->buf->bytes / 4 || (size_t)n > t->buf->bytes / 4 - t->offset) {
            say(reason, rsize, "tensor %d runs past the end of its buffer", i);
            return 0;
        }
    }
    /* A fused activation is an optimisation a backend may leave out: the
     * core then runs RELU_FWD or SIGMOID_FWD after the layer. */
    if ((a->op == SIAM_OP_CONV2D_FWD || a->op == SIAM_OP_LINEAR_FWD) &&
        a->p.layer.act != SIAM_ACT_NONE) {
        say(reason, rsize, "no fused activation (%d) here: run it as its own op",
            (int)a->p.layer.act);
        return 0;
    }
    return 1;
}

/* Scratch bytes an op needs, from the shapes alone. Our loops need none.
 * A backend that does im2col, say, returns C*R*S*OH*OW*4 here for conv2d
 * and finds that much in args->workspace when the op runs (ops must never
 * allocate). */
static size_t tpl_workspace_size(void *ctx, const siam_op_args *a)
{
    (void)ctx, (void)a;
    return 0;
}

/* Every op has finished when it returns; an asynchronous backend waits for
 * its queue here. */
static siam_status tpl_synchronize(void *ctx, siam_error *err)
{
    (void)ctx, (void)err;
    return SIAM_OK;
}

static const siam_backend_iface tpl_iface = {
    .abi_version = SIAM_BACKEND_ABI_VERSION,
    .struct_size = sizeof(siam_backend_iface),
    .name = TPL_NAME,
    .version = TPL_VERSION,
    .score = tpl_score,
    .device_count = tpl_device_count,
    .device_info = tpl_device_info,
    .create = tpl_create,
    .destroy = tpl_destroy,
    .context_device = tpl_context_device,
    .buffer_alloc = tpl_buffer_alloc,
    .buffer_free = tpl_buffer_free,
    .buffer_upload = tpl_buffer_upload,
    .buffer_download = tpl_buffer_download,
    .buffer_copy = tpl_buffer_copy,
    .buffer_fill = tpl_buffer_fill,
    .supports_op = tpl_supports_op,
    .workspace_size = tpl_workspace_size,
    /* An op left NULL is reported as unsupported, never called. */
    .ops = {
        [SIAM_OP_CONV2D_FWD] = tpl_conv2d_fwd,
        [SIAM_OP_CONV2D_BWD_DATA] = tpl_conv2d_bwd_data,
        [SIAM_OP_CONV2D_BWD_FILTER] = tpl_conv2d_bwd_filter,
        [SIAM_OP_RELU_FWD] = tpl_relu_fwd,
        [SIAM_OP_RELU_BWD] = tpl_relu_bwd,
        [SIAM_OP_MAXPOOL_FWD] = tpl_maxpool_fwd,
        [SIAM_OP_MAXPOOL_BWD] = tpl_maxpool_bwd,
        [SIAM_OP_LINEAR_FWD] = tpl_linear_fwd,
        [SIAM_OP_LINEAR_BWD_DATA] = tpl_linear_bwd_data,
        [SIAM_OP_LINEAR_BWD_PARAM] = tpl_linear_bwd_param,
        [SIAM_OP_SIGMOID_FWD] = tpl_sigmoid_fwd,
        [SIAM_OP_SIGMOID_BWD] = tpl_sigmoid_bwd,
        [SIAM_OP_ABSDIFF_FWD] = tpl_absdiff_fwd,
        [SIAM_OP_ABSDIFF_BWD] = tpl_absdiff_bwd,
        [SIAM_OP_BCE_FWD] = tpl_bce_fwd,
        [SIAM_OP_BCE_BWD] = tpl_bce_bwd,
        [SIAM_OP_CONTRASTIVE_FWD] = tpl_contrastive_fwd,
        [SIAM_OP_CONTRASTIVE_BWD] = tpl_contrastive_bwd,
        [SIAM_OP_SGD_UPDATE] = tpl_sgd_update,
        [SIAM_OP_ADAM_UPDATE] = tpl_adam_update,
        [SIAM_OP_PAIR_SCORES] = tpl_pair_scores,
    },
    .synchronize = tpl_synchronize,
    .get_proc_address = NULL, /* no extensions */
    .host_alloc = tpl_host_alloc,
    .host_free = tpl_host_free,
    .buffer_upload_async = tpl_buffer_upload,
};

/* The one exported symbol; everything else is hidden (C_VISIBILITY_PRESET). */
SIAM_BACKEND_EXPORT const siam_backend_iface *siam_backend_entry(void) { return &tpl_iface; }
