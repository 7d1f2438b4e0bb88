/* The twins' |h[i] - h[N+i]| on OpenCL (kernels/absdiff.cl). */
#include "ocl_internal.h"

siam_status ocl_absdiff_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    cl_mem h = ocl_mem(&a->t[0]), d = ocl_mem(&a->t[1]);
    cl_ulong ho = a->t[0].offset, d_o = a->t[1].offset;
    cl_uint half = ocl_u32(siam_tensor_numel(&a->t[1]));
    ocl_arg args[] = {OCL_ARG(h), OCL_ARG(ho), OCL_ARG(d), OCL_ARG(d_o), OCL_ARG(half)};
    size_t g = half;
    return ocl_launch(ctx, OCL_K_ABSDIFF_FWD, 1, &g, NULL, args, 5, err);
}

siam_status ocl_absdiff_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    cl_mem h = ocl_mem(&a->t[0]), dd = ocl_mem(&a->t[1]), dh = ocl_mem(&a->t[2]);
    cl_ulong ho = a->t[0].offset, ddo = a->t[1].offset, dho = a->t[2].offset;
    cl_uint half = ocl_u32(siam_tensor_numel(&a->t[1]));
    ocl_arg args[] = {OCL_ARG(h),  OCL_ARG(ho),  OCL_ARG(dd),  OCL_ARG(ddo),
                      OCL_ARG(dh), OCL_ARG(dho), OCL_ARG(half)};
    size_t g = half;
    return ocl_launch(ctx, OCL_K_ABSDIFF_BWD, 1, &g, NULL, args, 7, err);
}
