/* Binary cross-entropy on OpenCL (kernels/bce.cl). The forward mean is one
 * work-group's fixed-order reduction: deterministic, no float atomics. */
#include "ocl_internal.h"

siam_status ocl_bce_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    ocl_ctx *c = ctx;
    cl_mem z = ocl_mem(&a->t[0]), y = ocl_mem(&a->t[1]), loss = ocl_mem(&a->t[2]);
    cl_ulong zo = a->t[0].offset, yo = a->t[1].offset, lo = a->t[2].offset;
    cl_uint n = ocl_u32(a->t[0].shape[0]);
    size_t l = c->red_lsize;
    ocl_arg args[] = {OCL_ARG(z),  OCL_ARG(zo), OCL_ARG(y),
                      OCL_ARG(yo), OCL_ARG(loss), OCL_ARG(lo),
                      OCL_ARG(n),  OCL_LOCAL(l * sizeof(cl_float))};
    return ocl_launch(c, OCL_K_BCE_FWD, 1, &l, &l, args, 8, err);
}

siam_status ocl_bce_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    cl_mem z = ocl_mem(&a->t[0]), y = ocl_mem(&a->t[1]), dz = ocl_mem(&a->t[2]);
    cl_ulong zo = a->t[0].offset, yo = a->t[1].offset, dzo = a->t[2].offset;
    cl_uint n = ocl_u32(a->t[0].shape[0]);
    ocl_arg args[] = {OCL_ARG(z),  OCL_ARG(zo),  OCL_ARG(y), OCL_ARG(yo),
                      OCL_ARG(dz), OCL_ARG(dzo), OCL_ARG(n)};
    size_t g = n;
    return ocl_launch(ctx, OCL_K_BCE_BWD, 1, &g, NULL, args, 7, err);
}
