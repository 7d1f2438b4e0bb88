/* The BCE head (HEAD_FWD, HEAD_BWD): forward against hand-computed values,
 * backward against finite differences of a double-precision reference, and
 * both against the separate ops they replace (absdiff, then linear). */
#include "harness.h"

static void forward_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    /* Two pairs, D = 3: left rows [1,2,3], [0,0,0]; right rows [2,2,1],
     * [1,-1,0]; alpha = [1,2,3], b = -1:
     * z0 = -1 + 1*1 + 2*0 + 3*2 = 6, z1 = -1 + 1*1 + 2*1 + 3*0 = 2. */
    const float hv[12] = {1, 2, 3, 0, 0, 0, 2, 2, 1, 1, -1, 0}, al[3] = {1, 2, 3}, b[1] = {-1};
    int64_t hs[2] = {4, 3}, as[2] = {1, 3}, bs[1] = {1}, zs[1] = {2};
    siam_op_args a = {.op = SIAM_OP_HEAD_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 2, hs, hv);
    a.t[1] = h_make(&h, SIAM_F32, 2, as, al);
    a.t[2] = h_make(&h, SIAM_F32, 1, bs, b);
    a.t[3] = h_make(&h, SIAM_F32, 1, zs, NULL);
    h_run(&h, &a);
    float z[2];
    h_read(&h, &a.t[3], z);
    assert_float_equal(z[0], 6.0f, 1e-6);
    assert_float_equal(z[1], 2.0f, 1e-6);
    /* Backward with dz = [1, -2]: dh0 = dz0*alpha*sign(l-r) = [-1, 0, 3],
     * dh1 = -2*[1,2,3]*sign([-1,1,0]) = [2, -4, 0], the right rows their
     * negatives; dalpha = 1*[1,0,2] - 2*[1,1,0] = [-1,-2,2]; db = -1. */
    const float dzv[2] = {1, -2};
    siam_op_args g = {.op = SIAM_OP_HEAD_BWD};
    g.t[0] = a.t[0];
    g.t[1] = a.t[1];
    g.t[2] = h_make(&h, SIAM_F32, 1, zs, dzv);
    g.t[3] = h_make(&h, SIAM_F32, 2, hs, NULL);
    g.t[4] = h_make(&h, SIAM_F32, 2, as, NULL);
    g.t[5] = h_make(&h, SIAM_F32, 1, bs, NULL);
    h_run(&h, &g);
    float dh[12], da[3], db[1];
    h_read(&h, &g.t[3], dh);
    h_read(&h, &g.t[4], da);
    h_read(&h, &g.t[5], db);
    const float want_dh[12] = {-1, 0, 3, 2, -4, 0, 1, 0, -3, -2, 4, 0}, want_da[3] = {-1, -2, 2};
    for (int i = 0; i < 12; i++)
        assert_float_equal(dh[i], want_dh[i], 1e-6);
    for (int i = 0; i < 3; i++)
        assert_float_equal(da[i], want_da[i], 1e-6);
    assert_float_equal(db[0], -1.0f, 1e-6);
    h_close(&h);
}

enum { N = 5, D = 23 };

typedef struct ref {
    double h[2 * N * D], alpha[D], b, r[N];
    int which; /* 0: vary h, 1: vary alpha, 2: vary b */
} ref;

static double loss(const double *v, void *p)
{
    ref *c = p;
    const double *hv = c->which == 0 ? v : c->h, *al = c->which == 1 ? v : c->alpha;
    double b = c->which == 2 ? v[0] : c->b, L = 0;
    for (int i = 0; i < N; i++) {
        double z = b;
        for (int k = 0; k < D; k++)
            z += al[k] * fabs(hv[i * D + k] - hv[(N + i) * D + k]);
        L += z * c->r[i];
    }
    return L;
}

static void backward_vs_finite_differences(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    static float hv[2 * N * D], al[D], b[1], r[N], dh[2 * N * D], da[D], db[1];
    h_uniform(hv, 2 * N * D, 21, -1, 1);
    h_uniform(al, D, 22, -1, 1);
    h_uniform(b, 1, 23, -1, 1);
    h_uniform(r, N, 24, -1, 1);
    int64_t hs[2] = {2 * N, D}, as[2] = {1, D}, bs[1] = {1}, zs[1] = {N};
    siam_op_args g = {.op = SIAM_OP_HEAD_BWD};
    g.t[0] = h_make(&h, SIAM_F32, 2, hs, hv);
    g.t[1] = h_make(&h, SIAM_F32, 2, as, al);
    g.t[2] = h_make(&h, SIAM_F32, 1, zs, r);
    g.t[3] = h_make(&h, SIAM_F32, 2, hs, NULL);
    g.t[4] = h_make(&h, SIAM_F32, 2, as, NULL);
    g.t[5] = h_make(&h, SIAM_F32, 1, bs, NULL);
    h_run(&h, &g);
    h_read(&h, &g.t[3], dh);
    h_read(&h, &g.t[4], da);
    h_read(&h, &g.t[5], db);
    static ref c;
    for (int i = 0; i < 2 * N * D; i++) c.h[i] = hv[i];
    for (int k = 0; k < D; k++) c.alpha[k] = al[k];
    for (int i = 0; i < N; i++) c.r[i] = r[i];
    c.b = b[0];
    c.which = 0;
    h_fd_check(loss, &c, hv, 2 * N * D, dh, 1e-5, 1e-4, "head dh");
    c.which = 1;
    h_fd_check(loss, &c, al, D, da, 1e-5, 1e-4, "head dalpha");
    c.which = 2;
    h_fd_check(loss, &c, b, 1, db, 1e-5, 1e-4, "head db");
    h_close(&h);
}

/* The fused op gives what absdiff then linear (one output) give. */
static void same_as_absdiff_then_linear(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    static float hv[2 * N * D], al[D], b[1], z1[N], z2[N];
    h_uniform(hv, 2 * N * D, 31, -2, 2);
    h_uniform(al, D, 32, -1, 1);
    h_uniform(b, 1, 33, -1, 1);
    int64_t hs[2] = {2 * N, D}, ds[2] = {N, D}, as[2] = {1, D}, bs[1] = {1}, zs[1] = {N};
    int64_t z2s[2] = {N, 1};
    siam_op_args f = {.op = SIAM_OP_HEAD_FWD};
    f.t[0] = h_make(&h, SIAM_F32, 2, hs, hv);
    f.t[1] = h_make(&h, SIAM_F32, 2, as, al);
    f.t[2] = h_make(&h, SIAM_F32, 1, bs, b);
    f.t[3] = h_make(&h, SIAM_F32, 1, zs, NULL);
    h_run(&h, &f);
    h_read(&h, &f.t[3], z1);
    siam_op_args ad = {.op = SIAM_OP_ABSDIFF_FWD, .t = {f.t[0], h_make(&h, SIAM_F32, 2, ds, NULL)}};
    h_run(&h, &ad);
    siam_op_args lin = {.op = SIAM_OP_LINEAR_FWD,
                        .t = {ad.t[1], f.t[1], f.t[2], h_make(&h, SIAM_F32, 2, z2s, NULL)}};
    h_run(&h, &lin);
    h_read(&h, &lin.t[3], z2);
    for (int i = 0; i < N; i++)
        assert_float_equal(z1[i], z2[i], 1e-5);
    h_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forward_by_hand),
        cmocka_unit_test(backward_vs_finite_differences),
        cmocka_unit_test(same_as_absdiff_then_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
