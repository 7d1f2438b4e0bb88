/* relu on the CPU: y = max(x, 0); dx = dy where y > 0. Any shape.
 * Elementwise, so split across threads in contiguous chunks. */
#include "cpu_kernels.h"

typedef struct relu_job {
    const float *x, *dy; /* x for forward; y for backward (in x) */
    float *out;
} relu_job;

static void relu_fwd_chunk(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const relu_job *j = arg;
    for (int64_t i = begin; i < end; i++) {
        float v = j->x[i];
        j->out[i] = v > 0.0f ? v : (v != v ? v : 0.0f); /* NaN propagates */
    }
}

static void relu_bwd_chunk(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const relu_job *j = arg;
    /* dy is read whatever y holds: a load under the condition is control
     * flow to GCC, and the loop stayed scalar (relu1's backward took 10% of
     * a koch105 training step on blas). */
    for (int64_t i = begin; i < end; i++) {
        float g = j->dy[i];
        j->out[i] = j->x[i] > 0.0f ? g : 0.0f;
    }
}

siam_status cpu_relu_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    relu_job j = {cpu_f32(&a->t[0]), 0, cpu_f32(&a->t[1])};
    int64_t n = siam_tensor_numel(&a->t[0]);
    cpu_parallel_for(cpu_threads_for(ctx, n), n, relu_fwd_chunk, &j);
    return SIAM_OK;
}

siam_status cpu_relu_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    relu_job j = {cpu_f32(&a->t[0]), cpu_f32(&a->t[1]), cpu_f32(&a->t[2])};
    int64_t n = siam_tensor_numel(&a->t[0]);
    cpu_parallel_for(cpu_threads_for(ctx, n), n, relu_bwd_chunk, &j);
    return SIAM_OK;
}
