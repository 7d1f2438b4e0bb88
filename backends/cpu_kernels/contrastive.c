/* Contrastive loss (Hadsell, Chopra & LeCun 2006) on D = ||h[i] - h[N+i]||,
 * label y = 1 for the SAME class (see include/siamese/backend.h):
 *   loss = mean( y*D^2/2 + (1-y)*max(0, m-D)^2/2 ).
 * dL/dh[i] = (y*D - (1-y)*max(0,m-D)) * (h[i]-h[N+i]) / D / N; the second
 * term is taken as 0 at D = 0, where the direction is undefined. */
#include "cpu_kernels.h"

#include <math.h>

static double pair_dist(const float *h, int64_t n, int64_t dim, int64_t i)
{
    double s = 0.0;
    for (int64_t k = 0; k < dim; k++) {
        double d = (double)h[i * dim + k] - h[(n + i) * dim + k];
        s += d * d;
    }
    return sqrt(s);
}

siam_status cpu_contrastive_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t n = a->t[0].shape[0] / 2, dim = a->t[0].shape[1];
    const float *h = cpu_f32(&a->t[0]), *y = cpu_f32(&a->t[1]);
    double m = a->p.contrastive.margin, s = 0.0;
    float *dist = cpu_f32(&a->t[3]);
    for (int64_t i = 0; i < n; i++) {
        double d = pair_dist(h, n, dim, i);
        double hinge = m - d > 0 ? m - d : 0.0;
        s += y[i] * 0.5 * d * d + (1.0 - y[i]) * 0.5 * hinge * hinge;
        dist[i] = (float)d;
    }
    cpu_f32(&a->t[2])[0] = (float)(s / (double)n);
    return SIAM_OK;
}

siam_status cpu_contrastive_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t n = a->t[0].shape[0] / 2, dim = a->t[0].shape[1];
    const float *h = cpu_f32(&a->t[0]), *y = cpu_f32(&a->t[1]);
    float *dh = cpu_f32(&a->t[2]);
    double m = a->p.contrastive.margin;
    for (int64_t i = 0; i < n; i++) {
        double d = pair_dist(h, n, dim, i);
        double hinge = m - d > 0 ? m - d : 0.0;
        /* y*(h1-h2) + (1-y)*(-hinge/d)*(h1-h2), all over N */
        double coef = y[i];
        if (d > 0)
            coef -= (1.0 - y[i]) * hinge / d;
        coef /= (double)n;
        for (int64_t k = 0; k < dim; k++) {
            double diff = (double)h[i * dim + k] - h[(n + i) * dim + k];
            dh[i * dim + k] = (float)(coef * diff);
            dh[(n + i) * dim + k] = (float)(-coef * diff);
        }
    }
    return SIAM_OK;
}
