/* maxpool 2x2 stride 2 on the CPU. x (N,C,H,W) -> y (N,C,H/2,W/2), floor.
 * No argmax is kept: backward finds each window's maximum again in x with
 * the same rule (beats), so both directions agree by construction.
 * Backward is a gather, not a scatter: windows never overlap, so each dx
 * element has at most one source and no accumulation order is involved.
 * Planes are independent, so both directions split across threads by plane. */
#include "cpu_internal.h"

#include <string.h>

typedef struct pool_job {
    const float *x;
    const float *dy;   /* backward only */
    float *out;        /* y forward, dx backward */
    int64_t h, w, oh, ow;
} pool_job;

/* The rule, for the window (a, b / c, d) in row-major order: the first
 * maximum wins ties, and a NaN wins so that it propagates instead of
 * vanishing (the first NaN, if several). Forward is written as selects of
 * values along a row, which GCC vectorizes: 3-4x faster than picking an
 * index per window (bench_ops, pool1 of koch105). */
static inline int beats(float v, float best) { return v > best || (v != v && best == best); }

static void pool_fwd_planes(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const pool_job *j = arg;
    int64_t h = j->h, w = j->w, oh = j->oh, ow = j->ow;
    for (int64_t pl = begin; pl < end; pl++) {
        const float *xp = j->x + pl * h * w;
        float *yp = j->out + pl * oh * ow;
        for (int64_t i = 0; i < oh; i++) {
            const float *r0 = xp + 2 * i * w, *r1 = r0 + w;
            float *y = yp + i * ow;
            for (int64_t o = 0; o < ow; o++) {
                float best = r0[2 * o], v = r0[2 * o + 1];
                best = beats(v, best) ? v : best;
                v = r1[2 * o];
                best = beats(v, best) ? v : best;
                v = r1[2 * o + 1];
                y[o] = beats(v, best) ? v : best;
            }
        }
    }
}

static void pool_bwd_planes(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const pool_job *j = arg;
    int64_t h = j->h, w = j->w, oh = j->oh, ow = j->ow;
    for (int64_t pl = begin; pl < end; pl++) {
        const float *xp = j->x + pl * h * w;
        const float *dyp = j->dy + pl * oh * ow;
        float *dxp = j->out + pl * h * w;
        /* Every element of a window is written (the gradient or 0); only a
         * last odd row or column lies outside all windows. */
        for (int64_t i = 0; i < oh; i++) {
            const float *r0 = xp + 2 * i * w, *r1 = r0 + w;
            float *d0 = dxp + 2 * i * w, *d1 = d0 + w;
            const float *dy = dyp + i * ow;
            for (int64_t o = 0; o < ow; o++) {
                float best = r0[2 * o], v = r0[2 * o + 1];
                int t = beats(v, best), which = t;
                best = t ? v : best;
                v = r1[2 * o];
                t = beats(v, best);
                which = t ? 2 : which;
                best = t ? v : best;
                which = beats(r1[2 * o + 1], best) ? 3 : which;
                float g = dy[o];
                d0[2 * o] = which == 0 ? g : 0.0f;
                d0[2 * o + 1] = which == 1 ? g : 0.0f;
                d1[2 * o] = which == 2 ? g : 0.0f;
                d1[2 * o + 1] = which == 3 ? g : 0.0f;
            }
            if (w & 1) {
                d0[w - 1] = 0.0f;
                d1[w - 1] = 0.0f;
            }
        }
        if (h & 1)
            memset(dxp + (h - 1) * w, 0, (size_t)w * sizeof(float));
    }
}

siam_status cpu_maxpool_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    const siam_tensor *xt = &a->t[0];
    int64_t planes = xt->shape[0] * xt->shape[1], h = xt->shape[2], w = xt->shape[3];
    pool_job j = {cpu_f32(xt), NULL, cpu_f32(&a->t[1]), h, w, h / 2, w / 2};
    cpu_parallel_for(cpu_threads_for(ctx, planes * h * w), planes, pool_fwd_planes, &j);
    return SIAM_OK;
}

siam_status cpu_maxpool_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    const siam_tensor *xt = &a->t[0];
    int64_t planes = xt->shape[0] * xt->shape[1], h = xt->shape[2], w = xt->shape[3];
    pool_job j = {cpu_f32(xt), cpu_f32(&a->t[1]), cpu_f32(&a->t[2]), h, w, h / 2, w / 2};
    cpu_parallel_for(cpu_threads_for(ctx, planes * h * w), planes, pool_bwd_planes, &j);
    return SIAM_OK;
}
