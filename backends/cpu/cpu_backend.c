/* The reference CPU backend: the shared CPU kernels with the plain-C GEMM
 * and the im2col convolution. Plain C, no dependency: the oracle every
 * other backend is checked against. */
#include "gemm.h"

static const cpu_flavour reference_flavour = {
    .name = "cpu",
    .conv_about = "im2col",
    .gemm_about = "packed reference GEMM",
    .gemm = cpu_reference_gemm,
    .gemm_describe = cpu_reference_gemm_describe,
    .conv2d_fwd = cpu_conv2d_im2col_fwd,
    .conv2d_bwd_data = cpu_conv2d_im2col_bwd_data,
    .conv2d_bwd_filter = cpu_conv2d_im2col_bwd_filter,
    .conv2d_workspace = cpu_conv2d_im2col_workspace,
};

static int cpu_score(void) { return 10; }

static siam_status cpu_info(int index, siam_device_info *info, siam_error *err)
{
    return cpu_device_info(&reference_flavour, index, info, err);
}

static siam_status cpu_create(const siam_backend_options *opts, void **out, siam_error *err)
{
    return cpu_ctx_create(&reference_flavour, sizeof(cpu_ctx), opts, out, err);
}

static void *cpu_get_proc_address(void *ctx, const char *name)
{
    (void)ctx, (void)name;
    return NULL; /* no extensions */
}

static const siam_backend_iface cpu_iface = {
    CPU_BACKEND_SHARED_ENTRIES,
    .name = "cpu",
    .score = cpu_score,
    .device_info = cpu_info,
    .create = cpu_create,
    .get_proc_address = cpu_get_proc_address,
};

SIAM_BACKEND_EXPORT const siam_backend_iface *siam_backend_entry(void) { return &cpu_iface; }
