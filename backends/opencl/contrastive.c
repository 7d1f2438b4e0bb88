/* Contrastive loss on OpenCL (kernels/contrastive.cl).
 * Forward: contrastive_dist (a work-group per pair) writes dist, then
 * contrastive_loss (one work-group) reduces the mean. Backward computes the
 * distances into the workspace (N floats) first. */
#include "ocl_internal.h"

size_t ocl_contrastive_workspace(ocl_ctx *c, const siam_op_args *a)
{
    (void)c;
    return a->op == SIAM_OP_CONTRASTIVE_BWD ? (size_t)(a->t[0].shape[0] / 2) * sizeof(float) : 0;
}

static siam_status dist(ocl_ctx *c, const siam_tensor *ht, cl_mem out, cl_ulong out_off,
                        siam_error *err)
{
    cl_mem h = ocl_mem(ht);
    cl_ulong ho = ht->offset;
    cl_uint n = ocl_u32(ht->shape[0] / 2), dim = ocl_u32(ht->shape[1]);
    size_t l = c->red_lsize, g = (size_t)n * l;
    ocl_arg args[] = {OCL_ARG(h), OCL_ARG(ho),  OCL_ARG(out),
                      OCL_ARG(out_off), OCL_ARG(n), OCL_ARG(dim),
                      OCL_LOCAL(l * sizeof(cl_float))};
    return ocl_launch(c, OCL_K_CONTRASTIVE_DIST, 1, &g, &l, args, 7, err);
}

siam_status ocl_contrastive_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    ocl_ctx *c = ctx;
    cl_mem d = ocl_mem(&a->t[3]), y = ocl_mem(&a->t[1]), loss = ocl_mem(&a->t[2]);
    cl_ulong d_o = a->t[3].offset, yo = a->t[1].offset, lo = a->t[2].offset;
    siam_status st = dist(c, &a->t[0], d, d_o, err);
    if (st != SIAM_OK)
        return st;
    cl_uint n = ocl_u32(a->t[0].shape[0] / 2);
    cl_float margin = a->p.contrastive.margin;
    size_t l = c->red_lsize;
    ocl_arg args[] = {OCL_ARG(d), OCL_ARG(d_o), OCL_ARG(y),      OCL_ARG(yo), OCL_ARG(loss),
                      OCL_ARG(lo), OCL_ARG(n),  OCL_ARG(margin), OCL_LOCAL(l * sizeof(cl_float))};
    return ocl_launch(c, OCL_K_CONTRASTIVE_LOSS, 1, &l, &l, args, 9, err);
}

siam_status ocl_contrastive_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    ocl_ctx *c = ctx;
    cl_mem ws = ocl_mem(&a->workspace);
    cl_ulong wo = a->workspace.offset;
    siam_status st = dist(c, &a->t[0], ws, wo, err);
    if (st != SIAM_OK)
        return st;
    cl_mem h = ocl_mem(&a->t[0]), y = ocl_mem(&a->t[1]), dh = ocl_mem(&a->t[2]);
    cl_ulong ho = a->t[0].offset, yo = a->t[1].offset, dho = a->t[2].offset;
    cl_uint n = ocl_u32(a->t[0].shape[0] / 2), dim = ocl_u32(a->t[0].shape[1]);
    cl_float margin = a->p.contrastive.margin;
    ocl_arg args[] = {OCL_ARG(h),  OCL_ARG(ho),  OCL_ARG(y), OCL_ARG(yo),  OCL_ARG(ws),
                      OCL_ARG(wo), OCL_ARG(dh),  OCL_ARG(dho), OCL_ARG(n), OCL_ARG(dim),
                      OCL_ARG(margin)};
    size_t g = (size_t)n * dim;
    return ocl_launch(c, OCL_K_CONTRASTIVE_BWD, 1, &g, NULL, args, 11, err);
}
