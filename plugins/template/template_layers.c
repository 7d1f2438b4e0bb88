/* The template backend's layer ops: conv2d, maxpool, linear, as direct
 * loops over the formulas of include/siamese/backend.h. Every output
 * element is computed once, in one place, from a sum in a fixed order, so
 * each function can be checked against its formula by eye. Dot products are
 * accumulated in double; that stays well inside the parity thresholds
 * against the cpu backend's float GEMM. */
#include "template_internal.h"

#include <string.h>

/* Row-major index helpers for the (N,C,H,W) layout. */
#define AT4(d1, d2, d3, i0, i1, i2, i3) ((((i0) * (d1) + (i1)) * (d2) + (i2)) * (d3) + (i3))

/* CONV2D_FWD  0 x (N,C,H,W)  1 w (K,C,R,S)  2 b (K) opt  3 y (N,K,OH,OW)
 *   y[n][k][i][j] = b[k] + sum_{c,r,s} x[n][c][i+r][j+s] * w[k][c][r][s] */
siam_status tpl_conv2d_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const siam_tensor *xt = &a->t[0], *wt = &a->t[1], *yt = &a->t[3];
    int64_t N = xt->shape[0], C = xt->shape[1], H = xt->shape[2], W = xt->shape[3];
    int64_t K = wt->shape[0], R = wt->shape[2], S = wt->shape[3];
    int64_t OH = yt->shape[2], OW = yt->shape[3];
    const float *x = tpl_f32(xt), *w = tpl_f32(wt), *b = tpl_f32(&a->t[2]);
    float *y = tpl_f32(yt);
    for (int64_t n = 0; n < N; n++)
        for (int64_t k = 0; k < K; k++)
            for (int64_t i = 0; i < OH; i++)
                for (int64_t j = 0; j < OW; j++) {
                    double acc = 0.0;
                    for (int64_t c = 0; c < C; c++)
                        for (int64_t r = 0; r < R; r++)
                            for (int64_t s = 0; s < S; s++)
                                acc += (double)x[AT4(C, H, W, n, c, i + r, j + s)] *
                                       w[AT4(C, R, S, k, c, r, s)];
                    if (b)
                        acc += b[k];
                    y[AT4(K, OH, OW, n, k, i, j)] = (float)acc;
                }
    return SIAM_OK;
}

/* CONV2D_BWD_DATA  0 dy (N,K,OH,OW)  1 w (K,C,R,S)  2 dx (N,C,H,W)
 *   dx[n][c][h][v] = sum over k, r, s with 0 <= h-r < OH, 0 <= v-s < OW of
 *                    dy[n][k][h-r][v-s] * w[k][c][r][s]
 * Written as a gather (each dx element sums its own terms) rather than a
 * scatter, so no element is touched twice and nothing needs zeroing. */
siam_status tpl_conv2d_bwd_data(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const siam_tensor *dyt = &a->t[0], *wt = &a->t[1], *dxt = &a->t[2];
    int64_t N = dxt->shape[0], C = dxt->shape[1], H = dxt->shape[2], W = dxt->shape[3];
    int64_t K = wt->shape[0], R = wt->shape[2], S = wt->shape[3];
    int64_t OH = dyt->shape[2], OW = dyt->shape[3];
    const float *dy = tpl_f32(dyt), *w = tpl_f32(wt);
    float *dx = tpl_f32(dxt);
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t h = 0; h < H; h++)
                for (int64_t v = 0; v < W; v++) {
                    double acc = 0.0;
                    for (int64_t k = 0; k < K; k++)
                        for (int64_t r = 0; r < R; r++) {
                            int64_t i = h - r;
                            if (i < 0 || i >= OH)
                                continue;
                            for (int64_t s = 0; s < S; s++) {
                                int64_t j = v - s;
                                if (j < 0 || j >= OW)
                                    continue;
                                acc += (double)dy[AT4(K, OH, OW, n, k, i, j)] *
                                       w[AT4(C, R, S, k, c, r, s)];
                            }
                        }
                    dx[AT4(C, H, W, n, c, h, v)] = (float)acc;
                }
    return SIAM_OK;
}

/* CONV2D_BWD_FILTER  0 x (N,C,H,W)  1 dy (N,K,OH,OW)  2 dw (K,C,R,S)  3 db opt (K)
 *   dw[k][c][r][s] = sum_{n,i,j} x[n][c][i+r][j+s] * dy[n][k][i][j]
 *   db[k]          = sum_{n,i,j} dy[n][k][i][j]
 * Sums over the whole batch: the outputs are written, not accumulated into. */
siam_status tpl_conv2d_bwd_filter(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const siam_tensor *xt = &a->t[0], *dyt = &a->t[1], *dwt = &a->t[2];
    int64_t N = xt->shape[0], C = xt->shape[1], H = xt->shape[2], W = xt->shape[3];
    int64_t K = dwt->shape[0], R = dwt->shape[2], S = dwt->shape[3];
    int64_t OH = dyt->shape[2], OW = dyt->shape[3];
    const float *x = tpl_f32(xt), *dy = tpl_f32(dyt);
    float *dw = tpl_f32(dwt), *db = tpl_f32(&a->t[3]);
    for (int64_t k = 0; k < K; k++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t r = 0; r < R; r++)
                for (int64_t s = 0; s < S; s++) {
                    double acc = 0.0;
                    for (int64_t n = 0; n < N; n++)
                        for (int64_t i = 0; i < OH; i++)
                            for (int64_t j = 0; j < OW; j++)
                                acc += (double)x[AT4(C, H, W, n, c, i + r, j + s)] *
                                       dy[AT4(K, OH, OW, n, k, i, j)];
                    dw[AT4(C, R, S, k, c, r, s)] = (float)acc;
                }
    if (db)
        for (int64_t k = 0; k < K; k++) {
            double acc = 0.0;
            for (int64_t n = 0; n < N; n++)
                for (int64_t p = 0; p < OH * OW; p++)
                    acc += dy[(n * K + k) * OH * OW + p];
            db[k] = (float)acc;
        }
    return SIAM_OK;
}

/* The maximum of the 2x2 window at (2i, 2j) of plane xp, as h*W + w.
 * Windows are scanned in row-major order and only a strictly larger value
 * replaces the best, so the first wins on ties; a NaN replaces a number, so
 * a NaN upstream shows up downstream instead of vanishing. Forward and
 * backward both call it, so they agree on the position. */
static int64_t window_argmax(const float *xp, int64_t W, int64_t i, int64_t j)
{
    int64_t best = (2 * i) * W + 2 * j;
    for (int64_t dh = 0; dh < 2; dh++)
        for (int64_t dv = 0; dv < 2; dv++) {
            int64_t cand = (2 * i + dh) * W + 2 * j + dv;
            float vc = xp[cand], vb = xp[best];
            int cand_nan = vc != vc, best_nan = vb != vb;
            if (vc > vb || (cand_nan && !best_nan))
                best = cand;
        }
    return best;
}

/* MAXPOOL_FWD  0 x (N,C,H,W)  1 y (N,C,H/2,W/2)
 * 2x2 windows, stride 2; a last odd row or column is dropped. */
siam_status tpl_maxpool_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const siam_tensor *xt = &a->t[0];
    int64_t planes = xt->shape[0] * xt->shape[1], H = xt->shape[2], W = xt->shape[3];
    int64_t OH = H / 2, OW = W / 2;
    const float *x = tpl_f32(xt);
    float *y = tpl_f32(&a->t[1]);
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = x + p * H * W;
        for (int64_t i = 0; i < OH; i++)
            for (int64_t j = 0; j < OW; j++)
                y[(p * OH + i) * OW + j] = xp[window_argmax(xp, W, i, j)];
    }
    return SIAM_OK;
}

/* MAXPOOL_BWD  0 x (N,C,H,W)  1 dy (N,C,OH,OW)  2 dx (N,C,H,W)
 * dx is zero except at each window's maximum in x (found again, by the
 * forward's rule), which gets that window's dy. */
siam_status tpl_maxpool_bwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    const siam_tensor *xt = &a->t[0];
    int64_t planes = xt->shape[0] * xt->shape[1], H = xt->shape[2], W = xt->shape[3];
    int64_t OH = H / 2, OW = W / 2;
    const float *x = tpl_f32(xt), *dy = tpl_f32(&a->t[1]);
    float *dx = tpl_f32(&a->t[2]);
    memset(dx, 0, (size_t)(planes * H * W) * sizeof(float));
    for (int64_t p = 0; p < planes; p++)
        for (int64_t i = 0; i < OH; i++)
            for (int64_t j = 0; j < OW; j++)
                dx[p * H * W + window_argmax(x + p * H * W, W, i, j)] = dy[(p * OH + i) * OW + j];
    return SIAM_OK;
}

/* LINEAR_FWD  0 x (N,I)  1 w (O,I)  2 b (O) opt  3 y (N,O)
 *   y[n][o] = b[o] + sum_i x[n][i] * w[o][i] */
siam_status tpl_linear_fwd(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t N = a->t[0].shape[0], I = a->t[0].shape[1], O = a->t[1].shape[0];
    const float *x = tpl_f32(&a->t[0]), *w = tpl_f32(&a->t[1]), *b = tpl_f32(&a->t[2]);
    float *y = tpl_f32(&a->t[3]);
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < O; o++) {
            double acc = 0.0;
            for (int64_t i = 0; i < I; i++)
                acc += (double)x[n * I + i] * w[o * I + i];
            if (b)
                acc += b[o];
            y[n * O + o] = (float)acc;
        }
    return SIAM_OK;
}

/* LINEAR_BWD_DATA  0 dy (N,O)  1 w (O,I)  2 dx (N,I)
 *   dx[n][i] = sum_o dy[n][o] * w[o][i] */
siam_status tpl_linear_bwd_data(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t N = a->t[0].shape[0], O = a->t[0].shape[1], I = a->t[1].shape[1];
    const float *dy = tpl_f32(&a->t[0]), *w = tpl_f32(&a->t[1]);
    float *dx = tpl_f32(&a->t[2]);
    for (int64_t n = 0; n < N; n++)
        for (int64_t i = 0; i < I; i++) {
            double acc = 0.0;
            for (int64_t o = 0; o < O; o++)
                acc += (double)dy[n * O + o] * w[o * I + i];
            dx[n * I + i] = (float)acc;
        }
    return SIAM_OK;
}

/* LINEAR_BWD_PARAM  0 x (N,I)  1 dy (N,O)  2 dw (O,I)  3 db (O) opt
 *   dw[o][i] = sum_n dy[n][o] * x[n][i];  db[o] = sum_n dy[n][o] */
siam_status tpl_linear_bwd_param(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t N = a->t[0].shape[0], I = a->t[0].shape[1], O = a->t[1].shape[1];
    const float *x = tpl_f32(&a->t[0]), *dy = tpl_f32(&a->t[1]);
    float *dw = tpl_f32(&a->t[2]), *db = tpl_f32(&a->t[3]);
    for (int64_t o = 0; o < O; o++)
        for (int64_t i = 0; i < I; i++) {
            double acc = 0.0;
            for (int64_t n = 0; n < N; n++)
                acc += (double)dy[n * O + o] * x[n * I + i];
            dw[o * I + i] = (float)acc;
        }
    if (db)
        for (int64_t o = 0; o < O; o++) {
            double acc = 0.0;
            for (int64_t n = 0; n < N; n++)
                acc += dy[n * O + o];
            db[o] = (float)acc;
        }
    return SIAM_OK;
}
