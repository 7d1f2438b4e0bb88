/* maxpool 2x2 stride 2 on the CPU. x (N,C,H,W) -> y (N,C,H/2,W/2), floor.
 * idx holds h*W+w of each window's maximum (first in row-major order on
 * ties). Backward is a gather, not a scatter: windows never overlap, so each
 * dx element has at most one source and no accumulation order is involved. */
#include "cpu_internal.h"

#include <string.h>

siam_status cpu_maxpool_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const siam_tensor *xt = &a->t[0];
    int64_t planes = xt->shape[0] * xt->shape[1], h = xt->shape[2], w = xt->shape[3];
    int64_t oh = h / 2, ow = w / 2;
    const float *x = cpu_f32(xt);
    float *y = cpu_f32(&a->t[1]);
    int32_t *idx = cpu_i32(&a->t[2]);
    for (int64_t pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * h * w;
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++) {
                int64_t best = (2 * i) * w + 2 * j;
                const int64_t cand[3] = {best + 1, best + w, best + w + 1};
                for (int c = 0; c < 3; c++)
                    /* NaN wins so that it propagates instead of vanishing */
                    if (xp[cand[c]] > xp[best] || (xp[cand[c]] != xp[cand[c]] && xp[best] == xp[best]))
                        best = cand[c];
                y[pl * oh * ow + i * ow + j] = xp[best];
                idx[pl * oh * ow + i * ow + j] = (int32_t)best;
            }
    }
    return SIAM_OK;
}

siam_status cpu_maxpool_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const siam_tensor *dxt = &a->t[2];
    int64_t planes = dxt->shape[0] * dxt->shape[1], h = dxt->shape[2], w = dxt->shape[3];
    int64_t oh = h / 2, ow = w / 2;
    const float *dy = cpu_f32(&a->t[0]);
    const int32_t *idx = cpu_i32(&a->t[1]);
    float *dx = cpu_f32(dxt);
    memset(dx, 0, (size_t)(planes * h * w) * sizeof(float));
    for (int64_t pl = 0; pl < planes; pl++)
        for (int64_t o = 0; o < oh * ow; o++) {
            int32_t k = idx[pl * oh * ow + o];
            if (k >= 0 && k < h * w)
                dx[pl * h * w + k] = dy[pl * oh * ow + o];
        }
    return SIAM_OK;
}
