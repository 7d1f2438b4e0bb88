/* The BCE net's head on OpenCL (kernels/head.cl): forward is one work-group
 * per pair; backward one kernel for dh and one for dalpha and db. */
#include "ocl_internal.h"

siam_status ocl_head_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    ocl_ctx *c = ctx;
    cl_mem h = ocl_mem(&a->t[0]), al = ocl_mem(&a->t[1]), z = ocl_mem(&a->t[3]);
    cl_mem b = a->t[2].buf ? ocl_mem(&a->t[2]) : z; /* dummy when absent, never read */
    cl_ulong ho = a->t[0].offset, ao = a->t[1].offset, zo = a->t[3].offset;
    cl_ulong bo = a->t[2].buf ? a->t[2].offset : 0;
    cl_uint has_b = a->t[2].buf != NULL, n = ocl_u32(a->t[3].shape[0]);
    cl_uint dim = ocl_u32(a->t[0].shape[1]);
    size_t l = c->red_lsize, g = (size_t)n * l;
    ocl_arg args[] = {OCL_ARG(h),  OCL_ARG(ho), OCL_ARG(al), OCL_ARG(ao),
                      OCL_ARG(b),  OCL_ARG(bo), OCL_ARG(has_b), OCL_ARG(z),
                      OCL_ARG(zo), OCL_ARG(n),  OCL_ARG(dim), OCL_LOCAL(l * sizeof(cl_float))};
    return ocl_launch(c, OCL_K_HEAD_FWD, 1, &g, &l, args, 12, err);
}

siam_status ocl_head_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    ocl_ctx *c = ctx;
    cl_mem h = ocl_mem(&a->t[0]), al = ocl_mem(&a->t[1]), dz = ocl_mem(&a->t[2]);
    cl_mem dh = ocl_mem(&a->t[3]), da = ocl_mem(&a->t[4]);
    cl_mem db = a->t[5].buf ? ocl_mem(&a->t[5]) : da; /* dummy when absent, never written */
    cl_ulong ho = a->t[0].offset, ao = a->t[1].offset, dzo = a->t[2].offset;
    cl_ulong dho = a->t[3].offset, dao = a->t[4].offset, dbo = a->t[5].buf ? a->t[5].offset : 0;
    cl_uint has_db = a->t[5].buf != NULL, n = ocl_u32(a->t[2].shape[0]);
    cl_uint dim = ocl_u32(a->t[0].shape[1]);
    ocl_arg data[] = {OCL_ARG(h),  OCL_ARG(ho),  OCL_ARG(al), OCL_ARG(ao), OCL_ARG(dz),
                      OCL_ARG(dzo), OCL_ARG(dh), OCL_ARG(dho), OCL_ARG(n), OCL_ARG(dim)};
    size_t g = (size_t)n * dim;
    siam_status st = ocl_launch(c, OCL_K_HEAD_BWD_DATA, 1, &g, NULL, data, 10, err);
    if (st != SIAM_OK)
        return st;
    ocl_arg param[] = {OCL_ARG(h),  OCL_ARG(ho),  OCL_ARG(dz),     OCL_ARG(dzo),
                       OCL_ARG(da), OCL_ARG(dao), OCL_ARG(db),     OCL_ARG(dbo),
                       OCL_ARG(has_db), OCL_ARG(n), OCL_ARG(dim)};
    g = (size_t)dim + has_db;
    return ocl_launch(c, OCL_K_HEAD_BWD_PARAM, 1, &g, NULL, param, 11, err);
}
