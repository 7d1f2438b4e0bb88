/* conv2d on the CPU: im2col + GEMM, valid padding, stride 1.
 *
 * x is (N,C,H,W), w is (K,C,R,S), y is (N,K,OH,OW) with OH = H-R+1.
 * col for one image is (C*R*S, OH*OW): row (c,r,s), column (oh,ow) holds
 * x[c][oh+r][ow+s] (darknet/Caffe order), so y_n = w(K x CRS) * col.
 * Workspace: one col matrix and one GEMM pack area per thread.
 */
#include "cpu_internal.h"

#include <string.h>

typedef struct conv_dims {
    int64_t n, c, h, w, k, r, s, oh, ow, crs, p;
} conv_dims;

static conv_dims dims_of(const siam_tensor *x, const siam_tensor *w)
{
    conv_dims d;
    d.n = x->shape[0];
    d.c = x->shape[1];
    d.h = x->shape[2];
    d.w = x->shape[3];
    d.k = w->shape[0];
    d.r = w->shape[2];
    d.s = w->shape[3];
    d.oh = d.h - d.r + 1;
    d.ow = d.w - d.s + 1;
    d.crs = d.c * d.r * d.s;
    d.p = d.oh * d.ow;
    return d;
}

static void im2col(const conv_dims *d, const float *x, float *col)
{
    for (int64_t c = 0; c < d->c; c++)
        for (int64_t r = 0; r < d->r; r++)
            for (int64_t s = 0; s < d->s; s++) {
                float *dst = col + ((c * d->r + r) * d->s + s) * d->p;
                for (int64_t oh = 0; oh < d->oh; oh++)
                    memcpy(dst + oh * d->ow, x + (c * d->h + oh + r) * d->w + s,
                           (size_t)d->ow * sizeof(float));
            }
}

/* Adds col back into dx (which the caller zeroed). */
static void col2im(const conv_dims *d, const float *col, float *dx)
{
    for (int64_t c = 0; c < d->c; c++)
        for (int64_t r = 0; r < d->r; r++)
            for (int64_t s = 0; s < d->s; s++) {
                const float *src = col + ((c * d->r + r) * d->s + s) * d->p;
                for (int64_t oh = 0; oh < d->oh; oh++) {
                    float *row = dx + (c * d->h + oh + r) * d->w + s;
                    for (int64_t ow = 0; ow < d->ow; ow++)
                        row[ow] += src[oh * d->ow + ow];
                }
            }
}

static int threads_of(const cpu_ctx *c) { return c->threads > 0 ? c->threads : 1; }

size_t cpu_conv2d_workspace(const cpu_ctx *ctx, const siam_op_args *a)
{
    const siam_tensor *x, *w;
    if (a->op == SIAM_OP_CONV2D_BWD_DATA) {
        /* dx carries (N,C,H,W) and w (K,C,R,S) */
        x = &a->t[2];
        w = &a->t[1];
    } else {
        x = &a->t[0];
        w = a->op == SIAM_OP_CONV2D_FWD ? &a->t[1] : &a->t[2];
    }
    conv_dims d = dims_of(x, w);
    size_t per = (size_t)(d.crs * d.p) + CPU_GEMM_PACK_FLOATS;
    int t = a->op == SIAM_OP_CONV2D_BWD_FILTER ? 1 : threads_of(ctx);
    size_t floats = per * (size_t)t;
    if (a->op == SIAM_OP_CONV2D_BWD_FILTER)
        floats += (size_t)(threads_of(ctx) - 1) * CPU_GEMM_PACK_FLOATS;
    return floats * sizeof(float);
}

typedef struct conv_job {
    conv_dims d;
    const siam_op_args *a;
    float *ws;
} conv_job;

static void fwd_images(void *arg, int64_t begin, int64_t end, int tid)
{
    const conv_job *j = arg;
    const conv_dims *d = &j->d;
    float *col = j->ws + (size_t)tid * ((size_t)(d->crs * d->p) + CPU_GEMM_PACK_FLOATS);
    float *pack = col + d->crs * d->p;
    const float *x = cpu_f32(&j->a->t[0]), *w = cpu_f32(&j->a->t[1]), *b = cpu_f32(&j->a->t[2]);
    float *y = cpu_f32(&j->a->t[3]);
    for (int64_t n = begin; n < end; n++) {
        float *yn = y + n * d->k * d->p;
        im2col(d, x + n * d->c * d->h * d->w, col);
        cpu_gemm(1, 0, 0, d->k, d->p, d->crs, w, d->crs, col, d->p, 0.0f, yn, d->p, pack);
        if (b)
            for (int64_t k = 0; k < d->k; k++)
                for (int64_t p = 0; p < d->p; p++)
                    yn[k * d->p + p] += b[k];
    }
}

siam_status cpu_conv2d_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    conv_job j = {dims_of(&a->t[0], &a->t[1]), a, cpu_f32(&a->workspace)};
    cpu_parallel_for(threads_of(ctx), j.d.n, fwd_images, &j);
    return SIAM_OK;
}

static void bwd_data_images(void *arg, int64_t begin, int64_t end, int tid)
{
    const conv_job *j = arg;
    const conv_dims *d = &j->d;
    float *col = j->ws + (size_t)tid * ((size_t)(d->crs * d->p) + CPU_GEMM_PACK_FLOATS);
    float *pack = col + d->crs * d->p;
    const float *dy = cpu_f32(&j->a->t[0]), *w = cpu_f32(&j->a->t[1]);
    float *dx = cpu_f32(&j->a->t[2]);
    for (int64_t n = begin; n < end; n++) {
        /* dcol (CRS x P) = w^T (CRS x K) * dy_n (K x P) */
        cpu_gemm(1, 1, 0, d->crs, d->p, d->k, w, d->crs, dy + n * d->k * d->p, d->p, 0.0f, col,
                 d->p, pack);
        float *dxn = dx + n * d->c * d->h * d->w;
        memset(dxn, 0, (size_t)(d->c * d->h * d->w) * sizeof(float));
        col2im(d, col, dxn);
    }
}

siam_status cpu_conv2d_bwd_data(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    conv_job j = {dims_of(&a->t[2], &a->t[1]), a, cpu_f32(&a->workspace)};
    cpu_parallel_for(threads_of(ctx), j.d.n, bwd_data_images, &j);
    return SIAM_OK;
}

siam_status cpu_conv2d_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    conv_dims d = dims_of(&a->t[0], &a->t[2]);
    const float *x = cpu_f32(&a->t[0]), *dy = cpu_f32(&a->t[1]);
    float *dw = cpu_f32(&a->t[2]), *db = cpu_f32(&a->t[3]);
    float *col = cpu_f32(&a->workspace);
    float *pack = col + d.crs * d.p;
    /* dw (K x CRS) = sum_n dy_n (K x P) * col_n^T (P x CRS); images in order. */
    for (int64_t n = 0; n < d.n; n++) {
        im2col(&d, x + n * d.c * d.h * d.w, col);
        cpu_gemm(threads_of(ctx), 0, 1, d.k, d.crs, d.p, dy + n * d.k * d.p, d.p, col, d.p,
                 n == 0 ? 0.0f : 1.0f, dw, d.crs, pack);
    }
    if (db) {
        for (int64_t k = 0; k < d.k; k++) {
            double s = 0.0;
            for (int64_t n = 0; n < d.n; n++)
                for (int64_t p = 0; p < d.p; p++)
                    s += dy[(n * d.k + k) * d.p + p];
            db[k] = (float)s;
        }
    }
    return SIAM_OK;
}
