/* Momentum SGD on OpenCL (kernels/sgd.cl), elementwise, in place. */
#include "ocl_internal.h"

siam_status ocl_sgd_update(void *ctx, const siam_op_args *a, siam_error *err)
{
    cl_mem w = ocl_mem(&a->t[0]), g = ocl_mem(&a->t[1]), v = ocl_mem(&a->t[2]);
    cl_ulong wo = a->t[0].offset, go = a->t[1].offset, vo = a->t[2].offset;
    cl_uint n = ocl_u32(siam_tensor_numel(&a->t[0]));
    cl_float lr = a->p.sgd.lr, mu = a->p.sgd.momentum, l2 = a->p.sgd.l2;
    ocl_arg args[] = {OCL_ARG(w), OCL_ARG(wo), OCL_ARG(g),  OCL_ARG(go), OCL_ARG(v),
                      OCL_ARG(vo), OCL_ARG(n), OCL_ARG(lr), OCL_ARG(mu), OCL_ARG(l2)};
    size_t gs = n;
    return ocl_launch(ctx, OCL_K_SGD, 1, &gs, NULL, args, 10, err);
}
