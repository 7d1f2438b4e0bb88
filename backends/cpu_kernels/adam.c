/* Adam (Kingma & Ba 2015) with L2 folded into the gradient and bias
 * correction from the 1-based step; see include/siamese/backend.h.
 * Elementwise, so split across threads in contiguous chunks (as SGD). */
#include "cpu_kernels.h"

#include <math.h>

typedef struct adam_job {
    float *w, *m, *v;
    const float *g;
    float lr, b1, b2, eps, l2, c1, c2;
} adam_job;

static void adam_chunk(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const adam_job *j = arg;
    float *w = j->w, *m = j->m, *v = j->v;
    const float *g = j->g;
    for (int64_t i = begin; i < end; i++) {
        float gi = g[i] + 2.0f * j->l2 * w[i];
        m[i] = j->b1 * m[i] + (1.0f - j->b1) * gi;
        v[i] = j->b2 * v[i] + (1.0f - j->b2) * gi * gi;
        w[i] -= j->lr * (m[i] / j->c1) / (sqrtf(v[i] / j->c2) + j->eps);
    }
}

siam_status cpu_adam_update(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    adam_job j = {cpu_f32(&a->t[0]), cpu_f32(&a->t[2]), cpu_f32(&a->t[3]), cpu_f32(&a->t[1]),
                  a->p.adam.lr, a->p.adam.beta1, a->p.adam.beta2, a->p.adam.eps, a->p.adam.l2,
                  (float)(1.0 - pow(a->p.adam.beta1, (double)a->p.adam.step)),
                  (float)(1.0 - pow(a->p.adam.beta2, (double)a->p.adam.step))};
    int64_t n = siam_tensor_numel(&a->t[0]);
    cpu_parallel_for(cpu_threads_for(ctx, n), n, adam_chunk, &j);
    return SIAM_OK;
}
