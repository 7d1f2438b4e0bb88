/* linear on the CPU: y (N,O) = x (N,I) * w^T + b, w is (O,I).
 * Workspace: one GEMM pack area per thread. */
#include "cpu_kernels.h"

static int threads_of(const cpu_ctx *c) { return c->threads > 0 ? c->threads : 1; }

size_t cpu_linear_workspace(const cpu_ctx *ctx, const siam_op_args *a)
{
    (void)a;
    return (size_t)threads_of(ctx) * CPU_GEMM_PACK_FLOATS * sizeof(float);
}

siam_status cpu_linear_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    int64_t n = a->t[0].shape[0], in = a->t[0].shape[1], out = a->t[1].shape[0];
    const float *x = cpu_f32(&a->t[0]), *w = cpu_f32(&a->t[1]), *b = cpu_f32(&a->t[2]);
    float *y = cpu_f32(&a->t[3]);
    cpu_gemm(ctx, threads_of(ctx), 0, 1, n, out, in, x, in, w, in, 0.0f, y, out,
             cpu_f32(&a->workspace));
    if (b)
        for (int64_t i = 0; i < n; i++)
            for (int64_t o = 0; o < out; o++)
                y[i * out + o] += b[o];
    return cpu_activate(ctx, &a->t[3], a->p.layer.act, err);
}

siam_status cpu_linear_bwd_data(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    int64_t n = a->t[0].shape[0], out = a->t[1].shape[0], in = a->t[1].shape[1];
    /* dx (N,I) = dy (N,O) * w (O,I) */
    cpu_gemm(ctx, threads_of(ctx), 0, 0, n, in, out, cpu_f32(&a->t[0]), out, cpu_f32(&a->t[1]), in,
             0.0f, cpu_f32(&a->t[2]), in, cpu_f32(&a->workspace));
    return SIAM_OK;
}

siam_status cpu_linear_bwd_param(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    int64_t n = a->t[0].shape[0], in = a->t[0].shape[1], out = a->t[1].shape[1];
    const float *dy = cpu_f32(&a->t[1]);
    /* dw (O,I) = dy^T (O,N) * x (N,I) */
    cpu_gemm(ctx, threads_of(ctx), 1, 0, out, in, n, dy, out, cpu_f32(&a->t[0]), in, 0.0f,
             cpu_f32(&a->t[2]), in, cpu_f32(&a->workspace));
    float *db = cpu_f32(&a->t[3]);
    if (db)
        for (int64_t o = 0; o < out; o++) {
            double s = 0.0;
            for (int64_t i = 0; i < n; i++)
                s += dy[i * out + o];
            db[o] = (float)s;
        }
    return SIAM_OK;
}
