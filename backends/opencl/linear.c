/* The fully connected layer on OpenCL: y (N,O) = x (N,I) w^T + b, w (O,I).
 * GEMMs are CLBlast's (gemm.c); bias with the fused activation, and the bias
 * gradient, are kernels/linear.cl. */
#include "ocl_internal.h"

#include <string.h>

/* Every GEMM is C = A^T B with A stored (k x m), B stored (k x n) (gemm.c).
 * Workspace: CLBlast's temp region, then
 *   forward:   xT (I x N) and wT (I x O)   (y = xT^T wT);
 *   back data: dyT (O x N)                 (dx = dyT^T w);
 *   back param: the partials of a split GEMM, if any (dw = dy^T x: both
 *               operands already k-major). */
typedef struct lin_plan {
    size_t n, in, out;
    ocl_gemm g;
    size_t temp_bytes;
    size_t extra_floats; /* transposed operands after the temp region */
} lin_plan;

static lin_plan plan_of(ocl_ctx *c, const siam_op_args *a)
{
    lin_plan p;
    ocl_gemm *g = &p.g;
    memset(&p, 0, sizeof p);
    g->alpha = 1.0f, g->beta = 0.0f, g->ta = 1;
    if (a->op == SIAM_OP_LINEAR_FWD) { /* m=N, n=O, k=I */
        p.n = (size_t)a->t[0].shape[0], p.in = (size_t)a->t[0].shape[1];
        p.out = (size_t)a->t[1].shape[0];
        g->m = p.n, g->n = p.out, g->k = p.in, g->lda = p.n, g->ldb = p.out, g->ldc = p.out;
        p.extra_floats = p.in * p.n + p.in * p.out;
    } else if (a->op == SIAM_OP_LINEAR_BWD_DATA) { /* m=N, n=I, k=O */
        p.n = (size_t)a->t[0].shape[0], p.out = (size_t)a->t[1].shape[0];
        p.in = (size_t)a->t[1].shape[1];
        g->m = p.n, g->n = p.in, g->k = p.out, g->lda = p.n, g->ldb = p.in, g->ldc = p.in;
        p.extra_floats = p.out * p.n;
    } else { /* BWD_PARAM: m=O, n=I, k=N */
        p.n = (size_t)a->t[0].shape[0], p.in = (size_t)a->t[0].shape[1];
        p.out = (size_t)a->t[1].shape[1];
        g->m = p.out, g->n = p.in, g->k = p.n, g->lda = p.out, g->ldb = p.in, g->ldc = p.in;
        p.extra_floats = ocl_gemm_split_floats(c, g);
    }
    p.temp_bytes = ocl_gemm_temp_bytes(c, g);
    return p;
}

ocl_gemm ocl_linear_gemm(ocl_ctx *c, const siam_op_args *a, size_t *calls)
{
    *calls = 1;
    return plan_of(c, a).g;
}

size_t ocl_linear_workspace(ocl_ctx *c, const siam_op_args *a)
{
    lin_plan p = plan_of(c, a);
    return p.temp_bytes + p.extra_floats * sizeof(float);
}

static siam_status run_gemm(ocl_ctx *c, const siam_op_args *a, const char *what, siam_error *err)
{
    lin_plan p = plan_of(c, a);
    ocl_gemm *g = &p.g;
    cl_mem ws = ocl_mem(&a->workspace);
    cl_ulong t0 = a->workspace.offset + p.temp_bytes / sizeof(float);
    siam_status st = SIAM_OK;
    if (a->op == SIAM_OP_LINEAR_FWD) {
        cl_ulong t1 = t0 + (cl_ulong)(p.in * p.n);
        st = ocl_transpose(c, ocl_mem(&a->t[0]), a->t[0].offset, ws, t0, p.n, p.in, err);
        if (st == SIAM_OK)
            st = ocl_transpose(c, ocl_mem(&a->t[1]), a->t[1].offset, ws, t1, p.out, p.in, err);
        g->a = ws, g->a_off = t0;
        g->b = ws, g->b_off = t1;
        g->c = ocl_mem(&a->t[3]), g->c_off = a->t[3].offset;
    } else if (a->op == SIAM_OP_LINEAR_BWD_DATA) {
        st = ocl_transpose(c, ocl_mem(&a->t[0]), a->t[0].offset, ws, t0, p.n, p.out, err);
        g->a = ws, g->a_off = t0;
        g->b = ocl_mem(&a->t[1]), g->b_off = a->t[1].offset;
        g->c = ocl_mem(&a->t[2]), g->c_off = a->t[2].offset;
    } else {
        g->a = ocl_mem(&a->t[1]), g->a_off = a->t[1].offset;
        g->b = ocl_mem(&a->t[0]), g->b_off = a->t[0].offset;
        g->c = ocl_mem(&a->t[2]), g->c_off = a->t[2].offset;
        g->part = ws, g->part_off = t0, g->part_floats = p.extra_floats;
    }
    if (st != SIAM_OK)
        return st;
    return ocl_gemm_run(c, g, &a->workspace, p.temp_bytes, what, err);
}

siam_status ocl_linear_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    siam_status st = run_gemm(ctx, a, "linear_fwd", err);
    if (st != SIAM_OK || (!a->t[2].buf && a->p.layer.act == SIAM_ACT_NONE))
        return st;
    cl_mem y = ocl_mem(&a->t[3]);
    cl_mem b = a->t[2].buf ? ocl_mem(&a->t[2]) : y; /* dummy when absent, never read */
    cl_ulong yo = a->t[3].offset, bo = a->t[2].buf ? a->t[2].offset : 0;
    cl_uint has_b = a->t[2].buf != NULL, act = (cl_uint)a->p.layer.act;
    cl_uint n = ocl_u32(a->t[0].shape[0]), o = ocl_u32(a->t[1].shape[0]);
    ocl_arg args[] = {OCL_ARG(y),     OCL_ARG(yo),  OCL_ARG(b), OCL_ARG(bo),
                      OCL_ARG(has_b), OCL_ARG(act), OCL_ARG(n), OCL_ARG(o)};
    size_t g = (size_t)n * o;
    return ocl_launch(ctx, OCL_K_LINEAR_BIAS, 1, &g, NULL, args, 8, err);
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
