/* maxpool 2x2 stride 2 on the CPU. x (N,C,H,W) -> y (N,C,H/2,W/2), floor.
 * idx holds h*W+w of each window's maximum (first in row-major order on
 * ties). Backward is a gather, not a scatter: windows never overlap, so each
 * dx element has at most one source and no accumulation order is involved.
 * Planes are independent, so both directions split across threads by plane. */
#include "cpu_internal.h"

#include <string.h>

typedef struct pool_job {
    const float *in;   /* x forward, dy backward */
    float *out;        /* y forward, dx backward */
    int32_t *idx;
    int64_t h, w, oh, ow;
} pool_job;

static void pool_fwd_planes(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const pool_job *j = arg;
    int64_t h = j->h, w = j->w, oh = j->oh, ow = j->ow;
    for (int64_t pl = begin; pl < end; pl++) {
        const float *xp = j->in + pl * h * w;
        float *yp = j->out + pl * oh * ow;
        int32_t *ip = j->idx + pl * oh * ow;
        for (int64_t i = 0; i < oh; i++) {
            const float *r0 = xp + 2 * i * w, *r1 = r0 + w;
            for (int64_t o = 0; o < ow; o++) {
                int64_t best = 2 * o;
                float bv = r0[best];
                const float cv[3] = {r0[2 * o + 1], r1[2 * o], r1[2 * o + 1]};
                const int64_t ci[3] = {2 * o + 1, w + 2 * o, w + 2 * o + 1};
                for (int c = 0; c < 3; c++)
                    /* NaN wins so that it propagates instead of vanishing */
                    if (cv[c] > bv || (cv[c] != cv[c] && bv == bv)) {
                        bv = cv[c];
                        best = ci[c];
                    }
                yp[i * ow + o] = bv;
                ip[i * ow + o] = (int32_t)(2 * i * w + best);
            }
        }
    }
}

static void pool_bwd_planes(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const pool_job *j = arg;
    int64_t hw = j->h * j->w, ohw = j->oh * j->ow;
    memset(j->out + begin * hw, 0, (size_t)((end - begin) * hw) * sizeof(float));
    for (int64_t pl = begin; pl < end; pl++)
        for (int64_t o = 0; o < ohw; o++) {
            int32_t k = j->idx[pl * ohw + o];
            if (k >= 0 && k < hw)
                j->out[pl * hw + k] = j->in[pl * ohw + o];
        }
}

siam_status cpu_maxpool_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    const siam_tensor *xt = &a->t[0];
    int64_t planes = xt->shape[0] * xt->shape[1], h = xt->shape[2], w = xt->shape[3];
    pool_job j = {cpu_f32(xt), cpu_f32(&a->t[1]), cpu_i32(&a->t[2]), h, w, h / 2, w / 2};
    cpu_parallel_for(cpu_threads_for(ctx, planes * h * w), planes, pool_fwd_planes, &j);
    return SIAM_OK;
}

siam_status cpu_maxpool_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    const siam_tensor *dxt = &a->t[2];
    int64_t planes = dxt->shape[0] * dxt->shape[1], h = dxt->shape[2], w = dxt->shape[3];
    pool_job j = {cpu_f32(&a->t[0]), cpu_f32(dxt), cpu_i32(&a->t[1]), h, w, h / 2, w / 2};
    cpu_parallel_for(cpu_threads_for(ctx, planes * h * w), planes, pool_bwd_planes, &j);
    return SIAM_OK;
}
