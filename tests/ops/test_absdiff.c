/* absdiff of the twin embeddings: forward by hand, backward by finite differences. */
#include "harness.h"

static void forward_and_backward_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    /* h rows: left = [[1,-2,3]], right = [[4,-2,-1]] -> d = [[3,0,4]] */
    const float hv[6] = {1, -2, 3, 4, -2, -1}, dd[3] = {10, 20, 30};
    int64_t hs[2] = {2, 3}, ds[2] = {1, 3};
    siam_op_args a = {.op = SIAM_OP_ABSDIFF_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 2, hs, hv);
    a.t[1] = h_make(&h, SIAM_F32, 2, ds, NULL);
    h_run(&h, &a);
    float d[3], dh[6];
    h_read(&h, &a.t[1], d);
    assert_float_equal(d[0], 3, 0);
    assert_float_equal(d[1], 0, 0);
    assert_float_equal(d[2], 4, 0);
    siam_op_args b = {.op = SIAM_OP_ABSDIFF_BWD};
    b.t[0] = a.t[0];
    b.t[1] = h_make(&h, SIAM_F32, 2, ds, dd);
    b.t[2] = h_make(&h, SIAM_F32, 2, hs, NULL);
    h_run(&h, &b);
    h_read(&h, &b.t[2], dh);
    /* sign(h1-h2) = [-1, 0, +1]; right twin gets the negation */
    const float want[6] = {-10, 0, 30, 10, 0, -30};
    for (int i = 0; i < 6; i++)
        assert_float_equal(dh[i], want[i], 0);
    /* An odd number of rows cannot be split into twins. */
    int64_t odd[2] = {3, 3};
    a.t[0] = h_make(&h, SIAM_F32, 2, odd, NULL);
    assert_int_equal(siam_backend_run(h.be, &a, &h.err), SIAM_ERR_INVALID_ARG);
    h_close(&h);
}

enum { N = 4, D = 13 };
typedef struct ref { double r[N * D]; } ref;

static double loss(const double *x, void *p)
{
    ref *c = p;
    double L = 0;
    for (int i = 0; i < N * D; i++)
        L += c->r[i] * fabs(x[i] - x[N * D + i]);
    return L;
}

static void backward_vs_finite_differences(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    float x[2 * N * D], r[N * D], dh[2 * N * D];
    h_uniform(x, 2 * N * D, 51, -1, 1);
    h_uniform(r, N * D, 52, -1, 1);
    int64_t hs[2] = {2 * N, D}, ds[2] = {N, D};
    siam_op_args b = {.op = SIAM_OP_ABSDIFF_BWD};
    b.t[0] = h_make(&h, SIAM_F32, 2, hs, x);
    b.t[1] = h_make(&h, SIAM_F32, 2, ds, r);
    b.t[2] = h_make(&h, SIAM_F32, 2, hs, NULL);
    h_run(&h, &b);
    h_read(&h, &b.t[2], dh);
    ref c;
    for (int i = 0; i < N * D; i++)
        c.r[i] = r[i];
    h_fd_check(loss, &c, x, 2 * N * D, dh, 1e-6, 1e-5, "absdiff dh");
    h_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forward_and_backward_by_hand),
        cmocka_unit_test(backward_vs_finite_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
