/* Binary cross-entropy on logits, mean over the batch, in double.
 * Stable form: max(z,0) - z*y + log1p(exp(-|z|)) never overflows. */
#include "cpu_kernels.h"

#include <math.h>

siam_status cpu_bce_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t n = a->t[0].shape[0];
    const float *z = cpu_f32(&a->t[0]), *y = cpu_f32(&a->t[1]);
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double zi = z[i];
        s += (zi > 0 ? zi : 0.0) - zi * y[i] + log1p(exp(-fabs(zi)));
    }
    cpu_f32(&a->t[2])[0] = (float)(s / (double)n);
    return SIAM_OK;
}

siam_status cpu_bce_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t n = a->t[0].shape[0];
    const float *z = cpu_f32(&a->t[0]), *y = cpu_f32(&a->t[1]);
    float *dz = cpu_f32(&a->t[2]);
    for (int64_t i = 0; i < n; i++) {
        double zi = z[i], e = exp(-fabs(zi));
        double p = zi >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        dz[i] = (float)((p - y[i]) / (double)n);
    }
    return SIAM_OK;
}
