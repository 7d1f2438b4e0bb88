/* A module that scores above every real one but whose contexts never open
 * (as a GPU module whose device is gone): auto must pass it over, say why,
 * and take the next-highest score. */
#include "siamese/backend.h"

#include <stddef.h>

static int score(void) { return 1000; }
static siam_status count(int *n, siam_error *err)
{
    (void)err;
    *n = 1;
    return SIAM_OK;
}
static siam_status info(int i, siam_device_info *d, siam_error *err)
{
    (void)i, (void)d;
    return siam_error_set(err, SIAM_ERR_BACKEND, "failcreate: no device");
}
static siam_status create(const siam_backend_options *o, void **ctx, siam_error *err)
{
    (void)o, (void)ctx;
    return siam_error_set(err, SIAM_ERR_BACKEND, "failcreate: the device is gone");
}
static void destroy(void *ctx) { (void)ctx; }
static siam_status ctx_dev(void *c, siam_device_info *d, siam_error *err) { return info(0, d, err); (void)c; }
static siam_status alloc(void *c, size_t n, siam_buffer **b, siam_error *err)
{
    (void)c, (void)n, (void)b;
    return siam_error_set(err, SIAM_ERR_BACKEND, "failcreate");
}
static void bfree(void *c, siam_buffer *b) { (void)c, (void)b; }
static siam_status up(void *c, siam_buffer *b, size_t o, const void *s, size_t n, siam_error *e)
{
    (void)c, (void)b, (void)o, (void)s, (void)n;
    return siam_error_set(e, SIAM_ERR_BACKEND, "failcreate");
}
static siam_status down(void *c, siam_buffer *b, size_t o, void *d, size_t n, siam_error *e)
{
    (void)c, (void)b, (void)o, (void)d, (void)n;
    return siam_error_set(e, SIAM_ERR_BACKEND, "failcreate");
}
static siam_status copy(void *c, siam_buffer *d, size_t a, siam_buffer *s, size_t b, size_t n,
                        siam_error *e)
{
    (void)c, (void)d, (void)a, (void)s, (void)b, (void)n;
    return siam_error_set(e, SIAM_ERR_BACKEND, "failcreate");
}
static siam_status fill(void *c, siam_buffer *b, size_t o, size_t n, float v, siam_error *e)
{
    (void)c, (void)b, (void)o, (void)n, (void)v;
    return siam_error_set(e, SIAM_ERR_BACKEND, "failcreate");
}
static int supports(void *c, const siam_op_args *a, char *r, size_t n)
{
    (void)c, (void)a, (void)r, (void)n;
    return 0;
}
static size_t ws(void *c, const siam_op_args *a) { (void)c, (void)a; return 0; }
static siam_status sync_(void *c, siam_error *e) { (void)c, (void)e; return SIAM_OK; }
static siam_status halloc(void *c, size_t n, void **h, siam_error *e)
{
    (void)c, (void)n, (void)h;
    return siam_error_set(e, SIAM_ERR_BACKEND, "failcreate");
}
static void hfree(void *c, void *h) { (void)c, (void)h; }

static const siam_backend_iface iface = {
    .abi_version = SIAM_BACKEND_ABI_VERSION,
    .struct_size = sizeof(siam_backend_iface),
    .name = "failcreate",
    .version = "0",
    .score = score,
    .device_count = count,
    .device_info = info,
    .create = create,
    .destroy = destroy,
    .context_device = ctx_dev,
    .buffer_alloc = alloc,
    .buffer_free = bfree,
    .buffer_upload = up,
    .buffer_download = down,
    .buffer_copy = copy,
    .buffer_fill = fill,
    .supports_op = supports,
    .workspace_size = ws,
    .synchronize = sync_,
    .host_alloc = halloc,
    .host_free = hfree,
    .buffer_upload_async = up,
};

SIAM_BACKEND_EXPORT const siam_backend_iface *siam_backend_entry(void) { return &iface; }
