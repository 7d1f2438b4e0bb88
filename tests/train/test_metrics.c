/* Verification metrics by hand: the best threshold and the ROC AUC. */
#include "harness.h"

#include "eval/verification.h"

static void threshold_and_auc_by_hand(void **state)
{
    (void)state;
    /* Scores sorted: 0.1(n) 0.2(n) 0.3(p) 0.4(n) 0.8(p) 0.9(p).
     * A threshold between 0.2 and 0.3 gets 5 of 6 right. AUC: of the 9
     * (positive, negative) pairs, only (0.3, 0.4) is misordered: 8/9. */
    const float s[6] = {0.4f, 0.9f, 0.1f, 0.3f, 0.8f, 0.2f};
    const float y[6] = {0, 1, 0, 1, 1, 0};
    double acc, thr = siam_best_threshold(s, y, 6, &acc);
    assert_float_equal(acc, 5.0 / 6.0, 1e-12);
    assert_true(thr > 0.2 && thr < 0.3);
    assert_float_equal(siam_threshold_accuracy(s, y, 6, thr), 5.0 / 6.0, 1e-12);
    assert_float_equal(siam_roc_auc(s, y, 6), 8.0 / 9.0, 1e-12);
    /* Ties count half; constant scores give AUC 0.5. */
    const float c[4] = {1, 1, 1, 1}, yc[4] = {1, 0, 1, 0};
    assert_float_equal(siam_roc_auc(c, yc, 4), 0.5, 1e-12);
    /* One class only: no AUC. */
    const float y1[4] = {1, 1, 1, 1};
    assert_float_equal(siam_roc_auc(c, y1, 4), -1.0, 0);
    /* A perfect separation. */
    const float sp[4] = {-2, -1, 1, 2}, yp[4] = {0, 0, 1, 1};
    assert_float_equal(siam_roc_auc(sp, yp, 4), 1.0, 1e-12);
    siam_best_threshold(sp, yp, 4, &acc);
    assert_float_equal(acc, 1.0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(threshold_and_auc_by_hand)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
