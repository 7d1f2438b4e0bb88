/* The template backend's other ops: activations, the twins' distance ops,
 * the losses, the optimisers and the one-shot pair scores. Each is the
 * formula of include/siamese/backend.h as a loop. Transcendental maths and
 * reductions run in double (the cpu reference does too), elementwise
 * arithmetic that the ABI states in float stays in float. */
#include "template_internal.h"

#include <math.h>

/* RELU_FWD  0 x  1 y       y = max(x, 0); a NaN stays a NaN (not hidden as 0) */
siam_status tpl_relu_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const float *x = tpl_f32(&a->t[0]);
    float *y = tpl_f32(&a->t[1]);
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++)
        y[i] = isnan(x[i]) ? x[i] : (x[i] > 0.0f ? x[i] : 0.0f);
    return SIAM_OK;
}

/* RELU_BWD  0 y  1 dy  2 dx     dx = dy where y > 0, else 0 */
siam_status tpl_relu_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const float *y = tpl_f32(&a->t[0]), *dy = tpl_f32(&a->t[1]);
    float *dx = tpl_f32(&a->t[2]);
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++)
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    return SIAM_OK;
}

/* SIGMOID_FWD  0 x  1 y     y = 1/(1+exp(-x)), in double: exp(-x) may be
 * +Inf for very negative x, and 1/(1+Inf) = 0 is the right limit. */
siam_status tpl_sigmoid_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const float *x = tpl_f32(&a->t[0]);
    float *y = tpl_f32(&a->t[1]);
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++)
        y[i] = (float)(1.0 / (1.0 + exp(-(double)x[i])));
    return SIAM_OK;
}

/* SIGMOID_BWD  0 y  1 dy  2 dx     dx = dy*y*(1-y) */
siam_status tpl_sigmoid_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const float *y = tpl_f32(&a->t[0]), *dy = tpl_f32(&a->t[1]);
    float *dx = tpl_f32(&a->t[2]);
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++)
        dx[i] = dy[i] * y[i] * (1.0f - y[i]);
    return SIAM_OK;
}

/* ABSDIFF_FWD  0 h (2N,D)  1 d (N,D)     d[i] = |h[i] - h[N+i]|
 * Rows 0..N-1 are the left twins, N..2N-1 the right ones. */
siam_status tpl_absdiff_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t N = a->t[0].shape[0] / 2, D = a->t[0].shape[1];
    const float *h = tpl_f32(&a->t[0]);
    float *d = tpl_f32(&a->t[1]);
    for (int64_t i = 0; i < N; i++)
        for (int64_t k = 0; k < D; k++)
            d[i * D + k] = fabsf(h[i * D + k] - h[(N + i) * D + k]);
    return SIAM_OK;
}

/* ABSDIFF_BWD  0 h (2N,D)  1 dd (N,D)  2 dh (2N,D)
 *   dh[i] = dd * sign(h[i] - h[N+i]),  dh[N+i] = -dh[i],  sign(0) = 0 */
siam_status tpl_absdiff_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t N = a->t[0].shape[0] / 2, D = a->t[0].shape[1];
    const float *h = tpl_f32(&a->t[0]), *dd = tpl_f32(&a->t[1]);
    float *dh = tpl_f32(&a->t[2]);
    for (int64_t i = 0; i < N; i++)
        for (int64_t k = 0; k < D; k++) {
            float diff = h[i * D + k] - h[(N + i) * D + k];
            float g = diff > 0.0f ? dd[i * D + k] : diff < 0.0f ? -dd[i * D + k] : 0.0f;
            dh[i * D + k] = g;
            dh[(N + i) * D + k] = -g;
        }
    return SIAM_OK;
}

/* sigmoid(z) without overflow in exp, in double. */
static double sigmoid_d(double z)
{
    double e = exp(-fabs(z));
    return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

/* BCE_FWD  0 z (N)  1 y (N)  2 loss (1)
 *   loss = mean( max(z,0) - z*y + log(1+exp(-|z|)) ), y = 1 means "same" */
siam_status tpl_bce_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t N = a->t[0].shape[0];
    const float *z = tpl_f32(&a->t[0]), *y = tpl_f32(&a->t[1]);
    double sum = 0.0;
    for (int64_t i = 0; i < N; i++) {
        double zi = z[i];
        sum += fmax(zi, 0.0) - zi * y[i] + log1p(exp(-fabs(zi)));
    }
    tpl_f32(&a->t[2])[0] = (float)(sum / (double)N);
    return SIAM_OK;
}

/* BCE_BWD  0 z (N)  1 y (N)  2 dz (N)     dz = (sigmoid(z) - y)/N */
siam_status tpl_bce_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t N = a->t[0].shape[0];
    const float *z = tpl_f32(&a->t[0]), *y = tpl_f32(&a->t[1]);
    float *dz = tpl_f32(&a->t[2]);
    for (int64_t i = 0; i < N; i++)
        dz[i] = (float)((sigmoid_d(z[i]) - y[i]) / (double)N);
    return SIAM_OK;
}

/* ||h[i] - h[N+i]||_2 for h (2N,D), summed in double in increasing k. */
static double pair_distance(const float *h, int64_t N, int64_t D, int64_t i)
{
    double s = 0.0;
    for (int64_t k = 0; k < D; k++) {
        double d = (double)h[i * D + k] - h[(N + i) * D + k];
        s += d * d;
    }
    return sqrt(s);
}

/* CONTRASTIVE_FWD  0 h (2N,D)  1 y (N)  2 loss (1)  3 dist (N)
 *   D_i = ||h[i] - h[N+i]||,  loss = mean( y D^2/2 + (1-y) max(0, m-D)^2/2 )
 * y = 1 means SAME class (see include/siamese/backend.h). */
siam_status tpl_contrastive_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t N = a->t[0].shape[0] / 2, D = a->t[0].shape[1];
    const float *h = tpl_f32(&a->t[0]), *y = tpl_f32(&a->t[1]);
    float *dist = tpl_f32(&a->t[3]);
    double m = a->p.contrastive.margin, sum = 0.0;
    for (int64_t i = 0; i < N; i++) {
        double d = pair_distance(h, N, D, i);
        double hinge = fmax(m - d, 0.0);
        sum += y[i] * 0.5 * d * d + (1.0 - y[i]) * 0.5 * hinge * hinge;
        dist[i] = (float)d;
    }
    tpl_f32(&a->t[2])[0] = (float)(sum / (double)N);
    return SIAM_OK;
}

/* CONTRASTIVE_BWD  0 h (2N,D)  1 y (N)  2 dh (2N,D), the gradient of the mean:
 *   dloss/dh[i] = (y - (1-y) max(0, m-D)/D) (h[i] - h[N+i]) / N,
 *   dloss/dh[N+i] = -dloss/dh[i]; at D == 0 the dissimilar term is 0. */
siam_status tpl_contrastive_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t N = a->t[0].shape[0] / 2, D = a->t[0].shape[1];
    const float *h = tpl_f32(&a->t[0]), *y = tpl_f32(&a->t[1]);
    float *dh = tpl_f32(&a->t[2]);
    double m = a->p.contrastive.margin;
    for (int64_t i = 0; i < N; i++) {
        double d = pair_distance(h, N, D, i);
        double coef = y[i];
        if (d > 0.0)
            coef -= (1.0 - y[i]) * fmax(m - d, 0.0) / d;
        coef /= (double)N;
        for (int64_t k = 0; k < D; k++) {
            double diff = (double)h[i * D + k] - h[(N + i) * D + k];
            dh[i * D + k] = (float)(coef * diff);
            dh[(N + i) * D + k] = (float)(-coef * diff);
        }
    }
    return SIAM_OK;
}

/* SGD_UPDATE  0 w inout  1 g  2 v inout, elementwise in float:
 *   g' = g + 2*l2*w;  v = momentum*v - lr*g';  w = w + v */
siam_status tpl_sgd_update(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    float *w = tpl_f32(&a->t[0]), *v = tpl_f32(&a->t[2]);
    const float *g = tpl_f32(&a->t[1]);
    float lr = a->p.sgd.lr, mu = a->p.sgd.momentum, l2 = a->p.sgd.l2;
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i] + 2.0f * l2 * w[i];
        v[i] = mu * v[i] - lr * gi;
        w[i] = w[i] + v[i];
    }
    return SIAM_OK;
}

/* ADAM_UPDATE  0 w inout  1 g  2 m inout  3 v inout, step t = p.adam.step >= 1:
 *   g' = g + 2*l2*w;  m = b1 m + (1-b1) g';  v = b2 v + (1-b2) g'^2;
 *   w -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps) */
siam_status tpl_adam_update(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    float *w = tpl_f32(&a->t[0]), *m = tpl_f32(&a->t[2]), *v = tpl_f32(&a->t[3]);
    const float *g = tpl_f32(&a->t[1]);
    float lr = a->p.adam.lr, b1 = a->p.adam.beta1, b2 = a->p.adam.beta2;
    float eps = a->p.adam.eps, l2 = a->p.adam.l2;
    double t = (double)a->p.adam.step;
    float c1 = (float)(1.0 - pow(b1, t)), c2 = (float)(1.0 - pow(b2, t));
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i] + 2.0f * l2 * w[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        w[i] = w[i] - lr * (m[i] / c1) / (sqrtf(v[i] / c2) + eps);
    }
    return SIAM_OK;
}

/* PAIR_SCORES  0 q (Q,D)  1 s (S,D)  2 alpha (D) opt  3 bias (1) opt  4 out (Q,S)
 *   WL1: out[i][j] = bias + sum_k alpha_k |q[i][k] - s[j][k]|   (alpha absent: 1)
 *   L2:  out[i][j] = ||q[i] - s[j]||_2 */
siam_status tpl_pair_scores(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx;
    int64_t Q = a->t[0].shape[0], S = a->t[1].shape[0], D = a->t[0].shape[1];
    const float *q = tpl_f32(&a->t[0]), *s = tpl_f32(&a->t[1]);
    const float *alpha = tpl_f32(&a->t[2]), *bias = tpl_f32(&a->t[3]);
    float *out = tpl_f32(&a->t[4]);
    siam_metric metric = a->p.scores.metric;
    if (metric != SIAM_METRIC_WL1 && metric != SIAM_METRIC_L2)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "template: pair_scores: unknown metric %d",
                              (int)metric);
    for (int64_t i = 0; i < Q; i++)
        for (int64_t j = 0; j < S; j++) {
            double acc = 0.0;
            for (int64_t k = 0; k < D; k++) {
                double d = (double)q[i * D + k] - s[j * D + k];
                if (metric == SIAM_METRIC_L2)
                    acc += d * d;
                else
                    acc += (alpha ? alpha[k] : 1.0) * fabs(d);
            }
            out[i * S + j] = (float)(metric == SIAM_METRIC_L2 ? sqrt(acc)
                                                             : acc + (bias ? bias[0] : 0.0));
        }
    return SIAM_OK;
}
