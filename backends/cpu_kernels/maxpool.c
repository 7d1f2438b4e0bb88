/* maxpool 2x2 stride 2 on the CPU. x (N,C,H,W) -> y (N,C,H/2,W/2), floor.
 * No argmax is kept: backward finds each window's maximum again in x with
 * the same rule (beats), so both directions agree by construction.
 * Backward is a gather, not a scatter: windows never overlap, so each dx
 * element has at most one source and no accumulation order is involved.
 * Planes are independent, so both directions split across threads by plane. */
#include "cpu_kernels.h"

#include <string.h>

typedef struct pool_job {
    const float *x;
    const float *dy;   /* backward only */
    float *out;        /* y forward, dx backward */
    int64_t h, w, oh, ow;
} pool_job;

/* The rule, for the window (a, b / c, d) in row-major order: the first
 * maximum wins ties, and a NaN wins so that it propagates instead of
 * vanishing (the first NaN, if several). Forward is written as selects of
 * values along a row, which GCC vectorizes: 3-4x faster than picking an
 * index per window (bench_ops, pool1 of koch105). */
static inline int beats(float v, float best) { return v > best || (v != v && best == best); }

static void pool_fwd_planes(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const pool_job *j = arg;
    int64_t h = j->h, w = j->w, oh = j->oh, ow = j->ow;
    for (int64_t pl = begin; pl < end; pl++) {
        const float *xp = j->x + pl * h * w;
        float *yp = j->out + pl * oh * ow;
        for (int64_t i = 0; i < oh; i++) {
            const float *r0 = xp + 2 * i * w, *r1 = r0 + w;
            float *y = yp + i * ow;
            for (int64_t o = 0; o < ow; o++) {
                float best = r0[2 * o], v = r0[2 * o + 1];
                best = beats(v, best) ? v : best;
                v = r1[2 * o];
                best = beats(v, best) ? v : best;
                v = r1[2 * o + 1];
                y[o] = beats(v, best) ? v : best;
            }
        }
    }
}

/* One row of windows, any values: the rule as written, one window at a
 * time. */
static void pool_bwd_row_any(const float *r0, const float *r1, const float *dy, float *d0,
                             float *d1, int64_t ow)
{
    for (int64_t o = 0; o < ow; o++) {
        float best = r0[2 * o], v = r0[2 * o + 1];
        int t = beats(v, best), which = t;
        best = t ? v : best;
        v = r1[2 * o];
        t = beats(v, best);
        which = t ? 2 : which;
        best = t ? v : best;
        which = beats(r1[2 * o + 1], best) ? 3 : which;
        float g = dy[o];
        d0[2 * o] = which == 0 ? g : 0.0f;
        d0[2 * o + 1] = which == 1 ? g : 0.0f;
        d1[2 * o] = which == 2 ? g : 0.0f;
        d1[2 * o + 1] = which == 3 ? g : 0.0f;
    }
}

/* The same for a row without NaN, where beats is `>` and the winner is the
 * first element equal to the maximum, in selects GCC vectorizes (4x faster
 * on pool1 of koch105 than pool_bwd_row_any, which it leaves scalar). The
 * ABI has x, dy and dx never overlap and the two rows of dx are disjoint:
 * `restrict` says so, without which GCC's dependence analysis gives up. */
static void pool_bwd_row_numbers(const float *restrict r0, const float *restrict r1,
                                 const float *restrict dy, float *restrict d0,
                                 float *restrict d1, int64_t ow)
{
    for (int64_t o = 0; o < ow; o++) {
        float a = r0[2 * o], b = r0[2 * o + 1], c = r1[2 * o], e = r1[2 * o + 1];
        float best = b > a ? b : a;
        best = c > best ? c : best;
        best = e > best ? e : best;
        /* `rest`: the gradient, until an element has taken it */
        float rest = dy[o];
        d0[2 * o] = a == best ? rest : 0.0f;
        rest = a == best ? 0.0f : rest;
        d0[2 * o + 1] = b == best ? rest : 0.0f;
        rest = b == best ? 0.0f : rest;
        d1[2 * o] = c == best ? rest : 0.0f;
        rest = c == best ? 0.0f : rest;
        d1[2 * o + 1] = rest;
    }
}

static int has_nan(const float *restrict v, int64_t n)
{
    int nan = 0;
    for (int64_t i = 0; i < n; i++)
        nan |= v[i] != v[i];
    return nan;
}

static void pool_bwd_planes(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const pool_job *j = arg;
    int64_t h = j->h, w = j->w, oh = j->oh, ow = j->ow;
    for (int64_t pl = begin; pl < end; pl++) {
        const float *xp = j->x + pl * h * w;
        const float *dyp = j->dy + pl * oh * ow;
        float *dxp = j->out + pl * h * w;
        /* Every element of a window is written (the gradient or 0); only a
         * last odd row or column lies outside all windows. */
        for (int64_t i = 0; i < oh; i++) {
            float *d0 = dxp + 2 * i * w, *d1 = d0 + w;
            const float *r0 = xp + 2 * i * w, *r1 = r0 + w;
            if (has_nan(r0, 2 * w))
                pool_bwd_row_any(r0, r1, dyp + i * ow, d0, d1, ow);
            else
                pool_bwd_row_numbers(r0, r1, dyp + i * ow, d0, d1, ow);
            if (w & 1) {
                d0[w - 1] = 0.0f;
                d1[w - 1] = 0.0f;
            }
        }
        if (h & 1)
            memset(dxp + (h - 1) * w, 0, (size_t)w * sizeof(float));
    }
}

siam_status cpu_maxpool_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    const siam_tensor *xt = &a->t[0];
    int64_t planes = xt->shape[0] * xt->shape[1], h = xt->shape[2], w = xt->shape[3];
    pool_job j = {cpu_f32(xt), NULL, cpu_f32(&a->t[1]), h, w, h / 2, w / 2};
    cpu_parallel_for(cpu_threads_for(ctx, planes * h * w), planes, pool_fwd_planes, &j);
    return SIAM_OK;
}

siam_status cpu_maxpool_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    const siam_tensor *xt = &a->t[0];
    int64_t planes = xt->shape[0] * xt->shape[1], h = xt->shape[2], w = xt->shape[3];
    pool_job j = {cpu_f32(xt), cpu_f32(&a->t[1]), cpu_f32(&a->t[2]), h, w, h / 2, w / 2};
    cpu_parallel_for(cpu_threads_for(ctx, planes * h * w), planes, pool_bwd_planes, &j);
    return SIAM_OK;
}
