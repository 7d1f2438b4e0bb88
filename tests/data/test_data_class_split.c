/* Seeded class splits (core/data/class_split.c): counts and fractions,
 * every class in exactly one part, the same seed the same split, and the
 * class keys' JSON round trip, names with quotes and spaces included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/class_split.h"
#include "data/dataset.h"
#include "data_test_util.h"

static char tmpdir[4096];
static siam_dataset *ds;
#define N_CLASSES 12

static int setup(void **state)
{
    (void)state;
    if (tu_mkdtemp(tmpdir, sizeof tmpdir))
        return -1;
    uint8_t ink[8 * 8] = {0};
    char path[4300];
    for (int c = 0; c < N_CLASSES; c++)
        for (int k = 0; k < 2; k++) {
            ink[c + k] = 1;
            /* Odd names: a quote, a space, a backslash. */
            snprintf(path, sizeof path, "%s/set/%s%02d", tmpdir,
                     c == 0 ? "say \"hi\"" : c == 1 ? "back\\slash" : "c", c);
            if (tu_mkdirs(path))
                return -1;
            snprintf(path + strlen(path), sizeof path - strlen(path), "/%d.png", k);
            if (tu_write_ink_png(path, 8, 8, ink))
                return -1;
        }
    snprintf(path, sizeof path, "%s/set", tmpdir);
    siam_error err;
    return siam_dataset_load(path, NULL, NULL, &ds, &err) == SIAM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    siam_dataset_destroy(ds);
    if (!getenv("KEEP"))
        tu_rmtree(tmpdir);
    return 0;
}

static void test_counts(void **state)
{
    (void)state;
    assert_int_equal(siam_class_split_count(0, 10), 0);
    assert_int_equal(siam_class_split_count(3, 10), 3);
    assert_int_equal(siam_class_split_count(0.15, 10), 2); /* 1.5 rounds to 2 */
    assert_int_equal(siam_class_split_count(0.01, 10), 1); /* at least one */
    assert_int_equal(siam_class_split_count(2.5, 10), -1);
    assert_int_equal(siam_class_split_count(11, 10), -1);
    assert_int_equal(siam_class_split_count(-1, 10), -1);
}

static void test_partition(void **state)
{
    (void)state;
    siam_class_split a, b, c;
    siam_error err;
    assert_int_equal(siam_class_split_make(ds, 3, 0.25, 9, &a, &err), SIAM_OK);
    assert_int_equal(a.n[SIAM_PART_VAL], 3);
    assert_int_equal(a.n[SIAM_PART_TEST], 3);
    assert_int_equal(a.n[SIAM_PART_TRAIN], N_CLASSES - 6);
    int seen[N_CLASSES] = {0};
    for (int p = 0; p < SIAM_PART_COUNT; p++)
        for (size_t k = 0; k < a.n[p]; k++) {
            seen[a.classes[p][k]]++;
            if (k)
                assert_true(a.classes[p][k - 1] < a.classes[p][k]);
        }
    for (int i = 0; i < N_CLASSES; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(siam_class_split_make(ds, 3, 0.25, 9, &b, &err), SIAM_OK);
    for (int p = 0; p < SIAM_PART_COUNT; p++)
        assert_memory_equal(a.classes[p], b.classes[p], a.n[p] * sizeof(uint32_t));
    /* Another seed: some part differs (12 classes, 3 of them for test). */
    int differs = 0;
    for (uint64_t seed = 10; seed < 14 && !differs; seed++) {
        assert_int_equal(siam_class_split_make(ds, 3, 0.25, seed, &c, &err), SIAM_OK);
        differs = memcmp(a.classes[SIAM_PART_TEST], c.classes[SIAM_PART_TEST],
                         3 * sizeof(uint32_t)) != 0;
        siam_class_split_free(&c);
    }
    assert_true(differs);
    siam_class_split_free(&a);
    siam_class_split_free(&b);
    /* Training keeps two classes, validation has two. */
    assert_int_equal(siam_class_split_make(ds, 1, 0, 1, &a, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_class_split_make(ds, 5, 6, 1, &a, &err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "leave 1 for training"));
}

static void test_keys_round_trip(void **state)
{
    (void)state;
    siam_class_split s;
    siam_error err;
    assert_int_equal(siam_class_split_make(ds, 2, 8, 3, &s, &err), SIAM_OK);
    /* 8 of 12 for test: a large part, round-tripped whole. */
    char *json = siam_class_split_keys_json(ds, &s, SIAM_PART_TEST);
    assert_non_null(json);
    siam_subset *sub = NULL;
    assert_int_equal(siam_class_subset_from_json(ds, json, &sub, &err), SIAM_OK);
    assert_int_equal(sub->n_classes, s.n[SIAM_PART_TEST]);
    for (size_t k = 0; k < sub->n_classes; k++)
        assert_int_equal(sub->class_id[k], s.classes[SIAM_PART_TEST][k]);
    siam_subset_destroy(sub);
    free(json);
    siam_class_split_free(&s);
    /* Escaping: the quoted name survives JSON both ways. */
    assert_int_equal(siam_class_subset_from_json(ds, "[\"say \\\"hi\\\"00\",\"back\\\\slash01\"]",
                                                 &sub, &err), SIAM_OK);
    assert_int_equal(sub->n_classes, 2);
    siam_subset_destroy(sub);
    assert_int_equal(siam_class_subset_from_json(ds, "[\"c05\",\"nope\"]", &sub, &err),
                     SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no class 'nope'"));
    assert_int_equal(siam_class_subset_from_json(ds, "{\"a\":1}", &sub, &err), SIAM_ERR_FORMAT);
    assert_int_equal(siam_class_subset_from_json(ds, "[]", &sub, &err), SIAM_ERR_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_partition),
        cmocka_unit_test(test_keys_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
