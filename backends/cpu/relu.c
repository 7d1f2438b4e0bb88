/* relu on the CPU: y = max(x, 0); dx = dy where y > 0. Any shape. */
#include "cpu_internal.h"

siam_status cpu_relu_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const float *x = cpu_f32(&a->t[0]);
    float *y = cpu_f32(&a->t[1]);
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : (x[i] != x[i] ? x[i] : 0.0f); /* NaN propagates */
    return SIAM_OK;
}

siam_status cpu_relu_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const float *y = cpu_f32(&a->t[0]), *dy = cpu_f32(&a->t[1]);
    float *dx = cpu_f32(&a->t[2]);
    int64_t n = siam_tensor_numel(&a->t[0]);
    for (int64_t i = 0; i < n; i++)
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    return SIAM_OK;
}
