/* SGD with momentum and L2, elementwise (include/siamese/backend.h):
 *   g' = g + 2*l2*w;  v = momentum*v - lr*g';  w = w + v
 * Split across threads in contiguous chunks: koch105's fc1 alone has 38M
 * weights, and one core does not reach the memory bandwidth two do. */
#include "cpu_kernels.h"

typedef struct sgd_job {
    float *w, *v;
    const float *g;
    float lr, mu, l2;
} sgd_job;

static void sgd_chunk(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const sgd_job *j = arg;
    float *w = j->w, *v = j->v;
    const float *g = j->g;
    for (int64_t i = begin; i < end; i++) {
        float gi = g[i] + 2.0f * j->l2 * w[i];
        v[i] = j->mu * v[i] - j->lr * gi;
        w[i] += v[i];
    }
}

siam_status cpu_sgd_update(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    sgd_job j = {cpu_f32(&a->t[0]), cpu_f32(&a->t[2]), cpu_f32(&a->t[1]), a->p.sgd.lr,
                 a->p.sgd.momentum, a->p.sgd.l2};
    int64_t n = siam_tensor_numel(&a->t[0]);
    cpu_parallel_for(cpu_threads_for(ctx, n), n, sgd_chunk, &j);
    return SIAM_OK;
}
