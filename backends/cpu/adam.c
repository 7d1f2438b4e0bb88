/* Adam (Kingma & Ba 2015) with L2 folded into the gradient and bias
 * correction from the 1-based step; see include/siamese/backend.h. */
#include "cpu_internal.h"

#include <math.h>

siam_status cpu_adam_update(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    float *w = cpu_f32(&a->t[0]), *m = cpu_f32(&a->t[2]), *v = cpu_f32(&a->t[3]);
    const float *g = cpu_f32(&a->t[1]);
    float lr = a->p.adam.lr, b1 = a->p.adam.beta1, b2 = a->p.adam.beta2;
    float eps = a->p.adam.eps, l2 = a->p.adam.l2;
    float c1 = (float)(1.0 - pow(b1, (double)a->p.adam.step));
    float c2 = (float)(1.0 - pow(b2, (double)a->p.adam.step));
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i] + 2.0f * l2 * w[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        w[i] -= lr * (m[i] / c1) / (sqrtf(v[i] / c2) + eps);
    }
    return SIAM_OK;
}
