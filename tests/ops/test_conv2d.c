/* conv2d: forward against hand-computed values, backward (data, filter,
 * bias) against finite differences of a double-precision reference. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static void forward_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    /* x = 1..9 in a 3x3 plane, w = [[1,2],[3,4]], b = 0.5:
     * y[0][0] = 1*1 + 2*2 + 3*4 + 4*5 + 0.5 = 37.5, and so on. */
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 2, 3, 4}, b[1] = {0.5f};
    int64_t xs[4] = {1, 1, 3, 3}, ws[4] = {1, 1, 2, 2}, bs[1] = {1}, ys[4] = {1, 1, 2, 2};
    siam_op_args a = {.op = SIAM_OP_CONV2D_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 4, xs, x);
    a.t[1] = h_make(&h, SIAM_F32, 4, ws, w);
    a.t[2] = h_make(&h, SIAM_F32, 1, bs, b);
    a.t[3] = h_make(&h, SIAM_F32, 4, ys, NULL);
    h_run(&h, &a);
    float y[4];
    h_read(&h, &a.t[3], y);
    const float want[4] = {37.5f, 47.5f, 67.5f, 77.5f};
    for (int i = 0; i < 4; i++)
        assert_float_equal(y[i], want[i], 1e-6);
    /* Without bias, and two input channels: the second channel's plane is
     * all ones with w2 = [[1,1],[1,1]], adding 4 to every output. */
    const float x2[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const float w2[8] = {1, 2, 3, 4, 1, 1, 1, 1};
    int64_t xs2[4] = {1, 2, 3, 3}, ws2[4] = {1, 2, 2, 2};
    siam_op_args a2 = {.op = SIAM_OP_CONV2D_FWD};
    a2.t[0] = h_make(&h, SIAM_F32, 4, xs2, x2);
    a2.t[1] = h_make(&h, SIAM_F32, 4, ws2, w2);
    a2.t[3] = h_make(&h, SIAM_F32, 4, ys, NULL);
    h_run(&h, &a2);
    h_read(&h, &a2.t[3], y);
    for (int i = 0; i < 4; i++)
        assert_float_equal(y[i], want[i] - 0.5f + 4.0f, 1e-6);
    h_close(&h);
}

/* The fused activation (p.layer.act): the same 3x3 case with b = -50 gives
 * -13, -3, 17, 27 before it; relu keeps the two positive ones,
 * sigmoid gives 1/(1+e^13) ... An unknown activation is refused. */
static void forward_with_fused_activation(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 2, 3, 4}, b[1] = {-50.0f};
    int64_t xs[4] = {1, 1, 3, 3}, ws[4] = {1, 1, 2, 2}, bs[1] = {1}, ys[4] = {1, 1, 2, 2};
    siam_op_args a = {.op = SIAM_OP_CONV2D_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 4, xs, x);
    a.t[1] = h_make(&h, SIAM_F32, 4, ws, w);
    a.t[2] = h_make(&h, SIAM_F32, 1, bs, b);
    a.t[3] = h_make(&h, SIAM_F32, 4, ys, NULL);
    const double pre[4] = {-13, -3, 17, 27};
    float y[4];
    a.p.layer.act = SIAM_ACT_RELU;
    h_run(&h, &a);
    h_read(&h, &a.t[3], y);
    for (int i = 0; i < 4; i++)
        assert_float_equal(y[i], pre[i] > 0 ? pre[i] : 0.0, 1e-6);
    a.p.layer.act = SIAM_ACT_SIGMOID;
    h_run(&h, &a);
    h_read(&h, &a.t[3], y);
    for (int i = 0; i < 4; i++)
        assert_float_equal(y[i], 1.0 / (1.0 + exp(-pre[i])), 1e-7);
    a.p.layer.act = (siam_activation)3;
    assert_int_equal(siam_backend_run(h.be, &a, &h.err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(h.err.msg, "unknown activation"));
    h_close(&h);
}

/* Odd sizes on purpose: N=2, C=3, 7x6 input, K=4 filters of 3x2. */
enum { N = 2, C = 3, H = 7, W = 6, K = 4, R = 3, S = 2, OH = H - R + 1, OW = W - S + 1 };
enum { NX = N * C * H * W, NW = K * C * R * S, NY = N * K * OH * OW };

typedef struct ref {
    double x[NX], w[NW], b[K], r[NY];
    int which; /* 0: vary x, 1: vary w, 2: vary b */
} ref;

static double conv_loss(const double *v, void *p)
{
    ref *c = p;
    const double *x = c->which == 0 ? v : c->x, *w = c->which == 1 ? v : c->w;
    const double *b = c->which == 2 ? v : c->b;
    double L = 0;
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            for (int i = 0; i < OH; i++)
                for (int j = 0; j < OW; j++) {
                    double y = b[k];
                    for (int ch = 0; ch < C; ch++)
                        for (int r = 0; r < R; r++)
                            for (int s = 0; s < S; s++)
                                y += x[((n * C + ch) * H + i + r) * W + j + s] *
                                     w[((k * C + ch) * R + r) * S + s];
                    L += y * c->r[((n * K + k) * OH + i) * OW + j];
                }
    return L;
}

static void backward_vs_finite_differences(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    static float x[NX], w[NW], b[K], r[NY], dx[NX], dw[NW], db[K], y[NY];
    h_uniform(x, NX, 1, -1, 1);
    h_uniform(w, NW, 2, -1, 1);
    h_uniform(b, K, 3, -1, 1);
    h_uniform(r, NY, 4, -1, 1);
    int64_t xs[4] = {N, C, H, W}, wsh[4] = {K, C, R, S}, bs[1] = {K}, ys[4] = {N, K, OH, OW};
    siam_tensor tx = h_make(&h, SIAM_F32, 4, xs, x), tw = h_make(&h, SIAM_F32, 4, wsh, w);
    siam_tensor tb = h_make(&h, SIAM_F32, 1, bs, b), tr = h_make(&h, SIAM_F32, 4, ys, r);
    siam_tensor ty = h_make(&h, SIAM_F32, 4, ys, NULL);
    siam_tensor tdx = h_make(&h, SIAM_F32, 4, xs, NULL), tdw = h_make(&h, SIAM_F32, 4, wsh, NULL);
    siam_tensor tdb = h_make(&h, SIAM_F32, 1, bs, NULL);

    siam_op_args f = {.op = SIAM_OP_CONV2D_FWD, .t = {tx, tw, tb, ty}};
    h_run(&h, &f);
    siam_op_args bd = {.op = SIAM_OP_CONV2D_BWD_DATA, .t = {tr, tw, tdx}};
    h_run(&h, &bd);
    siam_op_args bf = {.op = SIAM_OP_CONV2D_BWD_FILTER, .t = {tx, tr, tdw, tdb}};
    h_run(&h, &bf);
    h_read(&h, &ty, y);
    h_read(&h, &tdx, dx);
    h_read(&h, &tdw, dw);
    h_read(&h, &tdb, db);

    ref *c = calloc(1, sizeof *c);
    for (int i = 0; i < NX; i++) c->x[i] = x[i];
    for (int i = 0; i < NW; i++) c->w[i] = w[i];
    for (int i = 0; i < K; i++) c->b[i] = b[i];
    for (int i = 0; i < NY; i++) c->r[i] = r[i];
    /* The forward itself against the reference: L = sum(r*y). */
    double L = 0;
    for (int i = 0; i < NY; i++)
        L += (double)r[i] * y[i];
    assert_float_equal(L, conv_loss(c->x, c), 1e-4 * (1 + fabs(L)));
    /* Tolerance: float32 accumulation over C*R*S = 18 and N*OH*OW = 50 terms. */
    c->which = 0;
    h_fd_check(conv_loss, c, x, NX, dx, 1e-5, 1e-4, "conv2d dx");
    c->which = 1;
    h_fd_check(conv_loss, c, w, NW, dw, 1e-5, 1e-4, "conv2d dw");
    c->which = 2;
    h_fd_check(conv_loss, c, b, K, db, 1e-5, 1e-4, "conv2d db");
    free(c);
    h_close(&h);
}

/* The forward and the filter and bias gradients of one shape on 1, 2 and 4
 * threads. */
static void same_on_any_thread_count(int64_t n, int64_t c, int64_t hh, int64_t ww, int64_t k,
                                     int64_t r)
{
    int64_t oh = hh - r + 1, ow = ww - r + 1, nx = n * c * hh * ww, nw = k * c * r * r;
    int64_t ny = n * k * oh * ow;
    float *x = malloc((size_t)nx * 4), *w = malloc((size_t)nw * 4), *dy = malloc((size_t)ny * 4);
    float *y[3], *dw[3], db[3][64];
    assert_true(k <= 64);
    assert_non_null(x && w && dy);
    h_uniform(x, nx, 5, -1, 1);
    h_uniform(w, nw, 6, -1, 1);
    h_uniform(dy, ny, 7, -1, 1);
    int64_t xs[4] = {n, c, hh, ww}, wsh[4] = {k, c, r, r}, ys[4] = {n, k, oh, ow}, bs[1] = {k};
    const int threads[3] = {1, 2, 4};
    for (int t = 0; t < 3; t++) {
        harness h;
        memset(&h, 0, sizeof h);
        assert_int_equal(siam_backend_open(h_backend_name(), threads[t], &h.be, &h.err), SIAM_OK);
        siam_op_args a = {.op = SIAM_OP_CONV2D_FWD};
        a.t[0] = h_make(&h, SIAM_F32, 4, xs, x);
        a.t[1] = h_make(&h, SIAM_F32, 4, wsh, w);
        a.t[3] = h_make(&h, SIAM_F32, 4, ys, NULL);
        h_run(&h, &a);
        y[t] = malloc((size_t)ny * 4);
        h_read(&h, &a.t[3], y[t]);
        siam_op_args g = {.op = SIAM_OP_CONV2D_BWD_FILTER};
        g.t[0] = a.t[0];
        g.t[1] = h_make(&h, SIAM_F32, 4, ys, dy);
        g.t[2] = h_make(&h, SIAM_F32, 4, wsh, NULL);
        g.t[3] = h_make(&h, SIAM_F32, 1, bs, NULL);
        h_run(&h, &g);
        dw[t] = malloc((size_t)nw * 4);
        h_read(&h, &g.t[2], dw[t]);
        h_read(&h, &g.t[3], db[t]);
        h_close(&h);
    }
    for (int t = 1; t < 3; t++) {
        assert_memory_equal(y[0], y[t], (size_t)ny * 4);
        assert_memory_equal(dw[0], dw[t], (size_t)nw * 4);
        assert_memory_equal(db[0], db[t], (size_t)k * 4);
    }
    for (int t = 0; t < 3; t++)
        free(y[t]), free(dw[t]);
    free(x), free(w), free(dy);
}

static void thread_count_does_not_change_results(void **state)
{
    (void)state;
    /* The reference backend promises bit-identical results for any thread
     * count: sub-batched im2col, then large planes (one image at a time, 6
     * images over 4 slots, in one and two bands). The blas backend does not: OpenBLAS picks its
     * kernel by the shape of each thread's share of a GEMM. */
    if (strcmp(h_backend_name(), "cpu") != 0)
        skip();
    same_on_any_thread_count(3, 5, 19, 17, 20, 4);
    same_on_any_thread_count(6, 1, 40, 37, 8, 5);
    same_on_any_thread_count(6, 1, 50, 47, 4, 10); /* in two bands of rows */
    same_on_any_thread_count(4, 2, 40, 40, 16, 3); /* db over the threads too */
}

/* A graph sizes one workspace at its largest batch and runs smaller ones in
 * it; a backend whose algorithm depends on the batch (blas: the DFT pays
 * on many images, im2col on few) must still fit. A shape where blas takes
 * the DFT at 64 images and im2col at 8 (checked, so that a change of its
 * cost model cannot leave this test testing nothing); each op, against
 * the same op in a workspace of its own. */

/* The blas backend's path for these args (2 DFT, 1 im2col), or 0 when the
 * backend has no such extension or a path is forced by SIAMESE_BLAS_CONV. */
static int blas_path(harness *h, const siam_op_args *a)
{
    const siam_backend_iface *iface = siam_backend_get_iface(h->be);
    const char *forced = getenv("SIAMESE_BLAS_CONV");
    void *fn = iface->get_proc_address
                   ? iface->get_proc_address(siam_backend_get_ctx(h->be), "siam_blas_conv_path")
                   : NULL;
    if (!fn || (forced && *forced && strcmp(forced, "auto") != 0))
        return 0;
    int (*path)(void *, const siam_op_args *);
    memcpy(&path, &fn, sizeof path);
    return path(siam_backend_get_ctx(h->be), a);
}

static void smaller_batch_fits_the_larger_workspace(void **state)
{
    (void)state;
    enum { big = 64, small = 8, c = 8, hw = 13, k = 16, r = 9, o = hw - r + 1 };
    int64_t xs[4] = {big, c, hw, hw}, wsh[4] = {k, c, r, r}, ys[4] = {big, k, o, o}, bs[1] = {k};
    static float x[big * c * hw * hw], w[k * c * r * r], dy[big * k * o * o];
    static float out1[big * c * hw * hw], out2[big * c * hw * hw];
    h_uniform(x, big * c * hw * hw, 11, -1, 1);
    h_uniform(w, k * c * r * r, 12, -0.1, 0.1);
    h_uniform(dy, big * k * o * o, 13, -1, 1);
    for (int op = SIAM_OP_CONV2D_FWD; op <= SIAM_OP_CONV2D_BWD_FILTER; op++) {
        harness h;
        h_open(&h, NULL);
        siam_op_args a = {.op = (siam_op)op};
        int out, batched[3];
        if (op == SIAM_OP_CONV2D_FWD) {
            a.t[0] = h_make(&h, SIAM_F32, 4, xs, x);
            a.t[1] = h_make(&h, SIAM_F32, 4, wsh, w);
            a.t[2] = h_make(&h, SIAM_F32, 1, bs, NULL);
            a.t[3] = h_make(&h, SIAM_F32, 4, ys, NULL);
            out = 3, batched[0] = 0, batched[1] = 3, batched[2] = -1;
        } else if (op == SIAM_OP_CONV2D_BWD_DATA) {
            a.t[0] = h_make(&h, SIAM_F32, 4, ys, dy);
            a.t[1] = h_make(&h, SIAM_F32, 4, wsh, w);
            a.t[2] = h_make(&h, SIAM_F32, 4, xs, NULL);
            out = 2, batched[0] = 0, batched[1] = 2, batched[2] = -1;
        } else {
            a.t[0] = h_make(&h, SIAM_F32, 4, xs, x);
            a.t[1] = h_make(&h, SIAM_F32, 4, ys, dy);
            a.t[2] = h_make(&h, SIAM_F32, 4, wsh, NULL);
            a.t[3] = h_make(&h, SIAM_F32, 1, bs, NULL);
            out = 2, batched[0] = 0, batched[1] = 1, batched[2] = -1;
        }
        size_t ws_big = siam_backend_workspace(h.be, &a);
        int path_big = blas_path(&h, &a);
        for (int i = 0; i < 3 && batched[i] >= 0; i++)
            a.t[batched[i]].shape[0] = small;
        if (path_big) {
            assert_int_equal(path_big, 2);
            assert_int_equal(blas_path(&h, &a), 1);
        }
        h_run(&h, &a); /* in a workspace of its own */
        h_read(&h, &a.t[out], out1);
        size_t ws_small = siam_backend_workspace(h.be, &a);
        assert_true(ws_small <= ws_big);
        if (ws_big) {
            int64_t s[1] = {(int64_t)((ws_big + 3) / 4)};
            a.workspace = h_make(&h, SIAM_F32, 1, s, NULL);
        }
        assert_int_equal(siam_backend_run(h.be, &a, &h.err), SIAM_OK);
        h_read(&h, &a.t[out], out2);
        assert_memory_equal(out1, out2, (size_t)siam_tensor_numel(&a.t[out]) * sizeof(float));
        h_close(&h);
    }
}

static void bad_shapes_are_refused(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    int64_t xs[4] = {1, 2, 5, 5}, wbad[4] = {3, 1, 2, 2}, wbig[4] = {3, 2, 6, 6}, ys[4] = {1, 3, 4, 4};
    siam_op_args a = {.op = SIAM_OP_CONV2D_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 4, xs, NULL);
    a.t[1] = h_make(&h, SIAM_F32, 4, wbad, NULL); /* channel mismatch */
    a.t[3] = h_make(&h, SIAM_F32, 4, ys, NULL);
    assert_int_equal(siam_backend_run(h.be, &a, &h.err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(h.err.msg, "conv2d_fwd"));
    a.t[1] = h_make(&h, SIAM_F32, 4, wbig, NULL); /* kernel larger than input */
    assert_int_equal(siam_backend_run(h.be, &a, &h.err), SIAM_ERR_INVALID_ARG);
    a.t[1].buf = NULL; /* missing weight */
    assert_int_equal(siam_backend_run(h.be, &a, &h.err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_backend_run(h.be, NULL, &h.err), SIAM_ERR_INVALID_ARG);
    h_close(&h);
}

/* All three directions against direct sums in double, on shapes whose plane
 * heights factor (24 = 6 x 4, 25 = 5 x 5): blas's DFT path splits the
 * height transform of such planes in two (conv2d_dft.c, height_split) for
 * the inputs, outputs and their gradients, and keeps the plain product for
 * the few filter rows; the other shapes of this file are too small or
 * prime for the split. Every backend runs it; ctest runs it on blas by
 * DFT (test_conv2d_blas_dft). */
static void assert_close_to_largest(const float *got, const double *want, int64_t n)
{
    double largest = 0.0;
    for (int64_t i = 0; i < n; i++)
        largest = fmax(largest, fabs(want[i]));
    for (int64_t i = 0; i < n; i++)
        assert_float_equal(got[i], want[i], 1e-5 * (1.0 + largest));
}

static void direct_sums_on(int64_t n, int64_t c, int64_t hh, int64_t ww, int64_t k, int64_t r,
                           int64_t s)
{
    int64_t oh = hh - r + 1, ow = ww - s + 1, nx = n * c * hh * ww, nw = k * c * r * s;
    int64_t ny = n * k * oh * ow;
    float *x = malloc((size_t)nx * 4), *w = malloc((size_t)nw * 4), *dy = malloc((size_t)ny * 4);
    float *y = malloc((size_t)ny * 4), *dx = malloc((size_t)nx * 4), *dw = malloc((size_t)nw * 4);
    double *ry = calloc((size_t)ny, 8), *rdx = calloc((size_t)nx, 8), *rdw = calloc((size_t)nw, 8);
    assert_true(x && w && dy && y && dx && dw && ry && rdx && rdw);
    h_uniform(x, nx, 11, -1, 1);
    h_uniform(w, nw, 12, -1, 1);
    h_uniform(dy, ny, 13, -1, 1);
    for (int64_t i = 0; i < n; i++)
        for (int64_t o = 0; o < k; o++)
            for (int64_t ch = 0; ch < c; ch++)
                for (int64_t u = 0; u < oh; u++)
                    for (int64_t v = 0; v < ow; v++) {
                        int64_t yi = ((i * k + o) * oh + u) * ow + v;
                        for (int64_t a = 0; a < r; a++)
                            for (int64_t b = 0; b < s; b++) {
                                int64_t xi = ((i * c + ch) * hh + u + a) * ww + v + b;
                                int64_t wi = ((o * c + ch) * r + a) * s + b;
                                ry[yi] += (double)x[xi] * w[wi];
                                rdx[xi] += (double)dy[yi] * w[wi];
                                rdw[wi] += (double)dy[yi] * x[xi];
                            }
                    }
    harness h;
    h_open(&h, NULL);
    int64_t xs[4] = {n, c, hh, ww}, wsh[4] = {k, c, r, s}, ys[4] = {n, k, oh, ow};
    siam_tensor tx = h_make(&h, SIAM_F32, 4, xs, x), tw = h_make(&h, SIAM_F32, 4, wsh, w);
    siam_tensor tdy = h_make(&h, SIAM_F32, 4, ys, dy), ty = h_make(&h, SIAM_F32, 4, ys, NULL);
    siam_tensor tdx = h_make(&h, SIAM_F32, 4, xs, NULL), tdw = h_make(&h, SIAM_F32, 4, wsh, NULL);
    siam_op_args f = {.op = SIAM_OP_CONV2D_FWD, .t = {tx, tw, {0}, ty}};
    siam_op_args bd = {.op = SIAM_OP_CONV2D_BWD_DATA, .t = {tdy, tw, tdx}};
    siam_op_args bf = {.op = SIAM_OP_CONV2D_BWD_FILTER, .t = {tx, tdy, tdw}};
    h_run(&h, &f);
    h_run(&h, &bd);
    h_run(&h, &bf);
    h_read(&h, &ty, y);
    h_read(&h, &tdx, dx);
    h_read(&h, &tdw, dw);
    h_close(&h);
    /* float32 sums of C*R*S (y, dx) and N*OH*OW (dw, thousands) products of
     * values in [-1, 1]. By the DFT an output's error scales with the norms
     * of the planes, not with the output (a small one is a difference of
     * large spectral terms), so the bound is 1e-5 of the largest output:
     * 1.2e-5 was seen on a 0.05 output of the 50x47 planes with OpenBLAS's
     * Haswell kernels, against 1e-5 * 1.05 per element. A broken transform
     * or band is off by the outputs' own size. */
    assert_close_to_largest(y, ry, ny);
    assert_close_to_largest(dx, rdx, nx);
    assert_close_to_largest(dw, rdw, nw);
    free(x), free(w), free(dy), free(y), free(dx), free(dw), free(ry), free(rdx), free(rdw);
}

/* Large planes run one image at a time in bands of output rows
 * (conv2d.c, per-image mode): 41 output rows of 100 taps make two bands
 * (31 + 10 rows), the second short. */
static void direct_sums_on_large_planes(void **state)
{
    (void)state;
    direct_sums_on(3, 1, 50, 47, 4, 10, 10);
}

static void direct_sums_on_factorable_heights(void **state)
{
    (void)state;
    direct_sums_on(2, 3, 24, 13, 4, 3, 4);
    direct_sums_on(3, 2, 25, 11, 5, 3, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forward_by_hand),
        cmocka_unit_test(forward_with_fused_activation),
        cmocka_unit_test(backward_vs_finite_differences),
        cmocka_unit_test(direct_sums_on_factorable_heights),
        cmocka_unit_test(direct_sums_on_large_planes),
        cmocka_unit_test(thread_count_does_not_change_results),
        cmocka_unit_test(smaller_batch_fits_the_larger_workspace),
        cmocka_unit_test(bad_shapes_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
