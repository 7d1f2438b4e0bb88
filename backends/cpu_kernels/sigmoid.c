/* sigmoid on the CPU: y = 1/(1+exp(-x)); dx = dy*y*(1-y). Any shape.
 * Evaluated in double, in the form that cannot overflow exp(). */
#include "cpu_kernels.h"

#include <math.h>

siam_status cpu_sigmoid_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const float *x = cpu_f32(&a->t[0]);
    float *y = cpu_f32(&a->t[1]);
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++) {
        double v = x[i];
        double e = exp(-fabs(v));
        y[i] = (float)(v >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e));
    }
    return SIAM_OK;
}

siam_status cpu_sigmoid_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const float *y = cpu_f32(&a->t[0]), *dy = cpu_f32(&a->t[1]);
    float *dx = cpu_f32(&a->t[2]);
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++)
        dx[i] = dy[i] * y[i] * (1.0f - y[i]);
    return SIAM_OK;
}
