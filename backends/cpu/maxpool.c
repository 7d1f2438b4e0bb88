/* maxpool 2x2 stride 2 on the CPU. x (N,C,H,W) -> y (N,C,H/2,W/2), floor.
 * No argmax is kept: backward finds each window's maximum again in x with
 * the same rule (window_argmax), so both directions agree by construction.
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

/* Offset, from the window's top-left corner at r0, of its maximum: the
 * first in row-major order on ties; a NaN wins so that it propagates
 * instead of vanishing. */
static inline int64_t window_argmax(const float *r0, int64_t w)
{
    const int64_t ci[4] = {0, 1, w, w + 1};
    int64_t best = 0;
    for (int c = 1; c < 4; c++) {
        float v = r0[ci[c]], b = r0[best];
        if (v > b || (v != v && b == b))
            best = ci[c];
    }
    return best;
}

static void pool_fwd_planes(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const pool_job *j = arg;
    int64_t h = j->h, w = j->w, oh = j->oh, ow = j->ow;
    for (int64_t pl = begin; pl < end; pl++) {
        const float *xp = j->x + pl * h * w;
        float *yp = j->out + pl * oh * ow;
        for (int64_t i = 0; i < oh; i++)
            for (int64_t o = 0; o < ow; o++) {
                const float *r0 = xp + 2 * i * w + 2 * o;
                yp[i * ow + o] = r0[window_argmax(r0, w)];
            }
    }
}

static void pool_bwd_planes(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const pool_job *j = arg;
    int64_t h = j->h, w = j->w, oh = j->oh, ow = j->ow;
    memset(j->out + begin * h * w, 0, (size_t)((end - begin) * h * w) * sizeof(float));
    for (int64_t pl = begin; pl < end; pl++) {
        const float *xp = j->x + pl * h * w;
        const float *dyp = j->dy + pl * oh * ow;
        float *dxp = j->out + pl * h * w;
        for (int64_t i = 0; i < oh; i++)
            for (int64_t o = 0; o < ow; o++) {
                int64_t corner = 2 * i * w + 2 * o;
                dxp[corner + window_argmax(xp + corner, w)] = dyp[i * ow + o];
            }
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
