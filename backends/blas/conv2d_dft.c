/* conv2d in the frequency domain, for the blas backend (the im2col path is
 * backends/cpu_kernels/conv2d.c).
 *
 * Why: Koch's net has large kernels on small planes (conv2 of koch105: 64 ->
 * 128 channels, 7x7 on 48x48, 78% of the net's FLOPs), so im2col spends
 * C*R*S multiply-adds per output, 1416 MFLOP per image for conv2. In the
 * frequency domain the same convolution costs one complex multiply-add per
 * bin and channel pair, 79 MFLOP per image, plus the transforms.
 *
 * The transforms are DFTs by matrix products, not FFTs: a plane of Koch's
 * sizes is a few dozen points wide, where a DFT matrix product run by
 * OpenBLAS's sgemm/cgemm beats an FFT library many times over per point
 * (FFTW measured 3-5 GFLOP/s on 48x48 planes here), and the product skips
 * the zero padding for free: a 7x7 filter in a 48x48 plane costs 7 rows of
 * work, not 48. A 2D DFT is two products, along the width (real input,
 * NW/2+1 complex outputs: the other half is their conjugate) then along
 * the height (complex, per plane). Where NH factors, the height product of
 * tall planes is split in two smaller ones, one step of an FFT
 * (height_split).
 *
 * The maths (x is H x W, w is R x S; all spectra NH x NW with NH = H,
 * NW = W: every index the products touch stays inside the plane, so the
 * circular convolution is the linear one on the outputs we keep):
 *   forward      Y[n,k] = sum_c X[n,c] conj(W[k,c])   y = IDFT(Y) on OH x OW
 *   data grad    dX[n,c] = sum_k dY[n,k] W[k,c]       dy zero beyond OH x OW
 *   filter grad  dW[k,c] = sum_n conj(dY[n,k]) X[n,c]  dw = IDFT(dW) on R x S
 * (cross-correlation multiplies by the conjugate spectrum; the data gradient
 * is a true convolution). For each of the NH*(NW/2+1) bins these sums are
 * one complex GEMM; spectra are stored bin-major, planes in memory order
 * (image-major), so each bin's matrix is contiguous:
 *   Xs[bin] (nb x C)   Ys[bin] (nb x K)   Ws[bin] (K x C)
 *
 * Work is split across threads by groups of planes or by bins, independent
 * outputs each, so results do not depend on the thread count.
 * Accuracy: each output sums O(NH + NW) rounded products more than im2col's
 * over C*R*S; parity against the reference stays near 1e-13 NMSE.
 */
#include "blas_internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Total workspace of this path; sub-batches are sized to fit it. The
 * weight spectra alone must fit in 3/4 of it, else auto mode keeps im2col:
 * koch105's conv2 needs 79 MB of them, leaving it sub-batches of 26 images
 * (the per-bin products get slower below about 16). */
#define DFT_WS_FLOATS ((int64_t)32 << 20)

/* Planes are transformed in groups of about this many floats of spectrum
 * (150 KB: a group's work stays in L2): 16 planes of 48x48, 83 of 21x21,
 * 426 of 9x9. Per group, the transform along the width is one sgemm and
 * along the height one cgemm, with a transpose in cache between them, so
 * that each bin of the group comes out contiguous and is moved to the
 * spectrum at once (a cache line, not a miss per plane). Measured on
 * koch105 training: one sgemm per row index instead, or one cgemm per
 * plane, spent a third of the time in OpenBLAS's per-call packing. */
#define DFT_GROUP_FLOATS 38400
#define DFT_GROUP_MAX 1024

typedef struct dft_dims {
    cpu_conv_shape sh;
    int64_t nh, nw, half, bins;
    int64_t hp, hq;  /* nh = hp * hq, the factors of the height transform */
    int64_t mats;    /* floats of the four DFT matrices */
    int64_t group;   /* planes per transform group */
    int64_t fixed;   /* floats of weight spectra, matrices and scratch */
    int64_t scratch; /* floats per thread, a 64-byte multiple */
    int64_t nb;      /* images per sub-batch */
} dft_dims;

static int threads_of(const blas_ctx *c)
{
    return c->cpu.threads > 0 ? c->cpu.threads : 1;
}

static int64_t round16(int64_t f) { return (f + 15) / 16 * 16; }

/* The height transform of a plane of NH rows is NH x NH complex products
 * per column; with NH = p q (Cooley-Tukey, one split) it is q products
 * p x p and one q x q, NH (p + q) instead of NH^2 per column: 3.4x fewer
 * for NH = 48 = 8 x 6 (koch105's conv2), 2.1x for 21 = 7 x 3 (conv3). The
 * split with the least p + q, q <= p; q = 1 when NH is prime. */
static void height_factors(int64_t nh, int64_t *p, int64_t *q)
{
    *p = nh;
    *q = 1;
    for (int64_t f = 2; f * f <= nh; f++)
        if (nh % f == 0 && f + nh / f < *p + *q) {
            *q = f;
            *p = nh / f;
        }
}

static dft_dims dims_of_args(const blas_ctx *ctx, const siam_op_args *a)
{
    dft_dims d;
    d.sh = cpu_conv_shape_of(a);
    d.nh = d.sh.h;
    d.nw = d.sh.w;
    d.half = d.nw / 2 + 1;
    d.bins = d.nh * d.half;
    height_factors(d.nh, &d.hp, &d.hq);
    /* Ew (NW x 2 half), Ewi (2 half x NW), Eh and Ehi (NH x NH complex),
     * Eq and Eqi (q of p x p complex), Fq and Fqi (q x q complex) */
    d.mats = round16(d.nw * 2 * d.half) * 2 + round16(2 * d.nh * d.nh) * 2 +
             round16(2 * d.hq * d.hp * d.hp) * 2 + round16(2 * d.hq * d.hq) * 2;
    d.group = DFT_GROUP_FLOATS / (d.nh * 2 * d.half);
    d.group = d.group < 1 ? 1 : d.group > DFT_GROUP_MAX ? DFT_GROUP_MAX : d.group;
    /* per thread: a group's width products, their transpose, height products */
    d.scratch = 3 * round16(d.group * d.nh * 2 * d.half);
    d.fixed = 2 * d.bins * d.sh.k * d.sh.c + d.mats + threads_of(ctx) * d.scratch;
    int64_t per = 2 * d.bins * (d.sh.c + d.sh.k);
    d.nb = (DFT_WS_FLOATS - d.fixed) / per;
    if (ctx->tune.dft_batch > 0 && d.nb > ctx->tune.dft_batch)
        d.nb = ctx->tune.dft_batch;
    if (d.nb < 1)
        d.nb = 1;
    if (d.nb > d.sh.n)
        d.nb = d.sh.n;
    return d;
}

static int64_t workspace_floats(const dft_dims *d)
{
    const cpu_conv_shape *sh = &d->sh;
    return d->fixed + 2 * d->bins * (sh->c + sh->k) * d->nb;
}

/* Whether the split pays for a height transform of in_rows rows (the rest
 * zero) to out_rows rows, in complex multiply-adds per column: the plain
 * product costs out_rows in_rows, the split about p in_rows for B and
 * (whole blocks of p rows of out) q for out. Taken under half the plain
 * count, as its products are smaller and run slower per flop (measured
 * with bench_ops on koch105: 0.56 of the count was 1.3x slower, conv3's
 * outputs); the filter planes (7 of 48 rows in conv2) stay plain. */
static int64_t split_cmacs(const dft_dims *d, int64_t in_rows, int64_t out_rows)
{
    return d->hp * in_rows + (out_rows + d->hp - 1) / d->hp * d->hp * d->hq;
}

static int split_pays(const dft_dims *d, int64_t in_rows, int64_t out_rows)
{
    return d->hq > 1 && 2 * split_cmacs(d, in_rows, out_rows) < in_rows * out_rows;
}

/* Complex multiply-adds per column of a height transform, by the road
 * it takes. */
static int64_t height_cmacs(const dft_dims *d, int64_t in_rows, int64_t out_rows)
{
    return split_pays(d, in_rows, out_rows) ? split_cmacs(d, in_rows, out_rows)
                                            : in_rows * out_rows;
}

/* Cost model for auto mode, in flops per image: im2col's GEMM against this
 * path's per-bin products, counted (1 + 16/nb) times as they run slower
 * with fewer rows nb, and its transforms (width: real, 4 rows cols half;
 * height: 8 half height_cmacs), the weights' shared by the batch. The DFT
 * is taken when the model says it is 1.25x cheaper. Fitted to bench_ops on
 * koch105 (2 cores; im2col time / DFT time, measured against predicted):
 * conv2 1.1/1.33, 3.1/3.8, 6.4/7.1 at 2, 8, 64 images; conv3 0.63/0.49,
 * 1.3/1.44, 3.1/3.3; conv4 0.35/0.28, 0.7/0.86, 2.2/2.2; conv1 0.39/0.6 at
 * 64. So conv2 by DFT from 2 images, conv3 from 8, conv4 from 64 or so,
 * conv1 never. */
static double transform_flops(const dft_dims *d, int64_t rows, int64_t cols, int to_freq)
{
    int64_t height = to_freq ? height_cmacs(d, rows, d->nh) : height_cmacs(d, d->nh, rows);
    return 4.0 * (double)(rows * cols * d->half) + 8.0 * (double)(d->half * height);
}

static int dft_pays(const dft_dims *d)
{
    const cpu_conv_shape *sh = &d->sh;
    double direct = 2.0 * (double)(sh->k * sh->c * sh->r * sh->s) * (double)(sh->oh * sh->ow);
    double dft = 8.0 * (double)(sh->k * sh->c * d->bins) * (1.0 + 16.0 / (double)d->nb) +
                 (double)sh->c * transform_flops(d, sh->h, sh->w, 1) +
                 (double)sh->k * transform_flops(d, sh->oh, sh->ow, 0) +
                 (double)(sh->k * sh->c) * transform_flops(d, sh->r, sh->s, 1) / (double)sh->n;
    return d->fixed <= DFT_WS_FLOATS / 4 * 3 && 5.0 * dft < 4.0 * direct;
}

int blas_conv2d_uses_dft(const blas_ctx *ctx, const siam_op_args *a)
{
    if (ctx->conv_algo == BLAS_CONV_IM2COL)
        return 0;
    dft_dims d = dims_of_args(ctx, a);
    return ctx->conv_algo == BLAS_CONV_DFT || dft_pays(&d);
}

size_t blas_conv2d_dft_workspace(const blas_ctx *ctx, const siam_op_args *a)
{
    dft_dims d = dims_of_args(ctx, a);
    return (size_t)workspace_floats(&d) * sizeof(float);
}

/* ---- DFT matrices ------------------------------------------------------- */

typedef struct dft_mats {
    float *ew;  /* NW x 2half: x row -> half spectrum, (cos, -sin) pairs */
    float *ewi; /* 2half x NW: half spectrum -> real row, weights and 1/(NH*NW) */
    float *eh;  /* NH x NH complex: e^{-2 pi i u i / NH} */
    float *ehi; /* NH x NH complex: e^{+2 pi i u i / NH} */
    float *eq;  /* [n2][k1][n1] complex: e^{-2 pi i k1 (q n1 + n2) / NH} */
    float *eqi; /* the same with + */
    float *fq;  /* q x q complex: e^{-2 pi i k2 n2 / q} */
    float *fqi; /* the same with + */
} dft_mats;

static void angle(int64_t a, int64_t n, double *c, double *s)
{
    const double two_pi = 6.283185307179586476925287;
    double t = two_pi * (double)(a % n) / (double)n; /* reduced: exact phase */
    *c = cos(t);
    *s = sin(t);
}

static void mats_make(const dft_dims *d, float *base, dft_mats *m)
{
    m->ew = base;
    m->ewi = m->ew + round16(d->nw * 2 * d->half);
    m->eh = m->ewi + round16(d->nw * 2 * d->half);
    m->ehi = m->eh + round16(2 * d->nh * d->nh);
    m->eq = m->ehi + round16(2 * d->nh * d->nh);
    m->eqi = m->eq + round16(2 * d->hq * d->hp * d->hp);
    m->fq = m->eqi + round16(2 * d->hq * d->hp * d->hp);
    m->fqi = m->fq + round16(2 * d->hq * d->hq);
    double scale = 1.0 / (double)(d->nh * d->nw), c, s;
    for (int64_t j = 0; j < d->nw; j++)
        for (int64_t v = 0; v < d->half; v++) {
            angle(v * j, d->nw, &c, &s);
            m->ew[j * 2 * d->half + 2 * v] = (float)c;
            m->ew[j * 2 * d->half + 2 * v + 1] = (float)-s;
            /* the bins v and NW-v of a real row are conjugates: count the
             * ones that stand for two */
            double weight = (v == 0 || 2 * v == d->nw) ? scale : 2.0 * scale;
            m->ewi[2 * v * d->nw + j] = (float)(weight * c);
            m->ewi[(2 * v + 1) * d->nw + j] = (float)(-weight * s);
        }
    for (int64_t u = 0; u < d->nh; u++)
        for (int64_t i = 0; i < d->nh; i++) {
            angle(u * i, d->nh, &c, &s);
            m->eh[2 * (u * d->nh + i)] = (float)c;
            m->eh[2 * (u * d->nh + i) + 1] = (float)-s;
            m->ehi[2 * (i * d->nh + u)] = (float)c;
            m->ehi[2 * (i * d->nh + u) + 1] = (float)s;
        }
    int64_t p = d->hp, q = d->hq;
    for (int64_t n2 = 0; n2 < q; n2++)
        for (int64_t k1 = 0; k1 < p; k1++)
            for (int64_t n1 = 0; n1 < p; n1++) {
                angle(k1 * (q * n1 + n2), d->nh, &c, &s);
                int64_t at = 2 * ((n2 * p + k1) * p + n1);
                m->eq[at] = (float)c;
                m->eq[at + 1] = (float)-s;
                m->eqi[at] = (float)c;
                m->eqi[at + 1] = (float)s;
            }
    for (int64_t k2 = 0; k2 < q; k2++)
        for (int64_t n2 = 0; n2 < q; n2++) {
            angle(k2 * n2, q, &c, &s);
            m->fq[2 * (k2 * q + n2)] = (float)c;
            m->fq[2 * (k2 * q + n2) + 1] = (float)-s;
            m->fqi[2 * (k2 * q + n2)] = (float)c;
            m->fqi[2 * (k2 * q + n2) + 1] = (float)s;
        }
}

/* ---- transforms of groups of planes ------------------------------------ */

static const float one_c[2] = {1.0f, 0.0f};

/* C (m x n complex, ld ldc) = op(A) op(B). C is zeroed here and OpenBLAS
 * adds to it (beta 1): given beta 0 it makes a pass of its own over C
 * (cgemm_beta), which took 10% of conv2's time by DFT and costs more than
 * memset (microbenchmark, 48 x 400 and 26 x 128 products: 9% and 8%). */
static void cgemm_set(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int64_t m, int64_t n,
                      int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                      float *c, int64_t ldc)
{
    if (ldc == n)
        memset(c, 0, (size_t)(2 * m * n) * sizeof(float));
    else
        for (int64_t i = 0; i < m; i++)
            memset(c + 2 * i * ldc, 0, (size_t)(2 * n) * sizeof(float));
    cblas_cgemm(CblasRowMajor, ta, tb, (int)m, (int)n, (int)k, one_c, a, (int)lda, b, (int)ldb,
                one_c, c, (int)ldc);
}

/* Complex [a][b][c] -> [b][c][a] (to_freq) and its inverse (from_freq). */
static void rotate_to(const float *in, float *out, int64_t a, int64_t b, int64_t c)
{
    for (int64_t i = 0; i < b; i++)
        for (int64_t k = 0; k < c; k++)
            for (int64_t g = 0; g < a; g++) {
                const float *from = in + 2 * ((g * b + i) * c + k);
                out[2 * ((i * c + k) * a + g)] = from[0];
                out[2 * ((i * c + k) * a + g) + 1] = from[1];
            }
}

static void rotate_from(const float *in, float *out, int64_t a, int64_t b, int64_t c)
{
    for (int64_t g = 0; g < a; g++)
        for (int64_t i = 0; i < b; i++)
            for (int64_t k = 0; k < c; k++) {
                const float *from = in + 2 * ((i * c + k) * a + g);
                out[2 * ((g * b + i) * c + k)] = from[0];
                out[2 * ((g * b + i) * c + k) + 1] = from[1];
            }
}

/* out (out_rows x L complex, rounded up to whole blocks of p rows: out
 * has room for NH) = E (NH x NH, the forward or inverse DFT) in, where in
 * is in_rows x L (rows from in_rows to NH are zero), by the split NH = p q:
 * with n = q n1 + n2 and k = k1 + p k2,
 *   B[n2][k1] = sum_n1 E[k1][q n1 + n2] in[q n1 + n2]   (q products p x p)
 *   out[k1 + p k2] = sum_n2 F[k2][n2] B[n2][k1]         (one product q x q)
 * (E[k1 + p k2][q n1 + n2] = E[k1][q n1 + n2] F[k2][n2]: the rest of the
 * exponent is a multiple of NH). The rows of in that a residue n2 uses are
 * every q-th from n2, a matrix of ld q L; B is laid [n2][k1] so that the
 * second product writes out's rows in order. */
static void height_split(const dft_dims *d, const float *e, const float *f, const float *in,
                         int64_t in_rows, int64_t L, float *b, float *out, int64_t out_rows)
{
    int64_t p = d->hp, q = d->hq;
    for (int64_t n2 = 0; n2 < q; n2++) {
        int64_t used = in_rows > n2 ? (in_rows - n2 + q - 1) / q : 0;
        float *bn = b + 2 * n2 * p * L;
        if (used == 0) {
            memset(bn, 0, (size_t)(2 * p * L) * sizeof(float));
            continue;
        }
        cgemm_set(CblasNoTrans, CblasNoTrans, p, L, used, e + 2 * n2 * p * p, p, in + 2 * n2 * L,
                  q * L, bn, L);
    }
    cgemm_set(CblasNoTrans, CblasNoTrans, (out_rows + p - 1) / p, p * L, q, f, q, b, p * L, out,
              p * L);
}

/* Planes [0, count) of src (rows x cols each, zero-padded to NH x NW) into
 * columns 0.. of a bin-major spectrum with ld complex per bin. A group of
 * gn planes: T[g][i][v] (along the width, one sgemm), T'[i][v][g], then
 * S[u][v][g] (along the height, one cgemm), whose bin (u,v) holds the
 * group's gn columns side by side. */
typedef struct to_freq_job {
    const dft_dims *d;
    const dft_mats *m;
    float *scratch;
    const float *src;
    int64_t rows, cols, count;
    float *spec;
    int64_t ld;
    int split; /* the height transform by height_split */
} to_freq_job;

static void to_freq(void *arg, int64_t begin, int64_t end, int tid)
{
    const to_freq_job *j = arg;
    const dft_dims *d = j->d;
    int64_t h2 = 2 * d->half, part = d->scratch / 3;
    float *t = j->scratch + tid * d->scratch, *t2 = t + part, *s = t2 + part;
    for (int64_t grp = begin; grp < end; grp++) {
        int64_t p0 = grp * d->group;
        int64_t gn = j->count - p0 < d->group ? j->count - p0 : d->group;
        /* along the width: (gn*rows x cols) (cols x 2half) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(gn * j->rows), (int)h2,
                    (int)j->cols, 1.0f, j->src + p0 * j->rows * j->cols, (int)j->cols, j->m->ew,
                    (int)h2, 0.0f, t, (int)h2);
        rotate_to(t, t2, gn, j->rows, d->half);
        /* along the height: (NH x rows) complex (rows x half*gn) */
        if (j->split)
            height_split(d, j->m->eq, j->m->fq, t2, j->rows, d->half * gn, t, s, d->nh);
        else
            cgemm_set(CblasNoTrans, CblasNoTrans, d->nh, d->half * gn, j->rows, j->m->eh, d->nh,
                      t2, d->half * gn, s, d->half * gn);
        for (int64_t b = 0; b < d->bins; b++)
            memcpy(j->spec + 2 * (b * j->ld + p0), s + 2 * b * gn, (size_t)gn * 2 * sizeof(float));
    }
}

/* Columns [0, count) of a bin-major spectrum back to planes: the top-left
 * rows x cols of each, plus bias[p % bias_every] if given, into dst (planes
 * of rows x cols, in order). The reverse road of to_freq. */
typedef struct from_freq_job {
    const dft_dims *d;
    const dft_mats *m;
    float *scratch;
    const float *spec;
    int64_t ld, count;
    float *dst;
    int64_t rows, cols;
    const float *bias;
    int64_t bias_every;
    int split;
} from_freq_job;

static void from_freq(void *arg, int64_t begin, int64_t end, int tid)
{
    const from_freq_job *j = arg;
    const dft_dims *d = j->d;
    int64_t h2 = 2 * d->half, part = d->scratch / 3, plane = j->rows * j->cols;
    float *s = j->scratch + tid * d->scratch, *t2 = s + part, *t = t2 + part;
    for (int64_t grp = begin; grp < end; grp++) {
        int64_t p0 = grp * d->group;
        int64_t gn = j->count - p0 < d->group ? j->count - p0 : d->group;
        for (int64_t b = 0; b < d->bins; b++)
            memcpy(s + 2 * b * gn, j->spec + 2 * (b * j->ld + p0), (size_t)gn * 2 * sizeof(float));
        /* along the height, only the rows kept: (rows x NH) complex (NH x half*gn) */
        if (j->split)
            height_split(d, j->m->eqi, j->m->fqi, s, d->nh, d->half * gn, t, t2, j->rows);
        else
            cgemm_set(CblasNoTrans, CblasNoTrans, j->rows, d->half * gn, d->nh, j->m->ehi, d->nh,
                      s, d->half * gn, t2, d->half * gn);
        rotate_from(t2, t, gn, j->rows, d->half);
        /* along the width into the planes: (gn*rows x 2half) (2half x cols) */
        float *dst = j->dst + p0 * plane;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(gn * j->rows), (int)j->cols,
                    (int)h2, 1.0f, t, (int)h2, j->m->ewi, (int)d->nw, 0.0f, dst, (int)j->cols);
        if (j->bias)
            for (int64_t g = 0; g < gn; g++) {
                float bias = j->bias[(p0 + g) % j->bias_every];
                float *out = dst + g * plane;
                for (int64_t q = 0; q < plane; q++)
                    out[q] += bias;
            }
    }
}

/* ---- per-bin complex GEMMs -------------------------------------------- */

typedef struct bins_job {
    enum CBLAS_TRANSPOSE ta, tb;
    int64_t m, n, k, lda, ldb, ldc;
    const float *a, *b;
    int64_t a_step, b_step, c_step; /* floats between bins */
    int accumulate; /* C += the product, else C = it */
    float *c;
} bins_job;

static void gemm_bins(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const bins_job *g = arg;
    for (int64_t b = begin; b < end; b++) {
        const float *a = g->a + b * g->a_step, *bm = g->b + b * g->b_step;
        float *c = g->c + b * g->c_step;
        if (g->accumulate)
            cblas_cgemm(CblasRowMajor, g->ta, g->tb, (int)g->m, (int)g->n, (int)g->k, one_c, a,
                        (int)g->lda, bm, (int)g->ldb, one_c, c, (int)g->ldc);
        else
            cgemm_set(g->ta, g->tb, g->m, g->n, g->k, a, g->lda, bm, g->ldb, c, g->ldc);
    }
}

/* ---- the three ops ------------------------------------------------------ */

typedef struct dft_run {
    dft_dims d;
    dft_mats m;
    float *ws, *xs, *ys, *scratch; /* K x C spectra, nb x C, nb x K, per thread */
    int threads;
} dft_run;

static void run_open(const blas_ctx *ctx, const siam_op_args *a, dft_run *r)
{
    r->d = dims_of_args(ctx, a);
    r->threads = threads_of(ctx);
    const dft_dims *d = &r->d;
    const cpu_conv_shape *sh = &d->sh;
    r->ws = cpu_f32(&a->workspace);
    r->xs = r->ws + 2 * d->bins * sh->k * sh->c;
    r->ys = r->xs + 2 * d->bins * sh->c * d->nb;
    float *mats = r->ys + 2 * d->bins * sh->k * d->nb;
    mats_make(d, mats, &r->m);
    r->scratch = mats + d->mats;
}

/* `count` planes of rows x cols from src into spec (ld = count). */
static void planes_to_freq(dft_run *r, const float *src, int64_t count, int64_t rows,
                           int64_t cols, float *spec)
{
    to_freq_job j = {&r->d, &r->m, r->scratch, src, rows, cols, count, spec, count,
                     split_pays(&r->d, rows, r->d.nh)};
    cpu_parallel_for(r->threads, (count + r->d.group - 1) / r->d.group, to_freq, &j);
}

static void planes_from_freq(dft_run *r, const float *spec, int64_t count, float *dst,
                             int64_t rows, int64_t cols, const float *bias, int64_t bias_every)
{
    from_freq_job j = {&r->d, &r->m, r->scratch, spec, count, count, dst, rows, cols, bias,
                       bias_every, split_pays(&r->d, r->d.nh, rows)};
    cpu_parallel_for(r->threads, (count + r->d.group - 1) / r->d.group, from_freq, &j);
}

static void run_bins(dft_run *r, bins_job *g)
{
    cpu_parallel_for(r->threads, r->d.bins, gemm_bins, g);
}

siam_status blas_conv2d_dft_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    dft_run r;
    run_open(ctx, a, &r);
    const dft_dims *d = &r.d;
    const cpu_conv_shape *sh = &d->sh;
    const float *x = cpu_f32(&a->t[0]), *b = cpu_f32(&a->t[2]);
    float *y = cpu_f32(&a->t[3]);
    planes_to_freq(&r, cpu_f32(&a->t[1]), sh->k * sh->c, sh->r, sh->s, r.ws);
    for (int64_t n0 = 0; n0 < sh->n; n0 += d->nb) {
        int64_t nb = sh->n - n0 < d->nb ? sh->n - n0 : d->nb;
        planes_to_freq(&r, x + n0 * sh->c * sh->h * sh->w, nb * sh->c, sh->h, sh->w, r.xs);
        /* Ys (nb x K) = Xs (nb x C) Ws^H (C x K) */
        bins_job g = {CblasNoTrans, CblasConjTrans, nb, sh->k, sh->c, sh->c, sh->c, sh->k,
                      r.xs, r.ws,
                      2 * nb * sh->c, 2 * sh->k * sh->c, 2 * nb * sh->k, 0, r.ys};
        run_bins(&r, &g);
        planes_from_freq(&r, r.ys, nb * sh->k, y + n0 * sh->k * sh->oh * sh->ow, sh->oh, sh->ow, b,
                         sh->k);
    }
    return SIAM_OK;
}

siam_status blas_conv2d_dft_bwd_data(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    dft_run r;
    run_open(ctx, a, &r);
    const dft_dims *d = &r.d;
    const cpu_conv_shape *sh = &d->sh;
    const float *dy = cpu_f32(&a->t[0]);
    float *dx = cpu_f32(&a->t[2]);
    planes_to_freq(&r, cpu_f32(&a->t[1]), sh->k * sh->c, sh->r, sh->s, r.ws);
    for (int64_t n0 = 0; n0 < sh->n; n0 += d->nb) {
        int64_t nb = sh->n - n0 < d->nb ? sh->n - n0 : d->nb;
        planes_to_freq(&r, dy + n0 * sh->k * sh->oh * sh->ow, nb * sh->k, sh->oh, sh->ow, r.ys);
        /* dXs (nb x C) = dYs (nb x K) Ws (K x C), in the Xs area */
        bins_job g = {CblasNoTrans, CblasNoTrans, nb, sh->c, sh->k, sh->k, sh->c, sh->c, r.ys, r.ws,
                      2 * nb * sh->k, 2 * sh->k * sh->c, 2 * nb * sh->c, 0, r.xs};
        run_bins(&r, &g);
        planes_from_freq(&r, r.xs, nb * sh->c, dx + n0 * sh->c * sh->h * sh->w, sh->h, sh->w,
                         NULL, 1);
    }
    return SIAM_OK;
}

siam_status blas_conv2d_dft_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)err;
    dft_run r;
    run_open(ctx, a, &r);
    const dft_dims *d = &r.d;
    const cpu_conv_shape *sh = &d->sh;
    const float *x = cpu_f32(&a->t[0]), *dy = cpu_f32(&a->t[1]);
    for (int64_t n0 = 0; n0 < sh->n; n0 += d->nb) {
        int64_t nb = sh->n - n0 < d->nb ? sh->n - n0 : d->nb;
        planes_to_freq(&r, x + n0 * sh->c * sh->h * sh->w, nb * sh->c, sh->h, sh->w, r.xs);
        planes_to_freq(&r, dy + n0 * sh->k * sh->oh * sh->ow, nb * sh->k, sh->oh, sh->ow, r.ys);
        /* dWs (K x C) (+)= dYs^H (K x nb) Xs (nb x C), in the Ws area */
        bins_job g = {CblasConjTrans, CblasNoTrans, sh->k, sh->c, nb, sh->k, sh->c, sh->c,
                      r.ys, r.xs,
                      2 * nb * sh->k, 2 * nb * sh->c, 2 * sh->k * sh->c, n0 > 0,
                      r.ws};
        run_bins(&r, &g);
    }
    planes_from_freq(&r, r.ws, sh->k * sh->c, cpu_f32(&a->t[2]), sh->r, sh->s, NULL, 1);
    cpu_conv2d_bias_grad(ctx, dy, sh->n, sh->k, sh->oh * sh->ow, cpu_f32(&a->t[3]));
    return SIAM_OK;
}
