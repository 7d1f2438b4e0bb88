/* One-shot trials and their scoring: the query is never in the support,
 * the true class sits at a uniform position, a constant scorer gets 1/N;
 * Lake's run format; the MHD baseline against brute force and, on the
 * shared data, against Lake's published 38.8% error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eval/baselines.h"
#include "data/lake_runs.h"
#include "eval/trial_scoring.h"
#include "data_test_util.h"

static char tmpdir[4096];
static siam_dataset *ds;
static siam_subset *sub;

/* 3 alphabets with 7, 9 and 6 characters, 6 drawers, 8x8 images. */
static int setup(void **state)
{
    (void)state;
    if (tu_mkdtemp(tmpdir, sizeof tmpdir))
        return -1;
    char root[4300];
    snprintf(root, sizeof root, "%s/omni", tmpdir);
    const int n_chars[] = {7, 9, 6};
    if (tu_make_omniglot(root, 3, n_chars, 6, 8))
        return -1;
    siam_error err;
    if (siam_dataset_load(root, NULL, NULL, &ds, &err) != SIAM_OK)
        return -1;
    return siam_subset_create(ds, NULL, &sub, &err) == SIAM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    siam_subset_destroy(sub);
    siam_dataset_destroy(ds);
    tu_rmtree(tmpdir);
    return 0;
}

static const siam_image_info *info(uint32_t i) { return siam_dataset_info(ds, i); }

static void check_invariants(const siam_trial_set *ts, siam_protocol p)
{
    int way = ts->way, shots = ts->shots;
    for (size_t t = 0; t < ts->n_trials; t++) {
        uint32_t q = ts->query[t];
        const uint32_t *s = ts->support + t * (size_t)way * shots;
        assert_true(ts->answer[t] < (uint32_t)way);
        for (int j = 0; j < way * shots; j++)
            assert_int_not_equal(s[j], q); /* never the query itself */
        for (int j = 0; j < way; j++) {
            uint32_t cj = info(s[j * shots])->cls;
            for (int k = 0; k < shots; k++) {
                assert_int_equal(info(s[j * shots + k])->cls, cj);
                for (int l = 0; l < k; l++)
                    assert_int_not_equal(s[j * shots + k], s[j * shots + l]);
            }
            for (int i = 0; i < j; i++)
                assert_int_not_equal(info(s[i * shots])->cls, cj); /* distinct classes */
            if ((uint32_t)j == ts->answer[t])
                assert_int_equal(cj, info(q)->cls);
            else
                assert_int_not_equal(cj, info(q)->cls);
            if (p == SIAM_PROTOCOL_WITHIN) {
                assert_int_equal(info(s[j * shots])->alphabet, info(q)->alphabet);
                for (int k = 0; k < shots; k++) {
                    /* Other drawers than the query's, the same for every
                     * class of the trial. */
                    assert_int_not_equal(info(s[j * shots + k])->drawer, info(q)->drawer);
                    assert_int_equal(info(s[j * shots + k])->drawer, info(s[k])->drawer);
                }
            }
        }
    }
}

/* Chi-square of the answer positions against uniform; fails above the
 * p = 0.001 critical value for way - 1 degrees of freedom. */
static void check_uniform(const siam_trial_set *ts)
{
    double crit[] = {0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88};
    assert_true(ts->way >= 2 && ts->way <= 10);
    double count[10] = {0};
    for (size_t t = 0; t < ts->n_trials; t++)
        count[ts->answer[t]] += 1.0;
    double e = (double)ts->n_trials / ts->way, chi = 0.0;
    for (int j = 0; j < ts->way; j++)
        chi += (count[j] - e) * (count[j] - e) / e;
    if (chi > crit[ts->way - 1])
        fail_msg("answer positions not uniform: chi-square %.2f > %.2f", chi, crit[ts->way - 1]);
}

static void test_within(void **state)
{
    (void)state;
    siam_trial_set ts;
    siam_error err;
    assert_int_equal(siam_trials_make(sub, SIAM_PROTOCOL_WITHIN, 5, 1, 5000, 3, &ts, &err), SIAM_OK);
    assert_int_equal(ts.n_trials, 5000);
    check_invariants(&ts, SIAM_PROTOCOL_WITHIN);
    check_uniform(&ts);
    /* Rounds cycle through the alphabets. */
    for (size_t t = 0; t < 30; t++)
        assert_int_equal(info(ts.query[t])->alphabet, (t / 5) % 3);
    siam_trial_set_free(&ts);
    assert_int_equal(siam_trials_make(sub, SIAM_PROTOCOL_WITHIN, 6, 3, 600, 4, &ts, &err), SIAM_OK);
    check_invariants(&ts, SIAM_PROTOCOL_WITHIN);
    siam_trial_set_free(&ts);
    /* 8-way: only the 9-character alphabet qualifies. */
    assert_int_equal(siam_trials_make(sub, SIAM_PROTOCOL_WITHIN, 8, 1, 80, 4, &ts, &err), SIAM_OK);
    for (size_t t = 0; t < ts.n_trials; t++)
        assert_int_equal(info(ts.query[t])->alphabet, 1);
    siam_trial_set_free(&ts);
    assert_int_equal(siam_trials_make(sub, SIAM_PROTOCOL_WITHIN, 10, 1, 100, 4, &ts, &err),
                     SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_trials_make(sub, SIAM_PROTOCOL_WITHIN, 5, 1, 7, 4, &ts, &err),
                     SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_trials_make(sub, SIAM_PROTOCOL_WITHIN, 5, 6, 5, 4, &ts, &err),
                     SIAM_ERR_INVALID_ARG); /* 6 shots + query > 6 drawers */
}

static void test_unstructured(void **state)
{
    (void)state;
    siam_trial_set ts, again;
    siam_error err;
    assert_int_equal(siam_trials_make(sub, SIAM_PROTOCOL_UNSTRUCTURED, 10, 1, 5000, 8, &ts, &err),
                     SIAM_OK);
    check_invariants(&ts, SIAM_PROTOCOL_UNSTRUCTURED);
    check_uniform(&ts);
    size_t cross = 0; /* classes do come from several alphabets */
    for (size_t t = 0; t < ts.n_trials; t++)
        for (int j = 1; j < 10; j++)
            cross += info(ts.support[t * 10 + j])->alphabet != info(ts.support[t * 10])->alphabet;
    assert_true(cross > ts.n_trials);
    assert_int_equal(siam_trials_make(sub, SIAM_PROTOCOL_UNSTRUCTURED, 10, 1, 5000, 8, &again, &err),
                     SIAM_OK);
    assert_memory_equal(ts.support, again.support, sizeof(uint32_t) * 5000 * 10);
    assert_memory_equal(ts.query, again.query, sizeof(uint32_t) * 5000);
    siam_trial_set_free(&again);
    siam_trial_set_free(&ts);
    assert_int_equal(siam_trials_make(sub, SIAM_PROTOCOL_UNSTRUCTURED, 4, 5, 300, 9, &ts, &err),
                     SIAM_OK);
    check_invariants(&ts, SIAM_PROTOCOL_UNSTRUCTURED);
    siam_trial_set_free(&ts);
    assert_int_equal(siam_trials_make(sub, SIAM_PROTOCOL_UNSTRUCTURED, 23, 1, 10, 9, &ts, &err),
                     SIAM_ERR_INVALID_ARG);
}

static siam_status constant_scorer(void *ctx, uint32_t q, const uint32_t *s, size_t n, float *out,
                                   siam_error *err)
{
    (void)ctx, (void)q, (void)s, (void)err;
    for (size_t j = 0; j < n; j++)
        out[j] = 0.5f;
    return SIAM_OK;
}

/* Prefers the first position: scores 1/N only if answers are shuffled. */
static siam_status first_scorer(void *ctx, uint32_t q, const uint32_t *s, size_t n, float *out,
                                siam_error *err)
{
    (void)ctx, (void)q, (void)s, (void)err;
    for (size_t j = 0; j < n; j++)
        out[j] = j == 0 ? 1.0f : 0.0f;
    return SIAM_OK;
}

static siam_status oracle_scorer(void *ctx, uint32_t q, const uint32_t *s, size_t n, float *out,
                                 siam_error *err)
{
    (void)ctx, (void)err;
    for (size_t j = 0; j < n; j++)
        out[j] = info(s[j])->cls == info(q)->cls ? 1.0f : 0.0f;
    return SIAM_OK;
}

static void test_scoring(void **state)
{
    (void)state;
    siam_trial_set ts;
    siam_error err;
    siam_eval_result r;
    const int ways[] = {5, 6};
    for (int k = 0; k < 2; k++) {
        int way = ways[k];
        for (int p = 0; p < 2; p++) {
            assert_int_equal(siam_trials_make(sub, (siam_protocol)p, way, 1, 6000, 21, &ts, &err),
                             SIAM_OK);
            double chance = 1.0 / way, sd = sqrt(chance * (1 - chance) / 6000);
            assert_int_equal(siam_trials_evaluate(&ts, constant_scorer, NULL, 1, &r, &err), SIAM_OK);
            assert_int_equal(r.trials, 6000);
            assert_float_equal(r.accuracy, chance, 4.5 * sd);
            assert_int_equal(siam_trials_evaluate(&ts, first_scorer, NULL, 1, &r, &err), SIAM_OK);
            assert_float_equal(r.accuracy, chance, 4.5 * sd);
            assert_int_equal(siam_trials_evaluate(&ts, oracle_scorer, NULL, 1, &r, &err), SIAM_OK);
            assert_int_equal(r.correct, 6000);
            assert_true(r.ci_low < 1.0 && r.ci_high == 1.0);
            siam_trial_set_free(&ts);
        }
    }
    /* Multi-shot: a class scores its best shot. */
    assert_int_equal(siam_trials_make(sub, SIAM_PROTOCOL_UNSTRUCTURED, 5, 3, 500, 2, &ts, &err),
                     SIAM_OK);
    assert_int_equal(siam_trials_evaluate(&ts, oracle_scorer, NULL, 1, &r, &err), SIAM_OK);
    assert_int_equal(r.correct, 500);
    siam_trial_set_free(&ts);
}

static void test_wilson(void **state)
{
    (void)state;
    double lo, hi;
    siam_wilson95(50, 100, &lo, &hi);
    assert_float_equal(lo, 0.4038, 1e-3);
    assert_float_equal(hi, 0.5962, 1e-3);
    siam_wilson95(0, 20, &lo, &hi);
    assert_float_equal(lo, 0.0, 1e-12);
    assert_float_equal(hi, 0.1611, 1e-3);
    siam_wilson95(20, 20, &lo, &hi);
    assert_float_equal(hi, 1.0, 1e-12);
}

static double brute_mhd(uint32_t a, uint32_t b)
{
    int h = siam_dataset_height(ds), w = siam_dataset_width(ds);
    const uint8_t *pa = siam_dataset_pixels(ds, a), *pb = siam_dataset_pixels(ds, b);
    double ma[2] = {0, 0}, mb[2] = {0, 0};
    int na = 0, nb = 0;
    for (int i = 0; i < h * w; i++) {
        if (pa[i] >= 128) { ma[0] += i / w; ma[1] += i % w; na++; }
        if (pb[i] >= 128) { mb[0] += i / w; mb[1] += i % w; nb++; }
    }
    ma[0] /= na; ma[1] /= na; mb[0] /= nb; mb[1] /= nb;
    double dab = 0.0, dba = 0.0;
    for (int pass = 0; pass < 2; pass++) {
        const uint8_t *p = pass ? pb : pa, *o = pass ? pa : pb;
        const double *mp = pass ? mb : ma, *mo = pass ? ma : mb;
        double sum = 0.0;
        for (int i = 0; i < h * w; i++) {
            if (p[i] < 128)
                continue;
            double best = INFINITY;
            for (int j = 0; j < h * w; j++) {
                if (o[j] < 128)
                    continue;
                double dy = (i / w - mp[0]) - (j / w - mo[0]), dx = (i % w - mp[1]) - (j % w - mo[1]);
                double d = sqrt(dy * dy + dx * dx);
                if (d < best)
                    best = d;
            }
            sum += best;
        }
        if (pass)
            dba = sum / nb;
        else
            dab = sum / na;
    }
    return dab > dba ? dab : dba;
}

static void test_mhd_exact(void **state)
{
    (void)state;
    siam_mhd *m;
    siam_error err;
    assert_int_equal(siam_mhd_create(ds, &m, &err), SIAM_OK);
    size_t n = siam_dataset_count(ds);
    for (uint32_t a = 0; a < n; a += 7)
        for (uint32_t b = 0; b < n; b += 5) {
            double fast = siam_mhd_distance(m, a, b), slow = brute_mhd(a, b);
            assert_float_equal(fast, slow, 1e-9);
            assert_float_equal(fast, siam_mhd_distance(m, b, a), 1e-12);
        }
    assert_float_equal(siam_mhd_distance(m, 3, 3), 0.0, 1e-12);
    float sc[2];
    uint32_t sup[2] = {3, 4};
    assert_int_equal(siam_mhd_score(m, 3, sup, 2, sc, &err), SIAM_OK);
    assert_true(sc[0] == 0.0f && sc[1] < 0.0f);
    sup[1] = (uint32_t)n;
    assert_int_equal(siam_mhd_score(m, 3, sup, 2, sc, &err), SIAM_ERR_INVALID_ARG);
    siam_mhd_destroy(m);
    assert_int_equal(siam_pixel_score(ds, 3, (uint32_t[]){3, 4}, 2, sc, &err), SIAM_OK);
    assert_true(sc[0] == 0.0f && sc[1] < 0.0f);
}

/* A miniature all_runs: 2 runs of 3 classes; test items are copies of
 * their class image, listed in a shuffled order. */
static void test_lake_format(void **state)
{
    (void)state;
    char runs[4300];
    snprintf(runs, sizeof runs, "%s/all_runs", tmpdir);
    const int map[2][3] = {{2, 3, 1}, {1, 3, 2}}; /* item k -> class map[k] */
    for (int r = 0; r < 2; r++) {
        char dir[4400], path[4500];
        for (int sub_i = 0; sub_i < 2; sub_i++) {
            snprintf(dir, sizeof dir, "%s/run%02d/%s", runs, r + 1, sub_i ? "test" : "training");
            assert_int_equal(tu_mkdirs(dir), 0);
        }
        char labels[512] = "";
        for (int k = 0; k < 3; k++) {
            uint8_t ink[100];
            for (int i = 0; i < 100; i++)
                ink[i] = (i / 10 > 0 && i / 10 < 9) && (i % 10 == 1 + 2 * k + r); /* class bar */
            snprintf(path, sizeof path, "%s/run%02d/training/class%02d.png", runs, r + 1, k + 1);
            assert_int_equal(tu_write_ink_png(path, 10, 10, ink), 0);
            for (int i = 0; i < 100; i++)
                ink[i] = (i / 10 > 0 && i / 10 < 9) && (i % 10 == 1 + 2 * (map[r][k] - 1) + r);
            snprintf(path, sizeof path, "%s/run%02d/test/item%02d.png", runs, r + 1, k + 1);
            assert_int_equal(tu_write_ink_png(path, 10, 10, ink), 0);
        }
        /* Lines out of order, as nothing promises order. */
        for (int k = 2; k >= 0; k--) {
            char line[128];
            snprintf(line, sizeof line, "run%02d/test/item%02d.png run%02d/training/class%02d.png\n",
                     r + 1, k + 1, r + 1, map[r][k]);
            strcat(labels, line);
        }
        snprintf(path, sizeof path, "%s/run%02d/class_labels.txt", runs, r + 1);
        assert_int_equal(tu_write_file(path, labels, strlen(labels)), 0);
    }
    siam_dataset *rd;
    siam_trial_set ts;
    siam_error err;
    assert_int_equal(siam_lake_runs_load(runs, NULL, NULL, &rd, &ts, &err), SIAM_OK);
    assert_int_equal(ts.n_trials, 6);
    assert_int_equal(ts.way, 3);
    assert_int_equal(ts.shots, 1);
    assert_int_equal(siam_dataset_count(rd), 12);
    for (size_t t = 0; t < 6; t++) {
        int r = (int)t / 3, k = (int)t % 3;
        char want[64];
        snprintf(want, sizeof want, "run%02d/test/item%02d.png", r + 1, k + 1);
        assert_string_equal(siam_dataset_path(rd, ts.query[t]), want);
        assert_int_equal(ts.answer[t], (uint32_t)(map[r][k] - 1));
        for (int j = 0; j < 3; j++) {
            snprintf(want, sizeof want, "run%02d/training/class%02d.png", r + 1, j + 1);
            assert_string_equal(siam_dataset_path(rd, ts.support[t * 3 + j]), want);
        }
    }
    /* Every bar sits at another column, but MHD centres the ink, so
     * item and class bars are all at distance 0: translation invariance.
     * Raw pixels tell them apart. */
    siam_mhd *m;
    siam_eval_result res;
    assert_int_equal(siam_mhd_create(rd, &m, &err), SIAM_OK);
    for (size_t t = 0; t < 6; t++)
        for (int j = 0; j < 3; j++)
            assert_float_equal(siam_mhd_distance(m, ts.query[t], ts.support[t * 3 + j]), 0.0, 1e-12);
    siam_mhd_destroy(m);
    assert_int_equal(siam_trials_evaluate(&ts, siam_pixel_score, rd, 1, &res, &err), SIAM_OK);
    assert_int_equal(res.correct, 6);
    siam_trial_set_free(&ts);
    siam_dataset_destroy(rd);

    /* A malformed labels file is reported with its line. */
    char path[4500];
    snprintf(path, sizeof path, "%s/run02/class_labels.txt", runs);
    assert_int_equal(tu_write_file(path, "just-one-token\n", 15), 0);
    assert_int_equal(siam_lake_runs_load(runs, NULL, NULL, &rd, &ts, &err), SIAM_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "class_labels.txt:1"));
}

/* Lake's demo gets 38.8% error on all_runs; so must we, within 0.5. */
static void test_mhd_all_runs(void **state)
{
    (void)state;
    const char *dir = tu_omniglot_dir();
    if (!dir) {
        skip();
        return;
    }
    char runs[4200];
    snprintf(runs, sizeof runs, "%s/all_runs", dir);
    clock_t t0 = clock();
    siam_dataset *rd;
    siam_trial_set ts;
    siam_error err;
    if (siam_lake_runs_load(runs, NULL, NULL, &rd, &ts, &err) != SIAM_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(ts.n_trials, 400);
    assert_int_equal(ts.way, 20);
    siam_mhd *m;
    siam_eval_result r;
    assert_int_equal(siam_mhd_create(rd, &m, &err), SIAM_OK);
    assert_int_equal(siam_trials_evaluate(&ts, siam_mhd_score, m, 1, &r, &err), SIAM_OK);
    double error_pct = 100.0 * (1.0 - r.accuracy);
    printf("MHD on all_runs: %.2f%% error (%zu/%zu correct), %.2f s CPU\n", error_pct, r.correct,
           r.trials, (double)(clock() - t0) / CLOCKS_PER_SEC);
    assert_float_equal(error_pct, 38.8, 0.5);
    /* Each class is the answer exactly once per run. */
    for (size_t run = 0; run < 20; run++) {
        int seen[20] = {0};
        for (size_t k = 0; k < 20; k++)
            seen[ts.answer[run * 20 + k]]++;
        for (int j = 0; j < 20; j++)
            assert_int_equal(seen[j], 1);
    }
    siam_mhd_destroy(m);
    assert_int_equal(siam_trials_evaluate(&ts, siam_pixel_score, rd, 1, &r, &err), SIAM_OK);
    printf("pixel-1nn on all_runs: %.2f%% accuracy\n", 100.0 * r.accuracy);
    assert_true(r.accuracy > 0.1 && r.accuracy < 0.5);
    siam_trial_set_free(&ts);
    siam_dataset_destroy(rd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within),      cmocka_unit_test(test_unstructured),
        cmocka_unit_test(test_scoring),     cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_mhd_exact),   cmocka_unit_test(test_lake_format),
        cmocka_unit_test(test_mhd_all_runs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
