/* Device buffers: one cl_mem each. Uploads and downloads are blocking (the
 * host pointer must stay valid, and download() promises the bytes are on
 * the host); copies and fills are only enqueued. */
#include "ocl_internal.h"

#include <stdlib.h>

siam_status ocl_buffer_alloc(void *ctx, size_t bytes, siam_buffer **out, siam_error *err)
{
    ocl_ctx *c = ctx;
    if (!out || bytes == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: bad buffer size %zu", bytes);
    if (bytes > c->info.max_alloc_bytes)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY,
                              "opencl: a buffer of %zu bytes exceeds the device's largest "
                              "allocation (%llu bytes on %s): try a smaller batch",
                              bytes, (unsigned long long)c->info.max_alloc_bytes, c->info.name);
    siam_buffer *b = calloc(1, sizeof *b);
    if (!b)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "opencl: out of host memory");
    cl_int rc;
    b->mem = clCreateBuffer(c->context, CL_MEM_READ_WRITE, bytes, NULL, &rc);
    if (rc != CL_SUCCESS) {
        free(b);
        char what[64];
        snprintf(what, sizeof what, "%zu bytes", bytes);
        return ocl_fail(err, "clCreateBuffer", what, rc);
    }
    b->bytes = bytes;
    *out = b;
    return SIAM_OK;
}

void ocl_buffer_free(void *ctx, siam_buffer *b)
{
    (void)ctx;
    if (b) {
        if (b->mem)
            clReleaseMemObject(b->mem);
        free(b);
    }
}

static siam_status range_ok(const siam_buffer *b, size_t off, size_t bytes, const char *fn,
                            siam_error *err)
{
    if (!b || off > b->bytes || bytes > b->bytes - off)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "opencl: %s out of range (offset %zu + %zu bytes > buffer %zu)", fn,
                              off, bytes, b ? b->bytes : 0);
    return SIAM_OK;
}

siam_status ocl_buffer_upload(void *ctx, siam_buffer *dst, size_t off, const void *src,
                              size_t bytes, siam_error *err)
{
    ocl_ctx *c = ctx;
    siam_status st = range_ok(dst, off, bytes, "upload", err);
    if (st != SIAM_OK || bytes == 0)
        return st;
    c->counters.launches++;
    c->counters.upload_bytes += bytes;
    cl_int rc = clEnqueueWriteBuffer(c->queue, dst->mem, CL_TRUE, off, bytes, src, 0, NULL, NULL);
    return rc == CL_SUCCESS ? SIAM_OK : ocl_fail(err, "clEnqueueWriteBuffer", "upload", rc);
}

siam_status ocl_buffer_download(void *ctx, siam_buffer *src, size_t off, void *dst, size_t bytes,
                                siam_error *err)
{
    ocl_ctx *c = ctx;
    siam_status st = range_ok(src, off, bytes, "download", err);
    if (st != SIAM_OK || bytes == 0)
        return st;
    c->counters.launches++;
    c->counters.download_bytes += bytes;
    cl_int rc = clEnqueueReadBuffer(c->queue, src->mem, CL_TRUE, off, bytes, dst, 0, NULL, NULL);
    return rc == CL_SUCCESS ? SIAM_OK : ocl_fail(err, "clEnqueueReadBuffer", "download", rc);
}

siam_status ocl_buffer_copy(void *ctx, siam_buffer *dst, size_t doff, siam_buffer *src,
                            size_t soff, size_t bytes, siam_error *err)
{
    ocl_ctx *c = ctx;
    siam_status st = range_ok(dst, doff, bytes, "copy", err);
    if (st == SIAM_OK)
        st = range_ok(src, soff, bytes, "copy", err);
    if (st != SIAM_OK || bytes == 0)
        return st;
    if (dst == src && doff < soff + bytes && soff < doff + bytes)
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED,
                              "opencl: copy between overlapping ranges of one buffer");
    c->counters.launches++;
    cl_int rc = clEnqueueCopyBuffer(c->queue, src->mem, dst->mem, soff, doff, bytes, 0, NULL, NULL);
    return rc == CL_SUCCESS ? SIAM_OK : ocl_fail(err, "clEnqueueCopyBuffer", "copy", rc);
}

siam_status ocl_buffer_fill(void *ctx, siam_buffer *b, size_t off, size_t count, float value,
                            siam_error *err)
{
    ocl_ctx *c = ctx;
    if (count > SIZE_MAX / 4)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: fill count too large");
    siam_status st = range_ok(b, off, count * 4, "fill", err);
    if (st != SIAM_OK || count == 0)
        return st;
    if (off % 4)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: fill offset not 4-aligned");
    cl_float pattern = value;
    c->counters.launches++;
    cl_int rc = clEnqueueFillBuffer(c->queue, b->mem, &pattern, sizeof pattern, off, count * 4, 0,
                                    NULL, NULL);
    return rc == CL_SUCCESS ? SIAM_OK : ocl_fail(err, "clEnqueueFillBuffer", "fill", rc);
}
