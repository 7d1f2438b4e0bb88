/* absdiff on the CPU: h (2N,D) holds both twins; d (N,D) = |h[i] - h[N+i]|. */
#include "cpu_kernels.h"

#include <math.h>

siam_status cpu_absdiff_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t n = a->t[0].shape[0] / 2, dim = a->t[0].shape[1];
    const float *h = cpu_f32(&a->t[0]);
    float *d = cpu_f32(&a->t[1]);
    for (int64_t i = 0; i < n * dim; i++)
        d[i] = fabsf(h[i] - h[n * dim + i]);
    return SIAM_OK;
}

siam_status cpu_absdiff_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t n = a->t[0].shape[0] / 2, dim = a->t[0].shape[1];
    const float *h = cpu_f32(&a->t[0]), *dd = cpu_f32(&a->t[1]);
    float *dh = cpu_f32(&a->t[2]);
    for (int64_t i = 0; i < n * dim; i++) {
        float diff = h[i] - h[n * dim + i];
        float g = diff > 0.0f ? dd[i] : (diff < 0.0f ? -dd[i] : 0.0f);
        dh[i] = g;
        dh[n * dim + i] = -g;
    }
    return SIAM_OK;
}
