/* The time left in a run and the progress line (core/train/progress.c),
 * on hand-computed cases: no clock involved. */
#include "harness.h"

#include "train/progress.h"

#include <string.h>

static siam_progress base(void)
{
    /* Epoch 2, step 10 of --steps 100 at 16 pairs a step, 160 pairs/s. */
    return (siam_progress){.epoch = 2, .step = 10, .max_steps = 100, .pairs_done = 160,
                           .pairs_total = 100000, .batch = 16, .elapsed = 3, .rate = 160,
                           .loss = 0.5f, .val = 0.7125};
}

static void eta_takes_the_nearest_limit(void **state)
{
    (void)state;
    siam_progress p = base();
    /* --steps: 90 steps x 16 pairs / 160 pairs/s. */
    assert_float_equal(siam_progress_eta(&p), 9.0, 1e-9);
    /* The epochs end first: 800 pairs left. */
    p.pairs_total = 960;
    assert_float_equal(siam_progress_eta(&p), 5.0, 1e-9);
    /* --minutes 1 after 57 s: 3 s left, nearer still. */
    p.minutes = 1, p.elapsed = 57;
    assert_float_equal(siam_progress_eta(&p), 3.0, 1e-9);
    /* Past a limit: nothing left, never negative. */
    p.elapsed = 70;
    assert_float_equal(siam_progress_eta(&p), 0.0, 1e-9);
}

static void eta_before_any_rate(void **state)
{
    (void)state;
    siam_progress p = base();
    p.rate = 0; /* the first step has not been timed */
    assert_float_equal(siam_progress_eta(&p), -1.0, 1e-9);
    p.minutes = 2, p.elapsed = 30; /* a time limit is known without a rate */
    assert_float_equal(siam_progress_eta(&p), 90.0, 1e-9);
}

static void lines_for_files_and_terminals(void **state)
{
    (void)state;
    char buf[256];
    siam_progress p = base(); /* --steps comes first: 10 of 100 steps done */
    siam_progress_format(&p, 0, buf, sizeof buf);
    assert_string_equal(buf, "epoch 2 step 10 160.0 pairs/s loss 0.5000 val 71.25% ETA 9s (10%)");
    siam_progress_format(&p, 1, buf, sizeof buf);
    assert_string_equal(buf, "[##------------------]  10% epoch 2 step 10 160 pairs/s loss 0.5000 "
                             "val 71.25% ETA 9s");
    p.minutes = 1, p.elapsed = 45; /* --minutes comes first: 45 of 60 s */
    siam_progress_format(&p, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "ETA 9s (10%)"));
    p.elapsed = 57;
    siam_progress_format(&p, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "ETA 3s (95%)"));
    p = base();
    p.val = -1, p.rate = 0; /* no validation yet, no rate: unknown, not a guess */
    siam_progress_format(&p, 0, buf, sizeof buf);
    assert_string_equal(buf, "epoch 2 step 10 0.0 pairs/s loss 0.5000 ETA ?");
    siam_progress_format(&p, 1, buf, sizeof buf);
    assert_non_null(strstr(buf, "[--------------------]   ?% epoch 2"));
    p = base();
    p.max_steps = 0, p.pairs_total = 160 + 160 * 3725; /* epochs: 3725 s left */
    siam_progress_format(&p, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "ETA 1h02m (0%)"));
    p.pairs_total = 640; /* a quarter of the pairs done */
    siam_progress_format(&p, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "ETA 3s (25%)"));
    p.pairs_total = 160 + 160 * 192;
    siam_progress_format(&p, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "ETA 3m12s (1%)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eta_takes_the_nearest_limit),
        cmocka_unit_test(eta_before_any_rate),
        cmocka_unit_test(lines_for_files_and_terminals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
