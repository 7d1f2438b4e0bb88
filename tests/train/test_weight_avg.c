/* The weights' moving average (train/weight_avg.h) by hand. */
#include "harness.h"

#include "engine/net.h"
#include "train/weight_avg.h"

#include <stdlib.h>

static void average_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    siam_net_desc d;
    siam_model *m;
    assert_int_equal(siam_net_preset("tiny", &d, &h.err), SIAM_OK);
    assert_int_equal(siam_model_create(h.be, &d, &m, &h.err), SIAM_OK);
    int64_t n = m->n_params;
    float *w0 = malloc((size_t)n * 4), *w1 = malloc((size_t)n * 4), *got = malloc((size_t)n * 4);
    h_uniform(w0, n, 3, -1, 1);
    for (int64_t i = 0; i < n; i++)
        w1[i] = w0[i] + 1.0f;
    assert_int_equal(siam_model_set(m, w0, &h.err), SIAM_OK);
    siam_weight_avg w;
    assert_int_equal(siam_weight_avg_init(&w, m, 0.9, 4, &h.err), SIAM_OK);
    assert_int_equal(siam_model_set(m, w1, &h.err), SIAM_OK);
    /* Step 3: not a multiple of 4, nothing folded in. */
    assert_int_equal(siam_weight_avg_step(&w, m, 3, &h.err), SIAM_OK);
    for (int64_t i = 0; i < n; i++)
        assert_float_equal(w.avg[i], w0[i], 0);
    /* Step 4, the first update: decay min(0.9^4, 1/10) = 0.1. */
    assert_int_equal(siam_weight_avg_step(&w, m, 4, &h.err), SIAM_OK);
    for (int64_t i = 0; i < n; i++)
        assert_float_equal(w.avg[i], 0.1f * w0[i] + 0.9f * w1[i], 1e-6);
    /* Step 8, the second: min(0.6561, 2/11); the weights are still w1. */
    float a1[1] = {w.avg[0]};
    assert_int_equal(siam_weight_avg_step(&w, m, 8, &h.err), SIAM_OK);
    assert_float_equal(w.avg[0], (2.0 / 11) * a1[0] + (9.0 / 11) * w1[0], 1e-6);
    /* Swapped in, the model holds the average; swapped out, w1 again. */
    assert_int_equal(siam_weight_avg_swap_in(&w, m, &h.err), SIAM_OK);
    assert_int_equal(siam_model_get(m, got, &h.err), SIAM_OK);
    for (int64_t i = 0; i < n; i++)
        assert_float_equal(got[i], w.avg[i], 0);
    assert_int_equal(siam_weight_avg_swap_out(&w, m, &h.err), SIAM_OK);
    assert_int_equal(siam_model_get(m, got, &h.err), SIAM_OK);
    for (int64_t i = 0; i < n; i++)
        assert_float_equal(got[i], w1[i], 0);
    /* Bad decays are refused. */
    siam_weight_avg bad;
    assert_int_equal(siam_weight_avg_init(&bad, m, 1.0, 4, &h.err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_weight_avg_init(&bad, m, 0.9, 0, &h.err), SIAM_ERR_INVALID_ARG);
    siam_weight_avg_free(&w);
    free(w0), free(w1), free(got);
    siam_model_destroy(m);
    h_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(average_by_hand)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
