/* The shared Omniglot data: counts, the pixel arena's size, Koch's splits on
 * the real folders, pairs from the train split. Skips with a message when
 * the data are absent. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/pairs.h"
#include "data/split.h"
#include "data/trials.h"
#include "data_test_util.h"

static siam_dataset *bg, *ev;

static int setup(void **state)
{
    (void)state;
    const char *dir = tu_omniglot_dir();
    if (!dir)
        return 0; /* every test skips */
    char path[4200];
    siam_error err;
    siam_load_report rep = {0, NULL, 0};
    snprintf(path, sizeof path, "%s/images_background", dir);
    if (siam_dataset_load(path, NULL, &rep, &bg, &err) != SIAM_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    snprintf(path, sizeof path, "%s/images_evaluation", dir);
    if (siam_dataset_load(path, NULL, &rep, &ev, &err) != SIAM_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    if (rep.n_bad || rep.n_skipped) {
        fprintf(stderr, "unexpected report: %zu bad, %zu skipped\n", rep.n_bad, rep.n_skipped);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    siam_dataset_destroy(bg);
    siam_dataset_destroy(ev);
    return 0;
}

#define NEED_DATA()                                                                                \
    do {                                                                                           \
        if (!bg) {                                                                                 \
            skip();                                                                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void test_counts(void **state)
{
    (void)state;
    NEED_DATA();
    assert_int_equal(siam_dataset_n_alphabets(bg), 30);
    assert_int_equal(siam_dataset_n_classes(bg), 964);
    assert_int_equal(siam_dataset_count(bg), 19280);
    assert_int_equal(siam_dataset_n_alphabets(ev), 20);
    assert_int_equal(siam_dataset_n_classes(ev), 659);
    assert_int_equal(siam_dataset_count(ev), 13180);
    const siam_dataset *sets[] = {bg, ev};
    for (int s = 0; s < 2; s++) {
        const siam_dataset *d = sets[s];
        assert_int_equal(siam_dataset_height(d), 105);
        assert_int_equal(siam_dataset_width(d), 105);
        assert_int_equal(siam_dataset_inverted(d), 1);
        for (size_t c = 0; c < siam_dataset_n_classes(d); c++)
            assert_int_equal(siam_dataset_class_n_images(d, c), 20);
        /* Drawers 1..20 in every class; character ids as in the README. */
        for (size_t i = 0; i < siam_dataset_count(d); i++) {
            const siam_image_info *in = siam_dataset_info(d, i);
            assert_int_equal(in->drawer, 1 + (i - siam_dataset_class_first_image(d, in->cls)));
            if (s == 0)
                assert_in_range(in->id, 1, 964);
            else
                assert_in_range(in->id, 965, 1623);
        }
    }
    /* Ink is the minority: the polarity came out right. */
    size_t ink = 0, px = siam_dataset_arena_bytes(bg);
    const uint8_t *p = siam_dataset_pixels(bg, 0);
    for (size_t k = 0; k < px; k++)
        ink += p[k] == 255;
    assert_true(ink > px / 100 && ink < px / 4);
}

/* The pixel arena is ours and its size is exact; load time and the
 * process's RSS depend on the machine, so benchmarks/bench_load measures
 * them instead of a limit here. */
static void test_arena_size(void **state)
{
    (void)state;
    NEED_DATA();
    size_t bytes = siam_dataset_arena_bytes(bg) + siam_dataset_arena_bytes(ev);
    assert_int_equal(bytes, (size_t)32460 * 105 * 105);
}

static void test_splits_on_data(void **state)
{
    (void)state;
    NEED_DATA();
    siam_subset *tr, *tr20, *va, *te;
    siam_error err;
    assert_int_equal(siam_split_subset(bg, SIAM_SPLIT_TRAIN, 0, &tr, &err), SIAM_OK);
    assert_int_equal(siam_split_subset(bg, SIAM_SPLIT_TRAIN, 1, &tr20, &err), SIAM_OK);
    assert_int_equal(siam_split_subset(ev, SIAM_SPLIT_VAL, 0, &va, &err), SIAM_OK);
    assert_int_equal(siam_split_subset(ev, SIAM_SPLIT_TEST, 0, &te, &err), SIAM_OK);
    assert_int_equal(tr->n_alphabets, 30);
    assert_int_equal(tr->n_classes, 964);
    assert_int_equal(tr->n_images, 964 * 12);
    assert_int_equal(tr20->n_images, 19280);
    assert_int_equal(va->n_alphabets, 10);
    assert_int_equal(te->n_alphabets, 10);
    /* Validation and test together are the whole evaluation set's
     * alphabets, each with 4 drawers. */
    assert_int_equal(va->n_classes + te->n_classes, 659);
    assert_int_equal(va->n_images, va->n_classes * 4);
    assert_int_equal(te->n_images, te->n_classes * 4);
    const siam_subset *subs[] = {tr, va, te};
    const siam_split_id ids[] = {SIAM_SPLIT_TRAIN, SIAM_SPLIT_VAL, SIAM_SPLIT_TEST};
    const siam_dataset *src[] = {bg, ev, ev};
    for (int k = 0; k < 3; k++) {
        const siam_split_def *d = siam_split_get(ids[k]);
        for (size_t i = 0; i < subs[k]->n_images; i++) {
            const siam_image_info *in = siam_dataset_info(src[k], subs[k]->images[i]);
            assert_in_range(in->drawer, (unsigned)d->drawer_lo, (unsigned)d->drawer_hi);
            const char *alpha = siam_dataset_alphabet_name(src[k], in->alphabet);
            int listed = 0;
            for (size_t a = 0; a < d->n_alphabets; a++)
                listed |= strcmp(alpha, d->alphabets[a]) == 0;
            assert_true(listed);
        }
    }
    /* The wrong folder is refused, naming what is missing. */
    siam_subset *bad;
    assert_int_equal(siam_split_subset(bg, SIAM_SPLIT_TEST, 0, &bad, &err), SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "images_evaluation"));
    assert_int_equal(siam_split_subset(ev, SIAM_SPLIT_TEST, 1, &bad, &err), SIAM_ERR_INVALID_ARG);

    /* A 30k training set: balanced, inside the split. */
    enum { N = 30000 };
    siam_pair *p = malloc(sizeof(siam_pair) * N);
    assert_int_equal(siam_pair_set_make(tr, SIAM_NEG_ANY_ALPHABET, 1, N, p, &err), SIAM_OK);
    size_t same = 0;
    for (size_t i = 0; i < N; i++) {
        const siam_image_info *l = siam_dataset_info(bg, p[i].left);
        const siam_image_info *r = siam_dataset_info(bg, p[i].right);
        assert_true(l->drawer <= 12 && r->drawer <= 12);
        assert_int_equal(p[i].same, l->cls == r->cls);
        same += p[i].same;
    }
    assert_int_equal(same, N / 2);
    free(p);

    /* Koch's 400 within-alphabet test trials: 2 rounds per alphabet. */
    siam_trial_set ts;
    assert_int_equal(siam_trials_make(te, SIAM_PROTOCOL_WITHIN, 20, 1, 400, 1, &ts, &err), SIAM_OK);
    int per_alpha[20] = {0};
    for (size_t t = 0; t < ts.n_trials; t++)
        per_alpha[siam_dataset_info(ev, ts.query[t])->alphabet]++;
    for (size_t a = 0; a < te->n_alphabets; a++)
        assert_int_equal(per_alpha[te->alphabet_id[a]], 40);
    siam_trial_set_free(&ts);

    siam_subset_destroy(tr);
    siam_subset_destroy(tr20);
    siam_subset_destroy(va);
    siam_subset_destroy(te);
}

/* The one-call form a training driver uses. */
static void test_split_load(void **state)
{
    (void)state;
    NEED_DATA();
    siam_dataset *d = NULL;
    siam_subset *s = NULL;
    siam_error err;
    assert_int_equal(siam_split_load(tu_omniglot_dir(), SIAM_SPLIT_VAL, 0, NULL, NULL, &d, &s, &err),
                     SIAM_OK);
    assert_int_equal(siam_dataset_count(d), 13180);
    assert_int_equal(s->n_alphabets, 10);
    assert_int_equal(s->n_images, s->n_classes * 4);
    siam_subset_destroy(s);
    siam_dataset_destroy(d);
    assert_int_equal(siam_split_load("/nonexistent", SIAM_SPLIT_TRAIN, 1, NULL, NULL, &d, &s, &err),
                     SIAM_ERR_NOT_FOUND);
    assert_null(d);
    assert_null(s);
    assert_non_null(strstr(err.msg, "/nonexistent/images_background"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_arena_size),
        cmocka_unit_test(test_splits_on_data),
        cmocka_unit_test(test_split_load),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
