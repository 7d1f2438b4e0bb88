/* SGD with momentum and L2, elementwise (include/siamese/backend.h):
 *   g' = g + 2*l2*w;  v = momentum*v - lr*g';  w = w + v */
#include "cpu_internal.h"

siam_status cpu_sgd_update(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    float *w = cpu_f32(&a->t[0]), *v = cpu_f32(&a->t[2]);
    const float *g = cpu_f32(&a->t[1]);
    float lr = a->p.sgd.lr, mu = a->p.sgd.momentum, l2 = a->p.sgd.l2;
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i] + 2.0f * l2 * w[i];
        v[i] = mu * v[i] - lr * gi;
        w[i] += v[i];
    }
    return SIAM_OK;
}
