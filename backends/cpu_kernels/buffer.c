/* Host-memory buffers of the CPU backends: 64-byte aligned, bounds-checked
 * on every transfer. */
#define _GNU_SOURCE
#include "cpu_kernels.h"

#include <stdlib.h>
#include <string.h>

siam_status cpu_buffer_alloc(void *ctx, size_t bytes, siam_buffer **out, siam_error *err)
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

void cpu_buffer_free(void *ctx, siam_buffer *b)
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

siam_status cpu_buffer_upload(void *ctx, siam_buffer *dst, size_t off, const void *src,
                              size_t bytes, siam_error *err)
{
    (void)ctx;
    siam_status st = range_ok(dst, off, bytes, "upload", err);
    if (st == SIAM_OK && bytes)
        memcpy((char *)dst->data + off, src, bytes);
    return st;
}

siam_status cpu_buffer_download(void *ctx, siam_buffer *src, size_t off, void *dst, size_t bytes,
                                siam_error *err)
{
    (void)ctx;
    siam_status st = range_ok(src, off, bytes, "download", err);
    if (st == SIAM_OK && bytes)
        memcpy(dst, (const char *)src->data + off, bytes);
    return st;
}

siam_status cpu_buffer_copy(void *ctx, siam_buffer *dst, size_t doff, siam_buffer *src,
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

siam_status cpu_buffer_fill(void *ctx, siam_buffer *b, size_t off, size_t count, float value,
                            siam_error *err)
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

siam_status cpu_host_alloc(void *ctx, size_t bytes, void **host, siam_error *err)
{
    (void)ctx;
    if (!host || bytes == 0 || bytes > CPU_MAX_BYTES)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "cpu: bad host memory size %zu", bytes);
    *host = NULL;
    if (posix_memalign(host, 64, (bytes + 63) / 64 * 64) != 0)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY,
                              "cpu: cannot allocate %zu bytes of host memory", bytes);
    return SIAM_OK;
}

void cpu_host_free(void *ctx, void *host)
{
    (void)ctx;
    free(host);
}
