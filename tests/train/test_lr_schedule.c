/* The learning-rate schedules and the budget share, by hand. */
#include "harness.h"

#include "train/lr_schedule.h"

static void exp_is_decay_per_epoch(void **state)
{
    (void)state;
    siam_lr_schedule s = {SIAM_SCHEDULE_EXP, 0.99, 0.1, 0.01};
    assert_float_equal(siam_lr_factor(&s, 0, 0.7), 1.0, 1e-15);
    assert_float_equal(siam_lr_factor(&s, 3, 0.0), 0.970299, 1e-12);
}

static void cosine_warms_up_then_ends_at_the_floor(void **state)
{
    (void)state;
    siam_lr_schedule s = {SIAM_SCHEDULE_COSINE, 0.99, 0.1, 0.01};
    assert_float_equal(siam_lr_factor(&s, 0, 0.0), 0.1, 1e-12);      /* warm-up starts at 0.1 */
    assert_float_equal(siam_lr_factor(&s, 0, 0.05), 0.55, 1e-12);    /* half-way up */
    assert_float_equal(siam_lr_factor(&s, 0, 0.1), 1.0, 1e-12);      /* the top */
    assert_float_equal(siam_lr_factor(&s, 9, 0.55), 0.505, 1e-12);   /* q = 1/2: cos = 0 */
    assert_float_equal(siam_lr_factor(&s, 9, 0.325), 0.01 + 0.99 * 0.5 * (1 + 0.70710678118654752),
                       1e-12);                                       /* q = 1/4 */
    assert_float_equal(siam_lr_factor(&s, 9, 1.0), 0.01, 1e-12);     /* the floor */
    assert_float_equal(siam_lr_factor(&s, 9, 1.5), 0.01, 1e-12);     /* past the budget */
    /* No warm-up: from 1 at once. */
    siam_lr_schedule n = {SIAM_SCHEDULE_COSINE, 0.99, 0.0, 0.0};
    assert_float_equal(siam_lr_factor(&n, 0, 0.0), 1.0, 1e-12);
    assert_float_equal(siam_lr_factor(&n, 0, 0.5), 0.5, 1e-12);
}

static void budget_is_the_first_limit_to_end(void **state)
{
    (void)state;
    /* 30 of 60 minutes, 100 of 400 steps, 2 of 10 epochs: half spent. */
    assert_float_equal(siam_budget_spent(1800, 60, 100, 400, 2, 10), 0.5, 1e-15);
    /* Steps first. */
    assert_float_equal(siam_budget_spent(60, 60, 300, 400, 2, 10), 0.75, 1e-15);
    /* Unset limits (0) do not count; none set: nothing spent. */
    assert_float_equal(siam_budget_spent(1800, 0, 100, 0, 2.5, 10), 0.25, 1e-15);
    assert_float_equal(siam_budget_spent(1800, 0, 100, 0, 0, 0), 0.0, 0);
    /* Past a limit: 1. */
    assert_float_equal(siam_budget_spent(7200, 60, 0, 0, 0, 0), 1.0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exp_is_decay_per_epoch),
        cmocka_unit_test(cosine_warms_up_then_ends_at_the_floor),
        cmocka_unit_test(budget_is_the_first_limit_to_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
