/* ReLU on OpenCL (kernels/relu.cl): one work-item per element. */
#include "ocl_internal.h"

siam_status ocl_relu_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    cl_mem x = ocl_mem(&a->t[0]), y = ocl_mem(&a->t[1]);
    cl_ulong xo = a->t[0].offset, yo = a->t[1].offset;
    cl_uint n = ocl_u32(siam_tensor_numel(&a->t[0]));
    ocl_arg args[] = {OCL_ARG(x), OCL_ARG(xo), OCL_ARG(y), OCL_ARG(yo), OCL_ARG(n)};
    size_t g = n;
    return ocl_launch(ctx, OCL_K_RELU_FWD, 1, &g, NULL, args, 5, err);
}

siam_status ocl_relu_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    cl_mem y = ocl_mem(&a->t[0]), dy = ocl_mem(&a->t[1]), dx = ocl_mem(&a->t[2]);
    cl_ulong yo = a->t[0].offset, dyo = a->t[1].offset, dxo = a->t[2].offset;
    cl_uint n = ocl_u32(siam_tensor_numel(&a->t[0]));
    ocl_arg args[] = {OCL_ARG(y), OCL_ARG(yo), OCL_ARG(dy), OCL_ARG(dyo),
                      OCL_ARG(dx), OCL_ARG(dxo), OCL_ARG(n)};
    size_t g = n;
    return ocl_launch(ctx, OCL_K_RELU_BWD, 1, &g, NULL, args, 7, err);
}
