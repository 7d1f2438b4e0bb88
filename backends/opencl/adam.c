/* Adam on OpenCL (kernels/adam.cl), elementwise, in place. The bias
 * corrections are computed here in double, exactly as the CPU does. */
#include "ocl_internal.h"

#include <math.h>

siam_status ocl_adam_update(void *ctx, const siam_op_args *a, siam_error *err)
{
    cl_mem w = ocl_mem(&a->t[0]), g = ocl_mem(&a->t[1]);
    cl_mem m = ocl_mem(&a->t[2]), v = ocl_mem(&a->t[3]);
    cl_ulong wo = a->t[0].offset, go = a->t[1].offset, mo = a->t[2].offset, vo = a->t[3].offset;
    cl_uint n = ocl_u32(siam_tensor_numel(&a->t[0]));
    cl_float lr = a->p.adam.lr, b1 = a->p.adam.beta1, b2 = a->p.adam.beta2;
    cl_float eps = a->p.adam.eps, l2 = a->p.adam.l2;
    cl_float c1 = (float)(1.0 - pow(b1, (double)a->p.adam.step));
    cl_float c2 = (float)(1.0 - pow(b2, (double)a->p.adam.step));
    ocl_arg args[] = {OCL_ARG(w),  OCL_ARG(wo), OCL_ARG(g),  OCL_ARG(go),  OCL_ARG(m),
                      OCL_ARG(mo), OCL_ARG(v),  OCL_ARG(vo), OCL_ARG(n),   OCL_ARG(lr),
                      OCL_ARG(b1), OCL_ARG(b2), OCL_ARG(eps), OCL_ARG(l2), OCL_ARG(c1),
                      OCL_ARG(c2)};
    size_t gs = n;
    return ocl_launch(ctx, OCL_K_ADAM, 1, &gs, NULL, args, 16, err);
}
