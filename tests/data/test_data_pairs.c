/* Pair sampler: exact balance, correct labels, negatives within one
 * alphabet when asked, uniform alphabets, determinism from the seed,
 * resumption from the saved RNG state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/pairs.h"
#include "data_test_util.h"

static char tmpdir[4096];
static siam_dataset *ds;
static siam_subset *sub;

/* 3 alphabets with 4, 6 and 1 characters (the last cannot give a
 * within-alphabet negative), 5 drawers, 6x6 images. */
static int setup(void **state)
{
    (void)state;
    if (tu_mkdtemp(tmpdir, sizeof tmpdir))
        return -1;
    char root[4300];
    snprintf(root, sizeof root, "%s/omni", tmpdir);
    const int n_chars[] = {4, 6, 1};
    if (tu_make_omniglot(root, 3, n_chars, 5, 6))
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

static uint32_t cls_of(uint32_t i) { return siam_dataset_info(ds, i)->cls; }
static uint32_t alpha_of(uint32_t i) { return siam_dataset_info(ds, i)->alphabet; }

static void check_pairs(const siam_pair *p, size_t n, siam_negatives neg)
{
    size_t same = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(p[i].left < siam_dataset_count(ds) && p[i].right < siam_dataset_count(ds));
        assert_int_equal(p[i].variant, 0);
        if (p[i].same) {
            same++;
            assert_int_equal(cls_of(p[i].left), cls_of(p[i].right));
            assert_int_not_equal(p[i].left, p[i].right);
        } else {
            assert_int_not_equal(cls_of(p[i].left), cls_of(p[i].right));
            if (neg == SIAM_NEG_SAME_ALPHABET)
                assert_int_equal(alpha_of(p[i].left), alpha_of(p[i].right));
        }
    }
    assert_int_equal(same * 2, n);
}

static void test_balance_and_labels(void **state)
{
    (void)state;
    enum { N = 30000 };
    siam_pair *p = malloc(sizeof(siam_pair) * N);
    siam_error err;
    for (int neg = 0; neg < 2; neg++) {
        assert_int_equal(siam_pair_set_make(sub, (siam_negatives)neg, 11, N, p, &err), SIAM_OK);
        check_pairs(p, N, (siam_negatives)neg);
        for (size_t i = 0; i < N; i++)
            assert_int_equal(p[i].key, i);
    }
    /* Alphabets equally often as the first image (any-alphabet mode):
     * chi-square with 2 degrees of freedom, p = 0.001 -> 13.82. */
    assert_int_equal(siam_pair_set_make(sub, SIAM_NEG_ANY_ALPHABET, 12, N, p, &err), SIAM_OK);
    double count[3] = {0, 0, 0};
    for (size_t i = 0; i < N; i++)
        count[alpha_of(p[i].left)] += 1.0;
    double chi = 0.0, e = N / 3.0;
    for (int a = 0; a < 3; a++)
        chi += (count[a] - e) * (count[a] - e) / e;
    if (chi > 13.82)
        fail_msg("alphabet counts %.0f %.0f %.0f, chi-square %.2f", count[0], count[1], count[2], chi);
    /* Different-alphabet negatives do occur in any-alphabet mode. */
    size_t cross = 0;
    for (size_t i = 1; i < N; i += 2)
        cross += alpha_of(p[i].left) != alpha_of(p[i].right);
    assert_true(cross > N / 4);
    free(p);
}

static void test_determinism_and_resume(void **state)
{
    (void)state;
    enum { N = 1000 };
    siam_pair a[N], b[N];
    siam_error err;
    assert_int_equal(siam_pair_set_make(sub, SIAM_NEG_ANY_ALPHABET, 5, N, a, &err), SIAM_OK);
    assert_int_equal(siam_pair_set_make(sub, SIAM_NEG_ANY_ALPHABET, 5, N, b, &err), SIAM_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(siam_pair_set_make(sub, SIAM_NEG_ANY_ALPHABET, 6, N, b, &err), SIAM_OK);
    assert_memory_not_equal(a, b, sizeof a);

    /* A stream read in uneven chunks, saved and restored part-way, gives
     * the same pairs as the fixed set. */
    siam_pair_sampler s;
    assert_int_equal(siam_pair_sampler_init(&s, sub, SIAM_NEG_ANY_ALPHABET, 5, &err), SIAM_OK);
    assert_int_equal(siam_pair_sampler_next(&s, b, 37, &err), SIAM_OK);
    siam_rng saved = s.rng;
    assert_int_equal(siam_pair_sampler_next(&s, b + 37, 500, &err), SIAM_OK);
    siam_pair_sampler t;
    assert_int_equal(siam_pair_sampler_init(&t, sub, SIAM_NEG_ANY_ALPHABET, 0, &err), SIAM_OK);
    t.rng = saved; /* as a checkpoint would restore it */
    siam_pair again[500];
    assert_int_equal(siam_pair_sampler_next(&t, again, 500, &err), SIAM_OK);
    assert_memory_equal(again, b + 37, sizeof again);
    assert_int_equal(siam_pair_sampler_next(&s, b + 537, N - 537, &err), SIAM_OK);
    assert_memory_equal(a, b, sizeof a);
}

static void test_refusals(void **state)
{
    (void)state;
    siam_error err;
    siam_pair_sampler s;
    /* Only the one-character alphabet: no negative possible. */
    const char *names[] = {"Alpha_02"};
    siam_filter f = {names, 1, 0, 0, NULL};
    siam_subset *one;
    assert_int_equal(siam_subset_create(ds, &f, &one, &err), SIAM_OK);
    assert_int_equal(siam_pair_sampler_init(&s, one, SIAM_NEG_ANY_ALPHABET, 1, &err),
                     SIAM_ERR_INVALID_ARG);
    siam_subset_destroy(one);
    /* One drawer: no same pair possible. */
    siam_filter g = {NULL, 0, 3, 3, NULL};
    assert_int_equal(siam_subset_create(ds, &g, &one, &err), SIAM_OK);
    assert_int_equal(siam_pair_sampler_init(&s, one, SIAM_NEG_ANY_ALPHABET, 1, &err),
                     SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "same"));
    siam_subset_destroy(one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_balance_and_labels),
        cmocka_unit_test(test_determinism_and_resume),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
