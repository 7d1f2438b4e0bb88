/* Pinned host memory and asynchronous uploads (backend.h, "Asynchronous
 * uploads"). Host memory is a CL_MEM_ALLOC_HOST_PTR buffer mapped once for
 * its whole life: on a GPU the driver pins it, so a non-blocking write from
 * it is a DMA the host need not wait for. The context keeps a list of them
 * to find a buffer from its pointer. */
#include "ocl_internal.h"

#include <stdlib.h>

struct ocl_pinned {
    ocl_pinned *next;
    cl_mem mem;
    void *host;
};

siam_status ocl_host_alloc(void *ctx, size_t bytes, void **host, siam_error *err)
{
    ocl_ctx *c = ctx;
    if (!host || bytes == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: bad host memory size %zu",
                              bytes);
    *host = NULL;
    ocl_pinned *p = calloc(1, sizeof *p);
    if (!p)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "opencl: out of host memory");
    cl_int rc;
    p->mem = clCreateBuffer(c->context, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, bytes, NULL,
                            &rc);
    if (rc != CL_SUCCESS) {
        free(p);
        char what[64];
        snprintf(what, sizeof what, "%zu bytes of host memory", bytes);
        return ocl_fail(err, "clCreateBuffer", what, rc);
    }
    p->host = clEnqueueMapBuffer(c->queue, p->mem, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0, bytes,
                                 0, NULL, NULL, &rc);
    if (rc != CL_SUCCESS || !p->host) {
        clReleaseMemObject(p->mem);
        free(p);
        return ocl_fail(err, "clEnqueueMapBuffer", "host memory", rc);
    }
    p->next = c->pinned;
    c->pinned = p;
    *host = p->host;
    return SIAM_OK;
}

static void release(ocl_ctx *c, ocl_pinned *p)
{
    clEnqueueUnmapMemObject(c->queue, p->mem, p->host, 0, NULL, NULL);
    clFinish(c->queue);
    clReleaseMemObject(p->mem);
    free(p);
}

void ocl_host_free(void *ctx, void *host)
{
    ocl_ctx *c = ctx;
    if (!host)
        return;
    /* Uploads may still read it: they finish before the unmap (in order). */
    for (ocl_pinned **pp = &c->pinned; *pp; pp = &(*pp)->next)
        if ((*pp)->host == host) {
            ocl_pinned *p = *pp;
            *pp = p->next;
            release(c, p);
            return;
        }
}

void ocl_host_free_all(ocl_ctx *c)
{
    while (c->pinned) {
        ocl_pinned *p = c->pinned;
        c->pinned = p->next;
        release(c, p);
    }
}

siam_status ocl_buffer_upload_async(void *ctx, siam_buffer *dst, size_t off, const void *src,
                                    size_t bytes, siam_error *err)
{
    ocl_ctx *c = ctx;
    if (!dst || off > dst->bytes || bytes > dst->bytes - off)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "opencl: upload out of range (offset %zu + %zu bytes > buffer %zu)",
                              off, bytes, dst ? dst->bytes : 0);
    if (bytes == 0)
        return SIAM_OK;
    c->counters.launches++;
    c->counters.upload_bytes += bytes;
    cl_int rc = clEnqueueWriteBuffer(c->queue, dst->mem, CL_FALSE, off, bytes, src, 0, NULL, NULL);
    if (rc != CL_SUCCESS)
        return ocl_fail(err, "clEnqueueWriteBuffer", "upload_async", rc);
    /* Submits what is queued, so the device works while the host goes on
     * (the caller's next blocking call would otherwise be the first push). */
    rc = clFlush(c->queue);
    return rc == CL_SUCCESS ? SIAM_OK : ocl_fail(err, "clFlush", "upload_async", rc);
}
