/* conv2d on OpenCL: our batched im2col / col2im (kernels/conv2d.cl) around
 * CLBlast GEMMs, over sub-batches of nb images sized to a workspace budget.
 *
 * x (N,C,H,W), w (K,C,R,S), y (N,K,OH,OW), P = OH*OW, CRS = C*R*S.
 * Workspace, in this order:
 *   CLBlast's temp buffer (ocl_gemm_temp_bytes, base-aligned);
 *   col (CRS x nb*P) floats;  tmp (K x nb*P) floats;
 *   forward only: wT (CRS x K) floats;
 *   back filter only: the partial products of a GEMM split along k
 *   (ocl_gemm_split_floats; none on CPU devices or large outputs).
 * Every GEMM is C = A^T B with A stored (k x m), B stored (k x n) (gemm.c):
 * Forward:      wT = w^T once; col = im2col(x[n0..]); tmp = wT^T * col;
 *               y = act(scatter(tmp) + b), the fused activation.
 * Back data:    tmp = gather(dy), col = w^T * tmp (w is already k x m),
 *               dx = col2im(col).
 * Back filter:  tmpT = gather_t(dy), colT = im2col_t(x), dw = tmpT^T * colT
 *               with beta 0 for the first sub-batch and 1 after:
 *               sub-batches accumulate in a fixed order, so dw is
 *               deterministic. (The col and tmp regions hold colT, tmpT.)
 * The GEMM over a whole sub-batch is one call (K x CRS x nb*P) rather than
 * one per image, which is what makes a GPU busy. */
#include "ocl_internal.h"


typedef struct conv_plan {
    int64_t n, c, h, w, k, r, s, oh, ow, crs, p;
    int64_t nb;        /* images per sub-batch */
    size_t temp_bytes; /* CLBlast temp region at the workspace start */
    size_t part_floats; /* back filter: partials of the split GEMM, 0 unsplit */
} conv_plan;

static void dims_of(conv_plan *d, const siam_tensor *x, const siam_tensor *w)
{
    d->n = x->shape[0], d->c = x->shape[1], d->h = x->shape[2], d->w = x->shape[3];
    d->k = w->shape[0], d->r = w->shape[2], d->s = w->shape[3];
    d->oh = d->h - d->r + 1, d->ow = d->w - d->s + 1;
    d->crs = d->c * d->r * d->s, d->p = d->oh * d->ow;
}

/* The GEMM of a sub-batch of `nb` images (buffers and offsets unset). */
static ocl_gemm gemm_shape(siam_op op, const conv_plan *d, int64_t nb)
{
    ocl_gemm g = {0};
    size_t np = (size_t)(nb * d->p), crs = (size_t)d->crs, k = (size_t)d->k;
    g.alpha = 1.0f;
    g.ta = 1;
    if (op == SIAM_OP_CONV2D_FWD) { /* tmp (K x nbP) = wT^T, wT (CRS x K); col (CRS x nbP) */
        g.m = k, g.n = np, g.k = crs, g.lda = k, g.ldb = np, g.ldc = np;
    } else if (op == SIAM_OP_CONV2D_BWD_DATA) { /* col (CRS x nbP) = w^T, w (K x CRS); tmp */
        g.m = crs, g.n = np, g.k = k, g.lda = crs, g.ldb = np, g.ldc = np;
    } else { /* dw (K x CRS) += tmpT^T, tmpT (nbP x K); colT (nbP x CRS) */
        g.m = k, g.n = crs, g.k = np, g.lda = k, g.ldb = crs, g.ldc = crs;
    }
    return g;
}

static conv_plan plan_of(ocl_ctx *c, const siam_op_args *a)
{
    conv_plan d;
    if (a->op == SIAM_OP_CONV2D_FWD)
        dims_of(&d, &a->t[0], &a->t[1]);
    else if (a->op == SIAM_OP_CONV2D_BWD_DATA)
        dims_of(&d, &a->t[2], &a->t[1]);
    else
        dims_of(&d, &a->t[0], &a->t[2]);
    size_t per_image = (size_t)((d.crs + d.k) * d.p) * sizeof(float);
    /* At most c->conv_budget bytes (and half the largest allocation); one
     * image always fits if the device can allocate it at all (supports_op
     * checks that). */
    size_t budget = c->info.max_alloc_bytes / 2 < c->conv_budget ? c->info.max_alloc_bytes / 2
                                                                 : c->conv_budget;
    int64_t nb = (int64_t)(budget / per_image);
    d.nb = nb < 1 ? 1 : (nb > d.n ? d.n : nb);
    ocl_gemm g = gemm_shape(a->op, &d, d.nb);
    d.temp_bytes = ocl_gemm_temp_bytes(c, &g);
    d.part_floats = a->op == SIAM_OP_CONV2D_BWD_FILTER ? ocl_gemm_split_floats(c, &g) : 0;
    return d;
}

ocl_gemm ocl_conv2d_gemm(ocl_ctx *c, const siam_op_args *a, size_t *calls)
{
    conv_plan d = plan_of(c, a);
    *calls = (size_t)((d.n + d.nb - 1) / d.nb);
    return gemm_shape(a->op, &d, d.nb);
}

size_t ocl_conv2d_workspace(ocl_ctx *c, const siam_op_args *a)
{
    conv_plan d = plan_of(c, a);
    size_t wt = a->op == SIAM_OP_CONV2D_FWD ? (size_t)(d.k * d.crs) : 0;
    return d.temp_bytes + ((size_t)((d.crs + d.k) * d.nb * d.p) + wt + d.part_floats) *
                              sizeof(float);
}

typedef struct conv_run {
    ocl_ctx *c;
    conv_plan d;
    const siam_op_args *a;
    cl_mem ws;
    cl_ulong col_off, tmp_off; /* in floats, from the workspace buffer's start */
    cl_ulong wt_off;           /* forward: w^T; back filter: the split's partials */
} conv_run;

static conv_run run_of(ocl_ctx *c, const siam_op_args *a)
{
    conv_run r;
    r.c = c;
    r.a = a;
    r.d = plan_of(c, a);
    r.ws = ocl_mem(&a->workspace);
    r.col_off = a->workspace.offset + r.d.temp_bytes / sizeof(float);
    r.tmp_off = r.col_off + (cl_ulong)(r.d.crs * r.d.nb * r.d.p);
    r.wt_off = r.tmp_off + (cl_ulong)(r.d.k * r.d.nb * r.d.p);
    return r;
}

static siam_status im2col(const conv_run *r, const siam_tensor *xt, int64_t n0, int64_t nb,
                          int transposed, siam_error *err)
{
    const conv_plan *d = &r->d;
    cl_mem x = ocl_mem(xt), ws = r->ws;
    cl_ulong xo = xt->offset + (cl_ulong)(n0 * d->c * d->h * d->w), co = r->col_off;
    cl_uint C = ocl_u32(d->c), H = ocl_u32(d->h), W = ocl_u32(d->w), R = ocl_u32(d->r);
    cl_uint S = ocl_u32(d->s), OH = ocl_u32(d->oh), OW = ocl_u32(d->ow), NB = ocl_u32(nb);
    ocl_arg args[] = {OCL_ARG(x), OCL_ARG(xo), OCL_ARG(ws), OCL_ARG(co), OCL_ARG(C), OCL_ARG(H),
                      OCL_ARG(W), OCL_ARG(R),  OCL_ARG(S),  OCL_ARG(OH), OCL_ARG(OW), OCL_ARG(NB)};
    size_t global[2] = {(size_t)(nb * d->p), (size_t)d->crs};
    if (transposed) {
        size_t gt[2] = {global[1], global[0]};
        return ocl_launch(r->c, OCL_K_IM2COL_T, 2, gt, NULL, args, 12, err);
    }
    return ocl_launch(r->c, OCL_K_IM2COL, 2, global, NULL, args, 12, err);
}

static siam_status gather(const conv_run *r, const siam_tensor *dyt, int64_t n0, int64_t nb,
                          int transposed, siam_error *err)
{
    const conv_plan *d = &r->d;
    cl_mem dy = ocl_mem(dyt), ws = r->ws;
    cl_ulong dyo = dyt->offset + (cl_ulong)(n0 * d->k * d->p), to = r->tmp_off;
    cl_uint K = ocl_u32(d->k), P = ocl_u32(d->p), NB = ocl_u32(nb);
    ocl_arg args[] = {OCL_ARG(dy), OCL_ARG(dyo), OCL_ARG(ws), OCL_ARG(to),
                      OCL_ARG(K),  OCL_ARG(P),   OCL_ARG(NB)};
    size_t g = (size_t)(nb * d->k * d->p);
    return ocl_launch(r->c, transposed ? OCL_K_CONV_GATHER_T : OCL_K_CONV_GATHER, 1, &g, NULL,
                      args, 7, err);
}

/* The sub-batch GEMM with buffers filled in. */
static siam_status gemm(const conv_run *r, int64_t nb, const siam_tensor *wt, float beta,
                        const char *what, siam_error *err)
{
    ocl_gemm g = gemm_shape(r->a->op, &r->d, nb);
    g.beta = beta;
    cl_mem w = ocl_mem(wt);
    if (r->a->op == SIAM_OP_CONV2D_FWD) {
        g.a = r->ws, g.a_off = r->wt_off;
        g.b = r->ws, g.b_off = r->col_off;
        g.c = r->ws, g.c_off = r->tmp_off;
    } else if (r->a->op == SIAM_OP_CONV2D_BWD_DATA) {
        g.a = w, g.a_off = wt->offset;
        g.b = r->ws, g.b_off = r->tmp_off;
        g.c = r->ws, g.c_off = r->col_off;
    } else {
        g.a = r->ws, g.a_off = r->tmp_off;
        g.b = r->ws, g.b_off = r->col_off;
        g.c = w, g.c_off = wt->offset; /* here wt is dw */
        g.part = r->ws, g.part_off = r->wt_off, g.part_floats = r->d.part_floats;
    }
    return ocl_gemm_run(r->c, &g, &r->a->workspace, r->d.temp_bytes, what, err);
}

siam_status ocl_conv2d_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    conv_run r = run_of(ctx, a);
    const conv_plan *d = &r.d;
    cl_mem y = ocl_mem(&a->t[3]), ws = r.ws;
    cl_mem b = a->t[2].buf ? ocl_mem(&a->t[2]) : y; /* dummy when absent, never read */
    cl_ulong bo = a->t[2].buf ? a->t[2].offset : 0, to = r.tmp_off;
    cl_uint has_b = a->t[2].buf != NULL, K = ocl_u32(d->k), P = ocl_u32(d->p);
    cl_uint act = (cl_uint)a->p.layer.act;
    siam_status st = ocl_transpose(r.c, ocl_mem(&a->t[1]), a->t[1].offset, ws, r.wt_off,
                                   (size_t)d->k, (size_t)d->crs, err);
    if (st != SIAM_OK)
        return st;
    for (int64_t n0 = 0; n0 < d->n; n0 += d->nb) {
        int64_t nb = d->n - n0 < d->nb ? d->n - n0 : d->nb;
        st = im2col(&r, &a->t[0], n0, nb, 0, err);
        if (st == SIAM_OK)
            st = gemm(&r, nb, &a->t[1], 0.0f, "conv2d_fwd", err);
        if (st != SIAM_OK)
            return st;
        cl_ulong yo = a->t[3].offset + (cl_ulong)(n0 * d->k * d->p);
        cl_uint NB = ocl_u32(nb);
        ocl_arg args[] = {OCL_ARG(ws),    OCL_ARG(to),  OCL_ARG(y), OCL_ARG(yo),
                          OCL_ARG(b),     OCL_ARG(bo),  OCL_ARG(has_b), OCL_ARG(act),
                          OCL_ARG(K),     OCL_ARG(P),   OCL_ARG(NB)};
        size_t g = (size_t)(nb * d->k * d->p);
        st = ocl_launch(r.c, OCL_K_CONV_SCATTER, 1, &g, NULL, args, 11, err);
        if (st != SIAM_OK)
            return st;
    }
    return SIAM_OK;
}

siam_status ocl_conv2d_bwd_data(void *ctx, const siam_op_args *a, siam_error *err)
{
    conv_run r = run_of(ctx, a);
    const conv_plan *d = &r.d;
    cl_mem dx = ocl_mem(&a->t[2]), ws = r.ws;
    cl_ulong co = r.col_off;
    cl_uint C = ocl_u32(d->c), H = ocl_u32(d->h), W = ocl_u32(d->w), R = ocl_u32(d->r);
    cl_uint S = ocl_u32(d->s), OH = ocl_u32(d->oh), OW = ocl_u32(d->ow);
    for (int64_t n0 = 0; n0 < d->n; n0 += d->nb) {
        int64_t nb = d->n - n0 < d->nb ? d->n - n0 : d->nb;
        siam_status st = gather(&r, &a->t[0], n0, nb, 0, err);
        if (st == SIAM_OK)
            st = gemm(&r, nb, &a->t[1], 0.0f, "conv2d_bwd_data", err);
        if (st != SIAM_OK)
            return st;
        cl_ulong dxo = a->t[2].offset + (cl_ulong)(n0 * d->c * d->h * d->w);
        cl_uint NB = ocl_u32(nb);
        ocl_arg args[] = {OCL_ARG(ws), OCL_ARG(co), OCL_ARG(dx), OCL_ARG(dxo),
                          OCL_ARG(C),  OCL_ARG(H),  OCL_ARG(W),  OCL_ARG(R),
                          OCL_ARG(S),  OCL_ARG(OH), OCL_ARG(OW), OCL_ARG(NB)};
        size_t g = (size_t)(nb * d->c * d->h * d->w);
        st = ocl_launch(r.c, OCL_K_COL2IM, 1, &g, NULL, args, 12, err);
        if (st != SIAM_OK)
            return st;
    }
    return SIAM_OK;
}

siam_status ocl_conv2d_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err)
{
    conv_run r = run_of(ctx, a);
    const conv_plan *d = &r.d;
    for (int64_t n0 = 0; n0 < d->n; n0 += d->nb) {
        int64_t nb = d->n - n0 < d->nb ? d->n - n0 : d->nb;
        siam_status st = gather(&r, &a->t[1], n0, nb, 1, err);
        if (st == SIAM_OK)
            st = im2col(&r, &a->t[0], n0, nb, 1, err);
        if (st == SIAM_OK)
            st = gemm(&r, nb, &a->t[2], n0 == 0 ? 0.0f : 1.0f, "conv2d_bwd_filter", err);
        if (st != SIAM_OK)
            return st;
    }
    if (!a->t[3].buf)
        return SIAM_OK;
    cl_mem dy = ocl_mem(&a->t[1]), db = ocl_mem(&a->t[3]);
    cl_ulong dyo = a->t[1].offset, dbo = a->t[3].offset;
    cl_uint N = ocl_u32(d->n), K = ocl_u32(d->k), P = ocl_u32(d->p);
    size_t l = r.c->red_lsize, g = (size_t)d->k * l;
    ocl_arg args[] = {OCL_ARG(dy), OCL_ARG(dyo), OCL_ARG(db), OCL_ARG(dbo),
                      OCL_ARG(N),  OCL_ARG(K),   OCL_ARG(P),  OCL_LOCAL(l * sizeof(cl_float))};
    return ocl_launch(r.c, OCL_K_CONV_BIAS_GRAD, 1, &g, &l, args, 8, err);
}
