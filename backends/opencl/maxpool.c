/* 2x2 max-pool on OpenCL (kernels/maxpool.cl): forward one work-item per
 * output, backward one per dx element (a gather, so dx is written whole). */
#include "ocl_internal.h"

siam_status ocl_maxpool_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    const siam_tensor *xt = &a->t[0];
    cl_mem x = ocl_mem(xt), y = ocl_mem(&a->t[1]);
    cl_ulong xo = xt->offset, yo = a->t[1].offset;
    cl_uint planes = ocl_u32(xt->shape[0] * xt->shape[1]);
    cl_uint h = ocl_u32(xt->shape[2]), w = ocl_u32(xt->shape[3]);
    ocl_arg args[] = {OCL_ARG(x),      OCL_ARG(xo), OCL_ARG(y), OCL_ARG(yo),
                      OCL_ARG(planes), OCL_ARG(h),  OCL_ARG(w)};
    size_t g[2] = {w / 2, (size_t)planes * (h / 2)};
    return ocl_launch(ctx, OCL_K_MAXPOOL_FWD, 2, g, NULL, args, 7, err);
}

siam_status ocl_maxpool_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    const siam_tensor *xt = &a->t[0];
    cl_mem x = ocl_mem(xt), dy = ocl_mem(&a->t[1]), dx = ocl_mem(&a->t[2]);
    cl_ulong xo = xt->offset, dyo = a->t[1].offset, dxo = a->t[2].offset;
    cl_uint planes = ocl_u32(xt->shape[0] * xt->shape[1]);
    cl_uint h = ocl_u32(xt->shape[2]), w = ocl_u32(xt->shape[3]);
    ocl_arg args[] = {OCL_ARG(x),   OCL_ARG(xo),     OCL_ARG(dy), OCL_ARG(dyo), OCL_ARG(dx),
                      OCL_ARG(dxo), OCL_ARG(planes), OCL_ARG(h),  OCL_ARG(w)};
    size_t g[2] = {w, (size_t)planes * h};
    return ocl_launch(ctx, OCL_K_MAXPOOL_BWD, 2, g, NULL, args, 9, err);
}
