/* SGD with momentum + L2 and Adam: updates by hand over several steps. */
#include "harness.h"

static void sgd_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    /* w = 1, g = 0.5, lr 0.1, momentum 0.9, l2 0.01:
     * step 1: g' = 0.5 + 0.02 = 0.52; v = -0.052; w = 0.948
     * step 2: g' = 0.5 + 0.01896 = 0.51896; v = 0.9*-0.052 - 0.051896 = -0.098696; w = 0.849304 */
    const float w0[1] = {1}, g[1] = {0.5f};
    int64_t s[1] = {1};
    siam_op_args a = {.op = SIAM_OP_SGD_UPDATE};
    a.t[0] = h_make(&h, SIAM_F32, 1, s, w0);
    a.t[1] = h_make(&h, SIAM_F32, 1, s, g);
    a.t[2] = h_make(&h, SIAM_F32, 1, s, NULL);
    a.p.sgd.lr = 0.1f;
    a.p.sgd.momentum = 0.9f;
    a.p.sgd.l2 = 0.01f;
    float w, v;
    h_run(&h, &a);
    h_read(&h, &a.t[0], &w);
    h_read(&h, &a.t[2], &v);
    assert_float_equal(w, 0.948f, 1e-6);
    assert_float_equal(v, -0.052f, 1e-6);
    h_run(&h, &a);
    h_read(&h, &a.t[0], &w);
    assert_float_equal(w, 0.849304f, 1e-6);
    a.p.sgd.lr = -1; /* a negative learning rate is refused */
    assert_int_equal(siam_backend_run(h.be, &a, &h.err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(h.err.msg, "lr"));
    h_close(&h);
}

static void adam_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    /* With bias correction the first Adam step moves every weight by about
     * lr * sign(g), whatever |g|: w = [1, 1] with g = [0.5, -2], lr = 0.01. */
    const float w0[2] = {1, 1}, g[2] = {0.5f, -2};
    int64_t s[1] = {2};
    siam_op_args a = {.op = SIAM_OP_ADAM_UPDATE};
    a.t[0] = h_make(&h, SIAM_F32, 1, s, w0);
    a.t[1] = h_make(&h, SIAM_F32, 1, s, g);
    a.t[2] = h_make(&h, SIAM_F32, 1, s, NULL);
    a.t[3] = h_make(&h, SIAM_F32, 1, s, NULL);
    a.p.adam.lr = 0.01f;
    a.p.adam.beta1 = 0.9f;
    a.p.adam.beta2 = 0.999f;
    a.p.adam.eps = 1e-8f;
    a.p.adam.l2 = 0;
    a.p.adam.step = 1;
    h_run(&h, &a);
    float w[2], m[2], v[2];
    h_read(&h, &a.t[0], w);
    h_read(&h, &a.t[2], m);
    h_read(&h, &a.t[3], v);
    assert_float_equal(w[0], 0.99f, 1e-6);
    assert_float_equal(w[1], 1.01f, 1e-6);
    assert_float_equal(m[0], 0.05f, 1e-7);
    assert_float_equal(v[1], 0.004f, 1e-7);
    /* Step 2 with the same gradient: m = 0.095, v = 0.0004995 (x0.5^2 for w0);
     * mhat = 0.095/0.19 = 0.5, vhat = 0.00024975/0.001999 = 0.124937...; the
     * move is lr * 0.5/sqrt(0.1249375) = 0.0141456... */
    a.p.adam.step = 2;
    h_run(&h, &a);
    h_read(&h, &a.t[0], w);
    double m2 = 0.9 * 0.05 + 0.1 * 0.5, v2 = 0.999 * 0.00025 + 0.001 * 0.25;
    double move = 0.01 * (m2 / (1 - 0.81)) / (sqrt(v2 / (1 - 0.998001)) + 1e-8);
    assert_float_equal(w[0], 0.99 - move, 1e-6);
    a.p.adam.step = 0; /* steps are 1-based */
    assert_int_equal(siam_backend_run(h.be, &a, &h.err), SIAM_ERR_INVALID_ARG);
    h_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sgd_by_hand),
        cmocka_unit_test(adam_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
