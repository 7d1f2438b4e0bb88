/* relu and sigmoid: forward by hand, backward by finite differences. */
#include "harness.h"

static void run_unary(harness *h, siam_op op, const float *x, float *y, int64_t n)
{
    int64_t s[1] = {n};
    siam_op_args a = {.op = op};
    a.t[0] = h_make(h, SIAM_F32, 1, s, x);
    a.t[1] = h_make(h, SIAM_F32, 1, s, NULL);
    h_run(h, &a);
    h_read(h, &a.t[1], y);
}

static void run_backward(harness *h, siam_op op, const float *y, const float *dy, float *dx,
                         int64_t n)
{
    int64_t s[1] = {n};
    siam_op_args a = {.op = op};
    a.t[0] = h_make(h, SIAM_F32, 1, s, y);
    a.t[1] = h_make(h, SIAM_F32, 1, s, dy);
    a.t[2] = h_make(h, SIAM_F32, 1, s, NULL);
    h_run(h, &a);
    h_read(h, &a.t[2], dx);
}

static void relu_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    const float x[5] = {-2, -0.5f, 0, 0.25f, 3};
    float y[5], dx[5];
    run_unary(&h, SIAM_OP_RELU_FWD, x, y, 5);
    const float want[5] = {0, 0, 0, 0.25f, 3};
    for (int i = 0; i < 5; i++)
        assert_float_equal(y[i], want[i], 0);
    const float dy[5] = {1, 2, 3, 4, 5};
    run_backward(&h, SIAM_OP_RELU_BWD, y, dy, dx, 5);
    const float wantdx[5] = {0, 0, 0, 4, 5};
    for (int i = 0; i < 5; i++)
        assert_float_equal(dx[i], wantdx[i], 0);
    h_close(&h);
}

static void sigmoid_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    /* sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4, sigmoid(-ln 3) = 1/4; extremes saturate */
    const float x[5] = {0, 1.0986122887f, -1.0986122887f, 100, -100};
    float y[5];
    run_unary(&h, SIAM_OP_SIGMOID_FWD, x, y, 5);
    const float want[5] = {0.5f, 0.75f, 0.25f, 1.0f, 0.0f};
    for (int i = 0; i < 5; i++)
        assert_float_equal(y[i], want[i], 1e-6);
    h_close(&h);
}

enum { N = 41 };
typedef struct ref { double r[N]; int relu; } ref;

static double loss(const double *x, void *p)
{
    ref *c = p;
    double L = 0;
    for (int i = 0; i < N; i++)
        L += c->r[i] * (c->relu ? (x[i] > 0 ? x[i] : 0) : 1 / (1 + exp(-x[i])));
    return L;
}

static void backward_vs_finite_differences(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    float x[N], r[N], y[N], dx[N];
    h_uniform(x, N, 41, -3, 3);
    h_uniform(r, N, 42, -1, 1);
    ref c;
    for (int i = 0; i < N; i++)
        c.r[i] = r[i];
    for (int relu = 0; relu < 2; relu++) {
        run_unary(&h, relu ? SIAM_OP_RELU_FWD : SIAM_OP_SIGMOID_FWD, x, y, N);
        run_backward(&h, relu ? SIAM_OP_RELU_BWD : SIAM_OP_SIGMOID_BWD, y, r, dx, N);
        c.relu = relu;
        h_fd_check(loss, &c, x, N, dx, 1e-6, 1e-5, relu ? "relu dx" : "sigmoid dx");
    }
    h_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(relu_by_hand),
        cmocka_unit_test(sigmoid_by_hand),
        cmocka_unit_test(backward_vs_finite_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
