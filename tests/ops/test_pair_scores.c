/* pair_scores: the all-pairs weighted-L1 / L2 matrix, by hand and against
 * the per-pair head it must agree with. */
#include "harness.h"

static void by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    /* q = [[0,0],[1,2]], s = [[3,4],[1,1],[0,0]], alpha = [1,0.5], bias = -1 */
    const float q[4] = {0, 0, 1, 2}, s[6] = {3, 4, 1, 1, 0, 0}, alpha[2] = {1, 0.5f}, b[1] = {-1};
    int64_t qs[2] = {2, 2}, ss[2] = {3, 2}, as[1] = {2}, bs[1] = {1}, os[2] = {2, 3};
    siam_op_args a = {.op = SIAM_OP_PAIR_SCORES};
    a.t[0] = h_make(&h, SIAM_F32, 2, qs, q);
    a.t[1] = h_make(&h, SIAM_F32, 2, ss, s);
    a.t[2] = h_make(&h, SIAM_F32, 1, as, alpha);
    a.t[3] = h_make(&h, SIAM_F32, 1, bs, b);
    a.t[4] = h_make(&h, SIAM_F32, 2, os, NULL);
    a.p.scores.metric = SIAM_METRIC_WL1;
    h_run(&h, &a);
    float out[6];
    h_read(&h, &a.t[4], out);
    /* row 0: |0-3|+0.5|0-4|-1 = 4, |0-1|+0.5|0-1|-1 = 0.5, -1
     * row 1: 2+1-1 = 2, 0+0.5-1 = -0.5, 1+1-1 = 1 */
    const float want[6] = {4, 0.5f, -1, 2, -0.5f, 1};
    for (int i = 0; i < 6; i++)
        assert_float_equal(out[i], want[i], 1e-6);
    a.p.scores.metric = SIAM_METRIC_L2;
    h_run(&h, &a);
    h_read(&h, &a.t[4], out);
    const float want2[6] = {5, 1.41421356f, 0, 2.82842712f, 1, 2.23606798f};
    for (int i = 0; i < 6; i++)
        assert_float_equal(out[i], want2[i], 1e-6);
    h_close(&h);
}

static void agrees_with_the_training_head(void **state)
{
    (void)state;
    /* Score (q_i, s_j) through absdiff + linear, the way training sees a
     * pair, and compare with the all-pairs matrix. */
    enum { Q = 3, S = 5, D = 33 };
    harness h;
    h_open(&h, NULL);
    float q[Q * D], s[S * D], alpha[D], b = 0.25f, m[Q * S];
    h_uniform(q, Q * D, 71, 0, 1);
    h_uniform(s, S * D, 72, 0, 1);
    h_uniform(alpha, D, 73, -1, 1);
    int64_t qs[2] = {Q, D}, ss[2] = {S, D}, as[1] = {D}, bs[1] = {1}, os[2] = {Q, S};
    siam_op_args a = {.op = SIAM_OP_PAIR_SCORES};
    a.t[0] = h_make(&h, SIAM_F32, 2, qs, q);
    a.t[1] = h_make(&h, SIAM_F32, 2, ss, s);
    a.t[2] = h_make(&h, SIAM_F32, 1, as, alpha);
    a.t[3] = h_make(&h, SIAM_F32, 1, bs, &b);
    a.t[4] = h_make(&h, SIAM_F32, 2, os, NULL);
    h_run(&h, &a);
    h_read(&h, &a.t[4], m);
    for (int i = 0; i < Q; i++)
        for (int j = 0; j < S; j++) {
            float pair[2 * D], d[D], z;
            memcpy(pair, q + i * D, sizeof(float) * D);
            memcpy(pair + D, s + j * D, sizeof(float) * D);
            int64_t ps[2] = {2, D}, ds[2] = {1, D}, a2[2] = {1, D}, zs[2] = {1, 1};
            siam_op_args ad = {.op = SIAM_OP_ABSDIFF_FWD};
            ad.t[0] = h_make(&h, SIAM_F32, 2, ps, pair);
            ad.t[1] = h_make(&h, SIAM_F32, 2, ds, NULL);
            h_run(&h, &ad);
            h_read(&h, &ad.t[1], d);
            siam_op_args lin = {.op = SIAM_OP_LINEAR_FWD};
            lin.t[0] = ad.t[1];
            lin.t[1] = h_make(&h, SIAM_F32, 2, a2, alpha);
            lin.t[2] = a.t[3];
            lin.t[3] = h_make(&h, SIAM_F32, 2, zs, NULL);
            h_run(&h, &lin);
            h_read(&h, &lin.t[3], &z);
            assert_float_equal(m[i * S + j], z, 1e-5);
            h_close(&h);
            h_open(&h, NULL); /* keeps the buffer count bounded */
            a.t[3] = h_make(&h, SIAM_F32, 1, bs, &b);
        }
    h_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(by_hand),
        cmocka_unit_test(agrees_with_the_training_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
