/* conv2d on the CPU: im2col + GEMM over sub-batches, valid padding, stride 1.
 *
 * x is (N,C,H,W), w is (K,C,R,S), y is (N,K,OH,OW) with OH = H-R+1, P = OH*OW.
 * A sub-batch of nb images is unfolded into one col matrix of shape
 * (C*R*S, nb*P): row (c,r,s), column (n,oh,ow) holds x[n][c][oh+r][ow+s]
 * (darknet/Caffe order). Then, with Y' the (K, nb*P) matrix of outputs:
 *   forward      Y'  = w (K x CRS) * col            then y[n][k][p] = Y'[k][n*P+p] + b[k]
 *   filter grad  dw += dY' * col^T  (K x CRS)       sub-batches in order
 *   data grad    dcol = w^T * dY'   (CRS x nb*P)    then col2im into dx
 * One large GEMM per sub-batch keeps the threads busy (they split its
 * columns) and amortises packing; nb is sized so the workspace stays under
 * CONV_WS_FLOATS. The GEMM is the context's (cpu_gemm); with the reference
 * one, results do not depend on the thread count.
 */
#include "cpu_kernels.h"

#include <string.h>

/* 64 MB: koch105's conv2 unfolds 23 MB per image, so 2 images per GEMM,
 * conv1 10. Training speed measured the same as with 192 MB (bench_train,
 * batch 32, within the noise), and peak memory at batch 128 is 130 MB less. */
#define CONV_WS_FLOATS ((int64_t)16 << 20)

typedef struct conv_dims {
    int64_t n, c, h, w, k, r, s, oh, ow, crs, p, nb;
    int per_image; /* forward and filter gradient one image at a time (below) */
    int64_t band;  /* per image: output rows per GEMM */
} conv_dims;

/* Large planes with a small unfolded image (conv1 of koch105: 9216 output
 * positions, 100 taps, 3.7 MB unfolded) run one image at a time, images
 * spread over the threads, each unfolding into its own buffer a band of
 * output rows at a time (CONV_BAND_FLOATS of col: 13 rows of conv1) and
 * running the GEMM on it: the band is packed by the GEMM while still in
 * L2, instead of streaming a col matrix through memory twice (conv1
 * forward measured memory-bound at 52 GFLOP/s with whole sub-batches, its
 * filter gradient 75 GFLOP/s with whole images). The filter gradient sums
 * images in CONV_SLOTS fixed slots (image i in slot i % CONV_SLOTS), added
 * in slot order at the end, so results do not depend on the thread count. */
#define CONV_PER_IMAGE_MIN_P 1024
#define CONV_PER_IMAGE_MAX_COL ((int64_t)4 << 20)
#define CONV_SLOTS 4
#define CONV_BAND_FLOATS ((int64_t)128 << 10)

static int threads_of(const cpu_ctx *c) { return c->threads > 0 ? c->threads : 1; }

/* x: a (N,C,H,W) tensor; w: a (K,C,R,S) one. */
static conv_dims dims_of(const siam_tensor *x, const siam_tensor *w)
{
    conv_dims d;
    d.n = x->shape[0];
    d.c = x->shape[1];
    d.h = x->shape[2];
    d.w = x->shape[3];
    d.k = w->shape[0];
    d.r = w->shape[2];
    d.s = w->shape[3];
    d.oh = d.h - d.r + 1;
    d.ow = d.w - d.s + 1;
    d.crs = d.c * d.r * d.s;
    d.p = d.oh * d.ow;
    int64_t per = (d.crs + d.k) * d.p;
    d.nb = CONV_WS_FLOATS / (per > 0 ? per : 1);
    if (d.nb < 1)
        d.nb = 1;
    if (d.nb > d.n)
        d.nb = d.n;
    d.per_image = d.p >= CONV_PER_IMAGE_MIN_P && d.crs * d.p <= CONV_PER_IMAGE_MAX_COL;
    d.band = CONV_BAND_FLOATS / (d.crs * d.ow > 0 ? d.crs * d.ow : 1);
    d.band = d.band < 1 ? 1 : d.band > d.oh ? d.oh : d.band;
    return d;
}

/* The conv's x and w, whichever op the args describe. */
static conv_dims dims_of_args(const siam_op_args *a)
{
    if (a->op == SIAM_OP_CONV2D_BWD_DATA)
        return dims_of(&a->t[2], &a->t[1]);
    if (a->op == SIAM_OP_CONV2D_BWD_FILTER)
        return dims_of(&a->t[0], &a->t[2]);
    return dims_of(&a->t[0], &a->t[1]);
}

cpu_conv_shape cpu_conv_shape_of(const siam_op_args *a)
{
    conv_dims d = dims_of_args(a);
    return (cpu_conv_shape){d.n, d.c, d.h, d.w, d.k, d.r, d.s, d.oh, d.ow};
}

/* Per-image mode: CONV_SLOTS unfolded bands, each with its slot's partial
 * filter gradient, then the GEMM packing. */
static int64_t per_image_slot_floats(const conv_dims *d)
{
    return d->crs * d->band * d->ow + d->k * d->crs;
}

/* A slot's partial filter gradient, after its unfolded band. */
static float *slot_partial(float *ws, const conv_dims *d, int64_t slot)
{
    return ws + slot * per_image_slot_floats(d) + d->crs * d->band * d->ow;
}

size_t cpu_conv2d_im2col_workspace(const cpu_ctx *ctx, const siam_op_args *a)
{
    conv_dims d = dims_of_args(a);
    int64_t floats = (d.crs + d.k) * d.nb * d.p;
    int64_t slots = CONV_SLOTS * per_image_slot_floats(&d);
    if (d.per_image && a->op != SIAM_OP_CONV2D_BWD_DATA && slots > floats)
        floats = slots;
    int packs = threads_of(ctx) > CONV_SLOTS ? threads_of(ctx) : CONV_SLOTS;
    floats += (int64_t)packs * CPU_GEMM_PACK_FLOATS;
    return (size_t)floats * sizeof(float);
}

/* Output rows [oh0, oh0 + rows) of image xn unfolded into rows*OW columns
 * of col (CRS rows of stride ld). */
static void unfold_band(const conv_dims *d, const float *xn, int64_t oh0, int64_t rows,
                        float *col, int64_t ld)
{
    for (int64_t c = 0; c < d->c; c++)
        for (int64_t r = 0; r < d->r; r++)
            for (int64_t s = 0; s < d->s; s++) {
                float *row = col + ((c * d->r + r) * d->s + s) * ld;
                for (int64_t i = 0; i < rows; i++)
                    memcpy(row + i * d->ow, xn + (c * d->h + oh0 + i + r) * d->w + s,
                           (size_t)d->ow * sizeof(float));
            }
}

typedef struct unfold_job {
    const conv_dims *d;
    const float *x;      /* first image of the sub-batch */
    float *col;          /* (CRS, nb*P) */
    int64_t cols;        /* nb*P: the row stride of col */
    int fold;            /* 0: im2col, 1: col2im (adds into zeroed x) */
} unfold_job;

static void unfold_images(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const unfold_job *j = arg;
    const conv_dims *d = j->d;
    for (int64_t n = begin; n < end; n++) {
        float *xn = (float *)j->x + n * d->c * d->h * d->w;
        if (!j->fold) {
            unfold_band(d, xn, 0, d->oh, j->col + n * d->p, j->cols);
            continue;
        }
        for (int64_t c = 0; c < d->c; c++)
            for (int64_t r = 0; r < d->r; r++)
                for (int64_t s = 0; s < d->s; s++) {
                    const float *row = j->col + ((c * d->r + r) * d->s + s) * j->cols + n * d->p;
                    for (int64_t oh = 0; oh < d->oh; oh++) {
                        float *px = xn + (c * d->h + oh + r) * d->w + s;
                        const float *pc = row + oh * d->ow;
                        for (int64_t ow = 0; ow < d->ow; ow++)
                            px[ow] += pc[ow];
                    }
                }
    }
}

static void unfold(const cpu_ctx *ctx, const conv_dims *d, const float *x, float *col, int64_t nb,
                   int fold)
{
    unfold_job j = {d, x, col, nb * d->p, fold};
    /* Images own disjoint columns of col and disjoint planes of x. */
    cpu_parallel_for(threads_of(ctx), nb, unfold_images, &j);
}

/* Per-image work: slot s takes images s, s + CONV_SLOTS, ... in order. */
typedef struct image_job {
    const cpu_ctx *ctx;
    const conv_dims *d;
    const float *x, *w, *b, *dy;
    float *y;        /* forward output */
    float *ws;       /* CONV_SLOTS slots of per_image_slot_floats, then packing */
    int filter_grad; /* 0: forward, 1: filter gradient into the slot's partial */
} image_job;

static void images_of_slots(void *arg, int64_t begin, int64_t end, int tid)
{
    const image_job *j = arg;
    const conv_dims *d = j->d;
    float *pack = j->ws + CONV_SLOTS * per_image_slot_floats(d) + tid * CPU_GEMM_PACK_FLOATS;
    for (int64_t slot = begin; slot < end; slot++) {
        float *col = j->ws + slot * per_image_slot_floats(d), *partial = slot_partial(j->ws, d, slot);
        for (int64_t n = slot; n < d->n; n += CONV_SLOTS)
            for (int64_t oh0 = 0; oh0 < d->oh; oh0 += d->band) {
                int64_t rows = d->oh - oh0 < d->band ? d->oh - oh0 : d->band;
                int64_t cols = rows * d->ow, at = n * d->k * d->p + oh0 * d->ow;
                unfold_band(d, j->x + n * d->c * d->h * d->w, oh0, rows, col, cols);
                if (!j->filter_grad) {
                    /* y[n] band (K x cols, ld P) = w (K x CRS) * col (CRS x cols), + bias */
                    float *yb = j->y + at;
                    cpu_gemm(j->ctx, 1, 0, 0, d->k, cols, d->crs, j->w, d->crs, col, cols, 0.0f,
                             yb, d->p, pack);
                    if (j->b)
                        for (int64_t k = 0; k < d->k; k++)
                            for (int64_t p = 0; p < cols; p++)
                                yb[k * d->p + p] += j->b[k];
                } else {
                    /* partial (K x CRS) (+)= dy[n] band (K x cols) * col^T (cols x CRS) */
                    int first = n == slot && oh0 == 0;
                    cpu_gemm(j->ctx, 1, 0, 1, d->k, d->crs, cols, j->dy + at, d->p, col, cols,
                             first ? 0.0f : 1.0f, partial, d->crs, pack);
                }
            }
    }
}

/* Runs the job over its slots; returns how many there are. */
static int64_t run_per_image(const cpu_ctx *ctx, image_job *j)
{
    int64_t slots = j->d->n < CONV_SLOTS ? j->d->n : CONV_SLOTS;
    cpu_parallel_for(threads_of(ctx), slots, images_of_slots, j);
    return slots;
}

siam_status cpu_conv2d_im2col_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    conv_dims d = dims_of(&a->t[0], &a->t[1]);
    if (d.per_image) {
        image_job j = {ctx, &d, cpu_f32(&a->t[0]), cpu_f32(&a->t[1]), cpu_f32(&a->t[2]), NULL,
                       cpu_f32(&a->t[3]), cpu_f32(&a->workspace), 0};
        run_per_image(ctx, &j);
        return SIAM_OK;
    }
    const float *x = cpu_f32(&a->t[0]), *w = cpu_f32(&a->t[1]), *b = cpu_f32(&a->t[2]);
    float *y = cpu_f32(&a->t[3]);
    float *col = cpu_f32(&a->workspace), *yt = col + d.crs * d.nb * d.p, *pack = yt + d.k * d.nb * d.p;
    for (int64_t n0 = 0; n0 < d.n; n0 += d.nb) {
        int64_t nb = d.n - n0 < d.nb ? d.n - n0 : d.nb, cols = nb * d.p;
        unfold(ctx, &d, x + n0 * d.c * d.h * d.w, col, nb, 0);
        cpu_gemm(ctx, threads_of(ctx), 0, 0, d.k, cols, d.crs, w, d.crs, col, cols, 0.0f, yt, cols,
                 pack);
        for (int64_t n = 0; n < nb; n++)
            for (int64_t k = 0; k < d.k; k++) {
                float *dst = y + ((n0 + n) * d.k + k) * d.p;
                const float *src = yt + k * cols + n * d.p;
                float bias = b ? b[k] : 0.0f;
                for (int64_t p = 0; p < d.p; p++)
                    dst[p] = src[p] + bias;
            }
    }
    return SIAM_OK;
}

/* dY' (K, nb*P) from dy (N,K,P) for images n0..n0+nb-1. */
static void gather_dy(const conv_dims *d, const float *dy, int64_t n0, int64_t nb, float *dyt)
{
    for (int64_t n = 0; n < nb; n++)
        for (int64_t k = 0; k < d->k; k++)
            memcpy(dyt + k * nb * d->p + n * d->p, dy + ((n0 + n) * d->k + k) * d->p,
                   (size_t)d->p * sizeof(float));
}

siam_status cpu_conv2d_im2col_bwd_data(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    conv_dims d = dims_of(&a->t[2], &a->t[1]);
    const float *dy = cpu_f32(&a->t[0]), *w = cpu_f32(&a->t[1]);
    float *dx = cpu_f32(&a->t[2]);
    float *col = cpu_f32(&a->workspace), *dyt = col + d.crs * d.nb * d.p, *pack = dyt + d.k * d.nb * d.p;
    memset(dx, 0, (size_t)(d.n * d.c * d.h * d.w) * sizeof(float));
    for (int64_t n0 = 0; n0 < d.n; n0 += d.nb) {
        int64_t nb = d.n - n0 < d.nb ? d.n - n0 : d.nb, cols = nb * d.p;
        gather_dy(&d, dy, n0, nb, dyt);
        /* dcol (CRS x cols) = w^T (CRS x K) * dY' (K x cols) */
        cpu_gemm(ctx, threads_of(ctx), 1, 0, d.crs, cols, d.k, w, d.crs, dyt, cols, 0.0f, col, cols,
                 pack);
        unfold(ctx, &d, dx + n0 * d.c * d.h * d.w, col, nb, 1);
    }
    return SIAM_OK;
}

siam_status cpu_conv2d_im2col_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    conv_dims d = dims_of(&a->t[0], &a->t[2]);
    const float *x = cpu_f32(&a->t[0]), *dy = cpu_f32(&a->t[1]);
    float *dw = cpu_f32(&a->t[2]), *db = cpu_f32(&a->t[3]);
    if (d.per_image) {
        image_job j = {ctx, &d, x, NULL, NULL, dy, NULL, cpu_f32(&a->workspace), 1};
        int64_t slots = run_per_image(ctx, &j), kcrs = d.k * d.crs;
        for (int64_t slot = 0; slot < slots; slot++) {
            const float *partial = slot_partial(j.ws, &d, slot);
            for (int64_t i = 0; i < kcrs; i++)
                dw[i] = slot == 0 ? partial[i] : dw[i] + partial[i];
        }
        cpu_conv2d_bias_grad(ctx, dy, d.n, d.k, d.p, db);
        return SIAM_OK;
    }
    float *col = cpu_f32(&a->workspace), *dyt = col + d.crs * d.nb * d.p, *pack = dyt + d.k * d.nb * d.p;
    for (int64_t n0 = 0; n0 < d.n; n0 += d.nb) {
        int64_t nb = d.n - n0 < d.nb ? d.n - n0 : d.nb, cols = nb * d.p;
        unfold(ctx, &d, x + n0 * d.c * d.h * d.w, col, nb, 0);
        gather_dy(&d, dy, n0, nb, dyt);
        /* dw (K x CRS) (+)= dY' (K x cols) * col^T (cols x CRS) */
        cpu_gemm(ctx, threads_of(ctx), 0, 1, d.k, d.crs, cols, dyt, cols, col, cols,
                 n0 == 0 ? 0.0f : 1.0f, dw, d.crs, pack);
    }
    cpu_conv2d_bias_grad(ctx, dy, d.n, d.k, d.p, db);
    return SIAM_OK;
}

typedef struct bias_job {
    const float *dy;
    int64_t n, k, p;
    float *db;
} bias_job;

/* Channels [begin, end): each summed by one thread, in 8 interleaved double
 * partial sums (one chain of dependent adds was latency-bound: 4% of a
 * koch105 training step), added in a fixed order, so the result does not
 * depend on the thread count. */
static void bias_channels(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const bias_job *j = arg;
    for (int64_t c = begin; c < end; c++) {
        double part[8] = {0};
        for (int64_t i = 0; i < j->n; i++) {
            const float *v = j->dy + (i * j->k + c) * j->p;
            int64_t q = 0;
            for (; q + 8 <= j->p; q += 8)
                for (int u = 0; u < 8; u++)
                    part[u] += v[q + u];
            for (; q < j->p; q++)
                part[q % 8] += v[q];
        }
        double s = 0.0;
        for (int u = 0; u < 8; u++)
            s += part[u];
        j->db[c] = (float)s;
    }
}

void cpu_conv2d_bias_grad(const cpu_ctx *ctx, const float *dy, int64_t n, int64_t k, int64_t p,
                          float *db)
{
    if (!db)
        return;
    bias_job j = {dy, n, k, p, db};
    cpu_parallel_for(cpu_threads_for(ctx, n * k * p), k, bias_channels, &j);
}
