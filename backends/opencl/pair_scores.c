/* All-pairs query x support scores on OpenCL (kernels/pair_scores.cl).
 * GPUs: a TILE x TILE work-group computes a (2*TILE) x (2*TILE) block of out
 * from tiles staged in local memory. CPU devices (PoCL): one work-item per
 * output; 8x faster there (bench_ops, 400x20x4096) since local memory and
 * barriers are emulated. Both sum k in increasing order. */
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
    ocl_arg args[] = {OCL_ARG(q),   OCL_ARG(qo),  OCL_ARG(s),   OCL_ARG(so),     OCL_ARG(al),
                      OCL_ARG(alo), OCL_ARG(has_al), OCL_ARG(bi), OCL_ARG(bio), OCL_ARG(has_bi),
                      OCL_ARG(out), OCL_ARG(oo),  OCL_ARG(nq),  OCL_ARG(ns),     OCL_ARG(dim)};
    size_t t = (size_t)c->tile, blk = 2 * t;
    /* One group per block: global = groups * TILE in each dimension. */
    size_t local[2] = {t, t};
    size_t global[2] = {(ns + blk - 1) / blk * t, (nq + blk - 1) / blk * t};
    int l2 = a->p.scores.metric == SIAM_METRIC_L2;
    if (c->cpu_device && !c->tune.force_tiled) {
        size_t plain[2] = {ns, nq};
        return ocl_launch(c, l2 ? OCL_K_PAIR_SCORES_PLAIN_L2 : OCL_K_PAIR_SCORES_PLAIN_WL1, 2,
                          plain, NULL, args, 15, err);
    }
    return ocl_launch(c, l2 ? OCL_K_PAIR_SCORES_L2 : OCL_K_PAIR_SCORES_WL1, 2, global, local,
                      args, 15, err);
}
