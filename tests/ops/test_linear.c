/* linear: y = x w^T + b; forward by hand, backward by finite differences. */
#include "harness.h"

static void forward_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    /* x = [[1,2,3],[4,5,6]], w = [[1,0,-1],[2,1,0]], b = [0.5,-1]
     * y = [[1-3+0.5, 2+2-1], [4-6+0.5, 8+5-1]] = [[-1.5,3],[-1.5,12]] */
    const float x[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, 0, -1, 2, 1, 0}, b[2] = {0.5f, -1};
    int64_t xs[2] = {2, 3}, ws[2] = {2, 3}, bs[1] = {2}, ys[2] = {2, 2};
    siam_op_args a = {.op = SIAM_OP_LINEAR_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 2, xs, x);
    a.t[1] = h_make(&h, SIAM_F32, 2, ws, w);
    a.t[2] = h_make(&h, SIAM_F32, 1, bs, b);
    a.t[3] = h_make(&h, SIAM_F32, 2, ys, NULL);
    h_run(&h, &a);
    float y[4];
    h_read(&h, &a.t[3], y);
    const float want[4] = {-1.5f, 3, -1.5f, 12};
    for (int i = 0; i < 4; i++)
        assert_float_equal(y[i], want[i], 1e-6);
    h_close(&h);
}

/* The fused activation (p.layer.act) on the same case, bias absent and
 * present: y before it is [[-1.5,3],[-1.5,12]] (without b [[-2,4],[-2,13]]). */
static void forward_with_fused_activation(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    const float x[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, 0, -1, 2, 1, 0}, b[2] = {0.5f, -1};
    int64_t xs[2] = {2, 3}, ws[2] = {2, 3}, bs[1] = {2}, ys[2] = {2, 2};
    siam_op_args a = {.op = SIAM_OP_LINEAR_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 2, xs, x);
    a.t[1] = h_make(&h, SIAM_F32, 2, ws, w);
    a.t[2] = h_make(&h, SIAM_F32, 1, bs, b);
    a.t[3] = h_make(&h, SIAM_F32, 2, ys, NULL);
    const double with_b[4] = {-1.5, 3, -1.5, 12}, without_b[4] = {-2, 4, -2, 13};
    float y[4];
    for (int bias = 1; bias >= 0; bias--) {
        const double *pre = bias ? with_b : without_b;
        if (!bias)
            a.t[2].buf = NULL;
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
    }
    h_close(&h);
}

enum { N = 3, I = 37, O = 19 }; /* not multiples of anything */

typedef struct ref {
    double x[N * I], w[O * I], b[O], r[N * O];
    int which;
} ref;

static double loss(const double *v, void *p)
{
    ref *c = p;
    const double *x = c->which == 0 ? v : c->x, *w = c->which == 1 ? v : c->w;
    const double *b = c->which == 2 ? v : c->b;
    double L = 0;
    for (int n = 0; n < N; n++)
        for (int o = 0; o < O; o++) {
            double y = b[o];
            for (int i = 0; i < I; i++)
                y += x[n * I + i] * w[o * I + i];
            L += y * c->r[n * O + o];
        }
    return L;
}

static void backward_vs_finite_differences(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    static float x[N * I], w[O * I], b[O], r[N * O], dx[N * I], dw[O * I], db[O];
    h_uniform(x, N * I, 11, -1, 1);
    h_uniform(w, O * I, 12, -1, 1);
    h_uniform(b, O, 13, -1, 1);
    h_uniform(r, N * O, 14, -1, 1);
    int64_t xs[2] = {N, I}, ws[2] = {O, I}, bs[1] = {O}, ys[2] = {N, O};
    siam_tensor tx = h_make(&h, SIAM_F32, 2, xs, x), tw = h_make(&h, SIAM_F32, 2, ws, w);
    siam_tensor tr = h_make(&h, SIAM_F32, 2, ys, r);
    siam_tensor tdx = h_make(&h, SIAM_F32, 2, xs, NULL), tdw = h_make(&h, SIAM_F32, 2, ws, NULL);
    siam_tensor tdb = h_make(&h, SIAM_F32, 1, bs, NULL);
    siam_op_args bd = {.op = SIAM_OP_LINEAR_BWD_DATA, .t = {tr, tw, tdx}};
    h_run(&h, &bd);
    siam_op_args bp = {.op = SIAM_OP_LINEAR_BWD_PARAM, .t = {tx, tr, tdw, tdb}};
    h_run(&h, &bp);
    h_read(&h, &tdx, dx);
    h_read(&h, &tdw, dw);
    h_read(&h, &tdb, db);
    static ref c;
    for (int i = 0; i < N * I; i++) c.x[i] = x[i];
    for (int i = 0; i < O * I; i++) c.w[i] = w[i];
    for (int i = 0; i < O; i++) c.b[i] = b[i];
    for (int i = 0; i < N * O; i++) c.r[i] = r[i];
    c.which = 0;
    h_fd_check(loss, &c, x, N * I, dx, 1e-5, 1e-4, "linear dx");
    c.which = 1;
    h_fd_check(loss, &c, w, O * I, dw, 1e-5, 1e-4, "linear dw");
    c.which = 2;
    h_fd_check(loss, &c, b, O, db, 1e-5, 1e-4, "linear db");
    h_close(&h);
}

static void large_gemm_matches_reference(void **state)
{
    (void)state;
    /* Big enough to cross the GEMM's K and N blocking (256) and its 4-row tiles. */
    enum { n = 5, in = 600, out = 530 };
    harness h;
    h_open(&h, NULL);
    float *x = malloc(n * in * 4), *w = malloc((size_t)out * in * 4), *y = malloc(n * out * 4);
    h_uniform(x, n * in, 21, -1, 1);
    h_uniform(w, out * in, 22, -1, 1);
    int64_t xs[2] = {n, in}, ws[2] = {out, in}, ys[2] = {n, out};
    siam_op_args a = {.op = SIAM_OP_LINEAR_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 2, xs, x);
    a.t[1] = h_make(&h, SIAM_F32, 2, ws, w);
    a.t[3] = h_make(&h, SIAM_F32, 2, ys, NULL);
    h_run(&h, &a);
    h_read(&h, &a.t[3], y);
    for (int i = 0; i < n; i++)
        for (int o = 0; o < out; o++) {
            double s = 0;
            for (int k = 0; k < in; k++)
                s += (double)x[i * in + k] * w[o * in + k];
            assert_float_equal(y[i * out + o], s, 1e-4);
        }
    free(x), free(w), free(y);
    h_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forward_by_hand),
        cmocka_unit_test(forward_with_fused_activation),
        cmocka_unit_test(backward_vs_finite_differences),
        cmocka_unit_test(large_gemm_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
