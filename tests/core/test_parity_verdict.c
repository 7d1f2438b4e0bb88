/* The statistics of training parity's verdicts, against hand-computed
 * values: McNemar's exact test, the paired accuracy difference and its
 * interval, the growth per step of a divergence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "train/parity_verdict.h"

static void mcnemar_exact(void **state)
{
    (void)state;
    /* 10 vs 0: both tails of Binomial(10, 1/2) at the extreme: 2/1024. */
    assert_true(fabs(siam_mcnemar_p(10, 0) - 2.0 / 1024.0) < 1e-15);
    assert_true(fabs(siam_mcnemar_p(0, 10) - 2.0 / 1024.0) < 1e-15);
    /* 5 vs 1: 2 * (1 + 6) / 64. */
    assert_true(fabs(siam_mcnemar_p(5, 1) - 14.0 / 64.0) < 1e-15);
    /* 3 vs 3 and no discordant trial: no evidence at all. */
    assert_true(siam_mcnemar_p(3, 3) == 1.0);
    assert_true(siam_mcnemar_p(0, 0) == 1.0);
    /* 117 vs 35 (a gross fault seen in parity_free_reports_differ): tiny. */
    assert_true(siam_mcnemar_p(117, 35) < 1e-10);
}

static void paired_difference(void **state)
{
    (void)state;
    double d, lo, hi;
    /* n 100, 10 vs 4: 0.06 +- 1.959964 * sqrt(14 - 36/100) / 100. */
    siam_paired_difference(100, 10, 4, &d, &lo, &hi);
    double half = 1.959964 * sqrt(13.64) / 100.0;
    assert_true(fabs(d - 0.06) < 1e-15);
    assert_true(fabs(lo - (0.06 - half)) < 1e-12 && fabs(hi - (0.06 + half)) < 1e-12);
    /* No discordant trial: no difference and no width. */
    siam_paired_difference(400, 0, 0, &d, &lo, &hi);
    assert_true(d == 0 && lo == 0 && hi == 0);
}

static void growth(void **state)
{
    (void)state;
    double d[6];
    for (int i = 0; i < 6; i++)
        d[i] = 1e-9 * pow(2.0, i);
    assert_true(fabs(siam_growth_per_step(d, 6) - 2.0) < 1e-12);
    d[0] = 0; /* exact steps are left out of the fit */
    assert_true(fabs(siam_growth_per_step(d, 6) - 2.0) < 1e-12);
    assert_true(isnan(siam_growth_per_step(d, 2)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mcnemar_exact),
        cmocka_unit_test(paired_difference),
        cmocka_unit_test(growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
