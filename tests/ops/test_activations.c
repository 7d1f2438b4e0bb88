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

/* The graph runs both in place (y over x, dx over dy; include/siamese/
 * backend.h): the same values as above, through one buffer. */
static void in_place_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    int64_t s[1] = {5};
    const float x[5] = {-2, -0.5f, 0, 0.25f, 3}, dy[5] = {1, 2, 3, 4, 5};
    const float relu[5] = {0, 0, 0, 0.25f, 3}, drelu[5] = {0, 0, 0, 4, 5};
    float got[5];
    siam_op_args a = {.op = SIAM_OP_RELU_FWD};
    a.t[0] = a.t[1] = h_make(&h, SIAM_F32, 1, s, x);
    h_run(&h, &a);
    h_read(&h, &a.t[0], got);
    for (int i = 0; i < 5; i++)
        assert_float_equal(got[i], relu[i], 0);
    siam_op_args b = {.op = SIAM_OP_RELU_BWD};
    b.t[0] = a.t[0];
    b.t[1] = b.t[2] = h_make(&h, SIAM_F32, 1, s, dy);
    h_run(&h, &b);
    h_read(&h, &b.t[2], got);
    for (int i = 0; i < 5; i++)
        assert_float_equal(got[i], drelu[i], 0);

    /* sigmoid: y = 1/2, 3/4, 1/4 ...; dx = dy*y*(1-y) = 1/4, 3/8, ... */
    const float z[3] = {0, 1.0986122887f, -1.0986122887f}, dz[3] = {1, 2, 4};
    const float sig[3] = {0.5f, 0.75f, 0.25f}, dsig[3] = {0.25f, 0.375f, 0.75f};
    s[0] = 3;
    siam_op_args c = {.op = SIAM_OP_SIGMOID_FWD};
    c.t[0] = c.t[1] = h_make(&h, SIAM_F32, 1, s, z);
    h_run(&h, &c);
    h_read(&h, &c.t[1], got);
    for (int i = 0; i < 3; i++)
        assert_float_equal(got[i], sig[i], 1e-6);
    siam_op_args d = {.op = SIAM_OP_SIGMOID_BWD};
    d.t[0] = c.t[1];
    d.t[1] = d.t[2] = h_make(&h, SIAM_F32, 1, s, dz);
    h_run(&h, &d);
    h_read(&h, &d.t[2], got);
    for (int i = 0; i < 3; i++)
        assert_float_equal(got[i], dsig[i], 1e-6);
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
        cmocka_unit_test(in_place_by_hand),
        cmocka_unit_test(backward_vs_finite_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
