/* BCE on logits and the contrastive loss: forward by hand (including the
 * extremes the stable forms exist for), backward by finite differences. */
#include "harness.h"

static float bce(harness *h, const float *z, const float *y, int64_t n)
{
    int64_t s[1] = {n}, one[1] = {1};
    siam_op_args a = {.op = SIAM_OP_BCE_FWD};
    a.t[0] = h_make(h, SIAM_F32, 1, s, z);
    a.t[1] = h_make(h, SIAM_F32, 1, s, y);
    a.t[2] = h_make(h, SIAM_F32, 1, one, NULL);
    h_run(h, &a);
    float L;
    h_read(h, &a.t[2], &L);
    return L;
}

static void bce_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    const float z0[1] = {0}, y1[1] = {1};
    assert_float_equal(bce(&h, z0, y1, 1), 0.69314718f, 1e-6);
    /* mean(log(1+e^-2), log(1+e^-1)) */
    const float z[2] = {2, -1}, y[2] = {1, 0};
    assert_float_equal(bce(&h, z, y, 2), 0.5 * (log1p(exp(-2.0)) + log1p(exp(-1.0))), 1e-6);
    /* Confidently wrong logits must give a large finite loss, not Inf/NaN. */
    const float zbig[2] = {100, -100}, ywrong[2] = {0, 1};
    assert_float_equal(bce(&h, zbig, ywrong, 2), 100.0f, 1e-4);
    h_close(&h);
}

static void contrastive_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    /* pair 0: (0,0) vs (3,4), D = 5, same: 5^2/2 = 12.5
     * pair 1: (1,1) vs (1,2), D = 1, different, margin 2: (2-1)^2/2 = 0.5 */
    const float hv[8] = {0, 0, 1, 1, 3, 4, 1, 2}, y[2] = {1, 0};
    int64_t hs[2] = {4, 2}, ns[1] = {2}, one[1] = {1};
    siam_op_args a = {.op = SIAM_OP_CONTRASTIVE_FWD};
    a.t[0] = h_make(&h, SIAM_F32, 2, hs, hv);
    a.t[1] = h_make(&h, SIAM_F32, 1, ns, y);
    a.t[2] = h_make(&h, SIAM_F32, 1, one, NULL);
    a.t[3] = h_make(&h, SIAM_F32, 1, ns, NULL);
    a.p.contrastive.margin = 2.0f;
    h_run(&h, &a);
    float L, dist[2];
    h_read(&h, &a.t[2], &L);
    h_read(&h, &a.t[3], dist);
    assert_float_equal(L, 6.5f, 1e-6);
    assert_float_equal(dist[0], 5.0f, 1e-6);
    assert_float_equal(dist[1], 1.0f, 1e-6);
    a.p.contrastive.margin = 0.0f; /* a margin must be positive */
    assert_int_equal(siam_backend_run(h.be, &a, &h.err), SIAM_ERR_INVALID_ARG);
    h_close(&h);
}

enum { N = 6, D = 5 };
typedef struct ref { double y[N]; double margin; int contrastive; } ref;

static double loss(const double *x, void *p)
{
    ref *c = p;
    double L = 0;
    for (int i = 0; i < N; i++) {
        if (!c->contrastive) {
            double z = x[i];
            L += (z > 0 ? z : 0) - z * c->y[i] + log1p(exp(-fabs(z)));
        } else {
            double s = 0;
            for (int k = 0; k < D; k++)
                s += (x[i * D + k] - x[(N + i) * D + k]) * (x[i * D + k] - x[(N + i) * D + k]);
            double d = sqrt(s), hinge = c->margin - d > 0 ? c->margin - d : 0;
            L += c->y[i] * 0.5 * s + (1 - c->y[i]) * 0.5 * hinge * hinge;
        }
    }
    return L / N;
}

static void backward_vs_finite_differences(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    float z[N], hv[2 * N * D], dz[N], dh[2 * N * D];
    const float y[N] = {1, 0, 1, 0, 0, 1};
    h_uniform(z, N, 61, -4, 4);
    h_uniform(hv, 2 * N * D, 62, 0, 1);
    int64_t ns[1] = {N}, hs[2] = {2 * N, D};
    ref c = {.margin = 1.0}; /* distances ~0.9: some hinges active, some not */
    for (int i = 0; i < N; i++)
        c.y[i] = y[i];
    siam_op_args b = {.op = SIAM_OP_BCE_BWD};
    b.t[0] = h_make(&h, SIAM_F32, 1, ns, z);
    b.t[1] = h_make(&h, SIAM_F32, 1, ns, y);
    b.t[2] = h_make(&h, SIAM_F32, 1, ns, NULL);
    h_run(&h, &b);
    h_read(&h, &b.t[2], dz);
    h_fd_check(loss, &c, z, N, dz, 1e-6, 1e-5, "bce dz");
    siam_op_args cb = {.op = SIAM_OP_CONTRASTIVE_BWD};
    cb.t[0] = h_make(&h, SIAM_F32, 2, hs, hv);
    cb.t[1] = b.t[1];
    cb.t[2] = h_make(&h, SIAM_F32, 2, hs, NULL);
    cb.p.contrastive.margin = 1.0f;
    h_run(&h, &cb);
    h_read(&h, &cb.t[2], dh);
    c.contrastive = 1;
    h_fd_check(loss, &c, hv, 2 * N * D, dh, 1e-6, 1e-5, "contrastive dh");
    h_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bce_by_hand),
        cmocka_unit_test(contrastive_by_hand),
        cmocka_unit_test(backward_vs_finite_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
