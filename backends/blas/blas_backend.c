/* The fast CPU backend's interface table: the shared CPU kernels with the
 * GEMM served by CBLAS and a per-op choice of convolution path, and the
 * extensions that let tests and benchmarks steer and see that choice. */
#include "blas_internal.h"

#include <string.h>

static const cpu_flavour blas_flavour = {
    .name = "blas",
    .conv_about = "im2col or DFT (transforms and products per bin by CBLAS)",
    .gemm_about = "CBLAS sgemm",
    .gemm = blas_gemm,
    .gemm_init = blas_gemm_init,
    .gemm_describe = blas_gemm_describe,
    .conv2d_fwd = blas_conv2d_fwd,
    .conv2d_bwd_data = blas_conv2d_bwd_data,
    .conv2d_bwd_filter = blas_conv2d_bwd_filter,
    .conv2d_workspace = blas_conv2d_workspace,
};

/* Above cpu's, so that --backend auto prefers it on a CPU. */
static int blas_score(void) { return 20; }

static siam_status blas_info(int index, siam_device_info *info, siam_error *err)
{
    return cpu_device_info(&blas_flavour, index, info, err);
}

static siam_status blas_create(const siam_backend_options *opts, void **out, siam_error *err)
{
    void *ctx = NULL;
    siam_status st = cpu_ctx_create(&blas_flavour, sizeof(blas_ctx), opts, &ctx, err);
    if (st != SIAM_OK)
        return st;
    blas_ctx *c = ctx;
    st = blas_conv_algo_from_env(&c->conv_algo_default, err);
    if (st != SIAM_OK) {
        cpu_destroy(c);
        return st;
    }
    c->conv_algo = c->conv_algo_default;
    *out = c;
    return SIAM_OK;
}

/* Extensions "siam_blas_tune" and "siam_blas_conv_path" (blas_internal.h). */
static void *blas_get_proc_address(void *ctx, const char *name)
{
    (void)ctx;
    void *fn = NULL;
    /* function to object pointer through memcpy, as dlsym users do */
    if (name && strcmp(name, "siam_blas_tune") == 0) {
        int (*f)(void *, const char *, long) = blas_tune;
        memcpy(&fn, &f, sizeof fn);
    } else if (name && strcmp(name, "siam_blas_conv_path") == 0) {
        int (*f)(void *, const siam_op_args *) = blas_conv_path;
        memcpy(&fn, &f, sizeof fn);
    }
    return fn;
}

static const siam_backend_iface blas_iface = {
    CPU_BACKEND_SHARED_ENTRIES,
    .name = "blas",
    .score = blas_score,
    .device_info = blas_info,
    .create = blas_create,
    .get_proc_address = blas_get_proc_address,
};

SIAM_BACKEND_EXPORT const siam_backend_iface *siam_backend_entry(void) { return &blas_iface; }
