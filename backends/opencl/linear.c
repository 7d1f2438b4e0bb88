/* The fully connected layer on OpenCL: y (N,O) = x (N,I) w^T + b, w (O,I).
 * GEMMs are CLBlast's (gemm.c); bias and bias gradient are kernels/linear.cl.
 * Workspace: CLBlast's temp buffer for the op's GEMM. */
#include "ocl_internal.h"

static ocl_gemm gemm_of(const siam_op_args *a)
{
    ocl_gemm g = {0};
    g.alpha = 1.0f;
    g.beta = 0.0f;
    switch (a->op) {
    case SIAM_OP_LINEAR_FWD: { /* y = x * w^T: m=N, n=O, k=I */
        size_t n = (size_t)a->t[0].shape[0], in = (size_t)a->t[0].shape[1];
        size_t out = (size_t)a->t[1].shape[0];
        g.tb = 1;
        g.m = n, g.n = out, g.k = in;
        g.a = ocl_mem(&a->t[0]), g.a_off = a->t[0].offset, g.lda = in;
        g.b = ocl_mem(&a->t[1]), g.b_off = a->t[1].offset, g.ldb = in;
        g.c = ocl_mem(&a->t[3]), g.c_off = a->t[3].offset, g.ldc = out;
        break;
    }
    case SIAM_OP_LINEAR_BWD_DATA: { /* dx = dy * w: m=N, n=I, k=O */
        size_t n = (size_t)a->t[0].shape[0], out = (size_t)a->t[1].shape[0];
        size_t in = (size_t)a->t[1].shape[1];
        g.m = n, g.n = in, g.k = out;
        g.a = ocl_mem(&a->t[0]), g.a_off = a->t[0].offset, g.lda = out;
        g.b = ocl_mem(&a->t[1]), g.b_off = a->t[1].offset, g.ldb = in;
        g.c = ocl_mem(&a->t[2]), g.c_off = a->t[2].offset, g.ldc = in;
        break;
    }
    default: { /* BWD_PARAM: dw = dy^T * x: m=O, n=I, k=N */
        size_t n = (size_t)a->t[0].shape[0], in = (size_t)a->t[0].shape[1];
        size_t out = (size_t)a->t[1].shape[1];
        g.ta = 1;
        g.m = out, g.n = in, g.k = n;
        g.a = ocl_mem(&a->t[1]), g.a_off = a->t[1].offset, g.lda = out;
        g.b = ocl_mem(&a->t[0]), g.b_off = a->t[0].offset, g.ldb = in;
        g.c = ocl_mem(&a->t[2]), g.c_off = a->t[2].offset, g.ldc = in;
        break;
    }
    }
    return g;
}

size_t ocl_linear_workspace(ocl_ctx *c, const siam_op_args *a)
{
    ocl_gemm g = gemm_of(a);
    g.a_off = g.b_off = g.c_off = 0; /* sized on shapes alone */
    return ocl_gemm_temp_bytes(c, &g);
}

static siam_status run_gemm(ocl_ctx *c, const siam_op_args *a, const char *what, siam_error *err)
{
    ocl_gemm g = gemm_of(a);
    size_t temp = a->workspace.buf ? ocl_linear_workspace(c, a) : 0;
    return ocl_gemm_run(c, &g, &a->workspace, temp, what, err);
}

siam_status ocl_linear_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    siam_status st = run_gemm(ctx, a, "linear_fwd", err);
    if (st != SIAM_OK || !a->t[2].buf)
        return st;
    cl_mem y = ocl_mem(&a->t[3]), b = ocl_mem(&a->t[2]);
    cl_ulong yo = a->t[3].offset, bo = a->t[2].offset;
    cl_uint n = ocl_u32(a->t[0].shape[0]), o = ocl_u32(a->t[1].shape[0]);
    ocl_arg args[] = {OCL_ARG(y), OCL_ARG(yo), OCL_ARG(b), OCL_ARG(bo), OCL_ARG(n), OCL_ARG(o)};
    size_t g = (size_t)n * o;
    return ocl_launch(ctx, OCL_K_LINEAR_BIAS, 1, &g, NULL, args, 6, err);
}

siam_status ocl_linear_bwd_data(void *ctx, const siam_op_args *a, siam_error *err)
{
    return run_gemm(ctx, a, "linear_bwd_data", err);
}

siam_status ocl_linear_bwd_param(void *ctx, const siam_op_args *a, siam_error *err)
{
    siam_status st = run_gemm(ctx, a, "linear_bwd_param", err);
    if (st != SIAM_OK || !a->t[3].buf)
        return st;
    cl_mem dy = ocl_mem(&a->t[1]), db = ocl_mem(&a->t[3]);
    cl_ulong dyo = a->t[1].offset, dbo = a->t[3].offset;
    cl_uint n = ocl_u32(a->t[0].shape[0]), o = ocl_u32(a->t[1].shape[1]);
    ocl_arg args[] = {OCL_ARG(dy), OCL_ARG(dyo), OCL_ARG(db), OCL_ARG(dbo), OCL_ARG(n),
                      OCL_ARG(o)};
    size_t g = o;
    return ocl_launch(ctx, OCL_K_LINEAR_BIAS_GRAD, 1, &g, NULL, args, 6, err);
}
