/* All-pairs query x support scores on OpenCL (kernels/pair_scores.cl): a
 * TILE x TILE work-group computes a (2*TILE) x (2*TILE) block of out. */
#include "ocl_internal.h"

siam_status ocl_pair_scores(void *ctx, const siam_op_args *a, siam_error *err)
{
    ocl_ctx *c = ctx;
    cl_mem q = ocl_mem(&a->t[0]), s = ocl_mem(&a->t[1]), out = ocl_mem(&a->t[4]);
    cl_ulong qo = a->t[0].offset, so = a->t[1].offset, oo = a->t[4].offset;
    /* Absent alpha/bias: pass q as a dummy (never read, has_* is 0). */
    cl_mem al = a->t[2].buf ? ocl_mem(&a->t[2]) : q, bi = a->t[3].buf ? ocl_mem(&a->t[3]) : q;
    cl_ulong alo = a->t[2].buf ? a->t[2].offset : 0, bio = a->t[3].buf ? a->t[3].offset : 0;
    cl_uint has_al = a->t[2].buf != NULL, has_bi = a->t[3].buf != NULL;
    cl_uint nq = ocl_u32(a->t[0].shape[0]), ns = ocl_u32(a->t[1].shape[0]);
    cl_uint dim = ocl_u32(a->t[0].shape[1]);
    cl_uint l2 = a->p.scores.metric == SIAM_METRIC_L2;
    ocl_arg args[] = {OCL_ARG(q),   OCL_ARG(qo),  OCL_ARG(s),   OCL_ARG(so),     OCL_ARG(al),
                      OCL_ARG(alo), OCL_ARG(has_al), OCL_ARG(bi), OCL_ARG(bio), OCL_ARG(has_bi),
                      OCL_ARG(out), OCL_ARG(oo),  OCL_ARG(nq),  OCL_ARG(ns),     OCL_ARG(dim),
                      OCL_ARG(l2)};
    size_t t = (size_t)c->tile, blk = 2 * t;
    /* One group per block: global = groups * TILE in each dimension. */
    size_t local[2] = {t, t};
    size_t global[2] = {(ns + blk - 1) / blk * t, (nq + blk - 1) / blk * t};
    return ocl_launch(c, OCL_K_PAIR_SCORES, 2, global, local, args, 16, err);
}
