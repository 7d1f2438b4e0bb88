/* The BCE net's head on the CPU (HEAD_FWD, HEAD_BWD): the weighted L1
 * distance of each pair plus bias, and its gradients, with the sums in
 * double. h (2N,D) holds the left twins, then the right ones. */
#include "cpu_kernels.h"

#include <math.h>
#include <stdint.h>

typedef struct head_job {
    const float *h, *alpha, *b, *dz;
    float *z, *dh;
    int64_t n, dim;
} head_job;

static void fwd_pairs(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const head_job *j = arg;
    for (int64_t i = begin; i < end; i++) {
        const float *l = j->h + i * j->dim, *r = j->h + (j->n + i) * j->dim;
        double s = j->b ? j->b[0] : 0.0;
        for (int64_t k = 0; k < j->dim; k++)
            s += (double)j->alpha[k] * fabsf(l[k] - r[k]);
        j->z[i] = (float)s;
    }
}

siam_status cpu_head_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    head_job j = {.h = cpu_f32(&a->t[0]), .alpha = cpu_f32(&a->t[1]), .b = cpu_f32(&a->t[2]),
                  .z = cpu_f32(&a->t[3]), .n = a->t[3].shape[0], .dim = a->t[0].shape[1]};
    cpu_parallel_for(cpu_threads_for(ctx, j.n * j.dim), j.n, fwd_pairs, &j);
    return SIAM_OK;
}

/* dh as ABSDIFF_BWD would give it from LINEAR_BWD_DATA's dd = dz*alpha. */
static void bwd_pairs(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const head_job *j = arg;
    for (int64_t i = begin; i < end; i++)
        for (int64_t k = 0; k < j->dim; k++) {
            int64_t at = i * j->dim + k, twin = (j->n + i) * j->dim + k;
            float diff = j->h[at] - j->h[twin], dd = j->dz[i] * j->alpha[k];
            float g = diff > 0.0f ? dd : (diff < 0.0f ? -dd : 0.0f);
            j->dh[at] = g;
            j->dh[twin] = -g;
        }
}

siam_status cpu_head_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    head_job j = {.h = cpu_f32(&a->t[0]), .alpha = cpu_f32(&a->t[1]), .dz = cpu_f32(&a->t[2]),
                  .dh = cpu_f32(&a->t[3]), .n = a->t[2].shape[0], .dim = a->t[0].shape[1]};
    cpu_parallel_for(cpu_threads_for(ctx, j.n * j.dim), j.n, bwd_pairs, &j);
    /* Row by row into D double sums (the workspace), in increasing i. */
    float *dalpha = cpu_f32(&a->t[4]), *db = cpu_f32(&a->t[5]);
    float *ws = cpu_f32(&a->workspace);
    double *acc = (double *)(void *)(ws + ((uintptr_t)ws % sizeof(double) != 0));
    for (int64_t k = 0; k < j.dim; k++)
        acc[k] = 0.0;
    for (int64_t i = 0; i < j.n; i++) {
        const float *l = j.h + i * j.dim, *r = j.h + (j.n + i) * j.dim;
        for (int64_t k = 0; k < j.dim; k++)
            acc[k] += (double)j.dz[i] * fabsf(l[k] - r[k]);
    }
    for (int64_t k = 0; k < j.dim; k++)
        dalpha[k] = (float)acc[k];
    if (db) {
        double s = 0.0;
        for (int64_t i = 0; i < j.n; i++)
            s += j.dz[i];
        db[0] = (float)s;
    }
    return SIAM_OK;
}
