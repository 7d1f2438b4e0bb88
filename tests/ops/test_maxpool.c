/* maxpool 2x2/2: forward and backward by hand (ties, NaN), backward by
 * finite differences. */
#include "harness.h"

#include <math.h>

static void by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    /* A 5x5 plane pools to 2x2 (floor): the last row and column are dropped. */
    const float x[25] = {1, 9, 2, 3, 0,  4, 5, 8, 1, 0,  7, 2, 6, 6, 0,  3, 1, 5, 4, 0,  9, 9, 9, 9, 9};
    int64_t xs[4] = {1, 1, 5, 5}, ys[4] = {1, 1, 2, 2};
    siam_op_args a = {.op = SIAM_OP_MAXPOOL_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 4, xs, x);
    a.t[1] = h_make(&h, SIAM_F32, 4, ys, NULL);
    h_run(&h, &a);
    float y[4];
    h_read(&h, &a.t[1], y);
    const float want[4] = {9, 8, 7, 6};
    for (int i = 0; i < 4; i++)
        assert_float_equal(y[i], want[i], 0);
    /* Backward finds the maxima again in x: 9 at 1, 8 at 7, 7 at 10, and
     * for the 6,6 tie the first (12, not 13). Zero elsewhere, also in the
     * dropped row and column. */
    const float dy[4] = {1, 2, 3, 4};
    siam_op_args b = {.op = SIAM_OP_MAXPOOL_BWD};
    b.t[0] = a.t[0];
    b.t[1] = h_make(&h, SIAM_F32, 4, ys, dy);
    b.t[2] = h_make(&h, SIAM_F32, 4, xs, NULL);
    h_run(&h, &b);
    float dx[25];
    h_read(&h, &b.t[2], dx);
    for (int i = 0; i < 25; i++) {
        float e = i == 1 ? 1 : i == 7 ? 2 : i == 10 ? 3 : i == 12 ? 4 : 0;
        assert_float_equal(dx[i], e, 0);
    }
    h_close(&h);
}

/* A NaN wins its window (so it propagates), forward and backward alike. */
static void nan_wins(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    const float x[4] = {5, 1, NAN, 7};
    int64_t xs[4] = {1, 1, 2, 2}, ys[4] = {1, 1, 1, 1};
    siam_op_args a = {.op = SIAM_OP_MAXPOOL_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 4, xs, x);
    a.t[1] = h_make(&h, SIAM_F32, 4, ys, NULL);
    h_run(&h, &a);
    float y;
    h_read(&h, &a.t[1], &y);
    assert_true(isnan(y));
    const float dy = 2;
    siam_op_args b = {.op = SIAM_OP_MAXPOOL_BWD};
    b.t[0] = a.t[0];
    b.t[1] = h_make(&h, SIAM_F32, 4, ys, &dy);
    b.t[2] = h_make(&h, SIAM_F32, 4, xs, NULL);
    h_run(&h, &b);
    float dx[4];
    h_read(&h, &b.t[2], dx);
    const float want[4] = {0, 0, 2, 0};
    for (int i = 0; i < 4; i++)
        assert_float_equal(dx[i], want[i], 0);
    h_close(&h);
}

enum { N = 2, C = 3, H = 7, W = 9, OH = H / 2, OW = W / 2 };

typedef struct ref { double r[N * C * OH * OW]; } ref;

static double loss(const double *x, void *p)
{
    ref *c = p;
    double L = 0;
    for (int pl = 0; pl < N * C; pl++)
        for (int i = 0; i < OH; i++)
            for (int j = 0; j < OW; j++) {
                const double *q = x + pl * H * W + 2 * i * W + 2 * j;
                double m = q[0];
                if (q[1] > m) m = q[1];
                if (q[W] > m) m = q[W];
                if (q[W + 1] > m) m = q[W + 1];
                L += m * c->r[(pl * OH + i) * OW + j];
            }
    return L;
}

static void backward_vs_finite_differences(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    static float x[N * C * H * W], r[N * C * OH * OW], dx[N * C * H * W];
    h_uniform(x, N * C * H * W, 31, -1, 1); /* distinct values: no ties */
    h_uniform(r, N * C * OH * OW, 32, -1, 1);
    int64_t xs[4] = {N, C, H, W}, ys[4] = {N, C, OH, OW};
    siam_op_args b = {.op = SIAM_OP_MAXPOOL_BWD};
    b.t[0] = h_make(&h, SIAM_F32, 4, xs, x);
    b.t[1] = h_make(&h, SIAM_F32, 4, ys, r);
    b.t[2] = h_make(&h, SIAM_F32, 4, xs, NULL);
    h_run(&h, &b);
    h_read(&h, &b.t[2], dx);
    static ref c;
    for (int i = 0; i < N * C * OH * OW; i++)
        c.r[i] = r[i];
    h_fd_check(loss, &c, x, N * C * H * W, dx, 1e-6, 1e-5, "maxpool dx");
    h_close(&h);
}

/* Wide rows full of ties (values 0, 1, 2, also -0 against +0) with NaNs in
 * a few of them, one window holding two: the backends take rows without a
 * NaN by a vectorized road and rows with one by the rule as written, so both
 * are checked, window by window, against the rule: the first maximum in
 * row-major window order wins, and the first NaN wins over numbers. */
enum { WN = 2, WC = 2, WH = 7, WW = 41, WOH = WH / 2, WOW = WW / 2 };

static void wide_rows_ties_and_nans(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    static float x[WN * WC * WH * WW], dy[WN * WC * WOH * WOW], y[WN * WC * WOH * WOW],
        dx[WN * WC * WH * WW];
    h_uniform(x, WN * WC * WH * WW, 41, 0, 3);
    for (int i = 0; i < WN * WC * WH * WW; i++)
        x[i] = floorf(x[i]) == 0 && i % 2 ? -0.0f : floorf(x[i]);
    x[2 * WW + 17] = NAN;                               /* plane 0, window row 1 */
    x[(1 * WH + 4) * WW + 30] = NAN;                    /* plane 1, two NaNs in */
    x[(1 * WH + 5) * WW + 31] = NAN;                    /* one window */
    x[(3 * WH + 1) * WW + 0] = NAN;                     /* plane 3, first column */
    h_uniform(dy, WN * WC * WOH * WOW, 42, 0.5, 1.5);
    int64_t xs[4] = {WN, WC, WH, WW}, ys[4] = {WN, WC, WOH, WOW};
    siam_op_args a = {.op = SIAM_OP_MAXPOOL_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 4, xs, x);
    a.t[1] = h_make(&h, SIAM_F32, 4, ys, NULL);
    h_run(&h, &a);
    h_read(&h, &a.t[1], y);
    siam_op_args b = {.op = SIAM_OP_MAXPOOL_BWD};
    b.t[0] = a.t[0];
    b.t[1] = h_make(&h, SIAM_F32, 4, ys, dy);
    b.t[2] = h_make(&h, SIAM_F32, 4, xs, NULL);
    h_run(&h, &b);
    h_read(&h, &b.t[2], dx);
    int nan_windows = 0, tie_windows = 0;
    for (int pl = 0; pl < WN * WC; pl++) {
        const float *xp = x + pl * WH * WW, *dxp = dx + pl * WH * WW;
        for (int i = 0; i < WOH; i++)
            for (int j = 0; j < WOW; j++) {
                const int at[4] = {2 * i * WW + 2 * j, 2 * i * WW + 2 * j + 1,
                                   (2 * i + 1) * WW + 2 * j, (2 * i + 1) * WW + 2 * j + 1};
                int win = 0, equal = 0;
                for (int k = 1; k < 4; k++) {
                    float v = xp[at[k]], best = xp[at[win]];
                    equal += v == best;
                    if (v > best || (isnan(v) && !isnan(best)))
                        win = k;
                }
                nan_windows += isnan(xp[at[win]]);
                tie_windows += equal > 0;
                float got = y[(pl * WOH + i) * WOW + j];
                if (isnan(xp[at[win]]))
                    assert_true(isnan(got));
                else
                    assert_memory_equal(&got, &xp[at[win]], sizeof got); /* -0 is not +0 */
                for (int k = 0; k < 4; k++)
                    assert_float_equal(dxp[at[k]], k == win ? dy[(pl * WOH + i) * WOW + j] : 0, 0);
            }
        for (int i = 0; i < WH; i++) /* the dropped last row and column */
            assert_float_equal(dxp[i * WW + WW - 1], 0, 0);
        for (int j = 0; j < WW; j++)
            assert_float_equal(dxp[(WH - 1) * WW + j], 0, 0);
    }
    assert_int_equal(nan_windows, 3);
    assert_true(tie_windows > 100);
    h_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(by_hand),
        cmocka_unit_test(nan_wins),
        cmocka_unit_test(wide_rows_ties_and_nans),
        cmocka_unit_test(backward_vs_finite_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
