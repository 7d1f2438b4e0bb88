/* Test-time augmentation (siam_evaluator_set_views): a score is the mean
 * over the views of the head's score on each view's embeddings, the views
 * being the image and its distortions siam_affine_at(seed, image * 64 +
 * view), built here by hand from the data and distortion modules. */
#include "harness.h"

#include "data/batch.h"
#include "data/data_test_util.h"
#include "engine/graph.h"
#include "engine/head.h"
#include "engine/net.h"
#include "eval/evaluator.h"

#include <stdio.h>
#include <stdlib.h>

enum { VIEWS = 3, NSUP = 4 };

/* The input of view v of image im, as the test expects it. */
static void view_input(const siam_dataset *ds, uint32_t im, int v, uint64_t seed, int h, int w,
                       float *out)
{
    siam_error err;
    if (v == 0) {
        assert_int_equal(siam_image_float(ds, im, h, w, out, &err), SIAM_OK);
        return;
    }
    siam_affine_range range;
    siam_affine t;
    siam_affine_range_koch(&range);
    siam_affine_at(seed, (uint64_t)im * SIAM_TTA_MAX_VIEWS + (uint64_t)v, &range, &t);
    size_t pix = (size_t)siam_dataset_height(ds) * (size_t)siam_dataset_width(ds);
    float *scratch = malloc(pix * sizeof *scratch);
    assert_int_equal(siam_image_float_warped(ds, im, &t, h, w, scratch, out, &err), SIAM_OK);
    free(scratch);
}

static void views_average_the_scores(void **state)
{
    (void)state;
    char root[256];
    assert_int_equal(tu_mkdtemp(root, sizeof root), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/omni", root);
    const int chars[1] = {6};
    assert_int_equal(tu_make_omniglot(path, 1, chars, 2, 40), 0);
    harness h;
    h_open(&h, NULL);
    siam_load_options lo;
    siam_load_options_default(&lo);
    siam_dataset *ds;
    assert_int_equal(siam_dataset_load(path, &lo, NULL, &ds, &h.err), SIAM_OK);
    siam_net_desc d;
    siam_model *m;
    assert_int_equal(siam_net_preset("tiny", &d, &h.err), SIAM_OK);
    assert_int_equal(siam_model_create(h.be, &d, &m, &h.err), SIAM_OK);
    assert_int_equal(siam_model_init(m, 5, SIAM_INIT_UNIFORM, &h.err), SIAM_OK);
    const uint64_t seed = 77;
    const uint32_t query = 0, support[NSUP] = {1, 3, 6, 11};
    float plain[NSUP], tta[NSUP], again[NSUP];
    siam_evaluator *e;
    assert_int_equal(siam_evaluator_create(m, ds, 8, SIAM_METRIC_WL1, &e, &h.err), SIAM_OK);
    assert_int_equal(siam_evaluator_score(e, query, support, NSUP, plain, &h.err), SIAM_OK);
    assert_int_equal(siam_evaluator_set_views(e, VIEWS, seed, &h.err), SIAM_OK);
    assert_int_equal(siam_evaluator_score(e, query, support, NSUP, tta, &h.err), SIAM_OK);
    /* By hand: each view's inputs, embedded and scored by the head. */
    int H = m->desc.in_h, W = m->desc.in_w;
    int64_t D = m->shapes.embed_dim;
    siam_graph *g;
    siam_graph_config gc = {.max_images = 1 + NSUP};
    assert_int_equal(siam_graph_create(m, &gc, &g, &h.err), SIAM_OK);
    float *in = malloc((size_t)(1 + NSUP) * (size_t)(H * W) * sizeof *in);
    float *emb = malloc((size_t)(1 + NSUP) * (size_t)D * sizeof *emb);
    double want[NSUP] = {0};
    int views_differ = 0;
    for (int v = 0; v < VIEWS; v++) {
        view_input(ds, query, v, seed, H, W, in);
        for (int j = 0; j < NSUP; j++)
            view_input(ds, support[j], v, seed, H, W, in + (size_t)(1 + j) * (size_t)(H * W));
        assert_int_equal(siam_graph_embed(g, in, 1 + NSUP, emb, &h.err), SIAM_OK);
        int64_t qs[2] = {1, D}, cs[2] = {NSUP, D}, os[2] = {1, NSUP};
        siam_tensor q = h_make(&h, SIAM_F32, 2, qs, emb);
        siam_tensor c = h_make(&h, SIAM_F32, 2, cs, emb + D);
        siam_tensor o = h_make(&h, SIAM_F32, 2, os, NULL);
        float s[NSUP];
        assert_int_equal(siam_head_score(m, SIAM_METRIC_WL1, &q, &c, &o, s, &h.err), SIAM_OK);
        for (int j = 0; j < NSUP; j++) {
            want[j] += s[j] / VIEWS;
            if (v == 0)
                assert_float_equal(s[j], plain[j], 1e-5);
            else
                views_differ |= s[j] != plain[j];
        }
    }
    assert_true(views_differ); /* the distorted views are not the image again */
    for (int j = 0; j < NSUP; j++)
        assert_float_equal(tta[j], want[j], 1e-4);
    /* Back to one view: the plain scores again. */
    assert_int_equal(siam_evaluator_set_views(e, 1, seed, &h.err), SIAM_OK);
    assert_int_equal(siam_evaluator_score(e, query, support, NSUP, again, &h.err), SIAM_OK);
    for (int j = 0; j < NSUP; j++)
        assert_float_equal(again[j], plain[j], 1e-6);
    /* Out of range: refused, the evaluator unchanged. */
    assert_int_equal(siam_evaluator_set_views(e, 0, seed, &h.err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_evaluator_set_views(e, SIAM_TTA_MAX_VIEWS + 1, seed, &h.err),
                     SIAM_ERR_INVALID_ARG);
    free(in);
    free(emb);
    siam_graph_destroy(g);
    siam_evaluator_destroy(e);
    siam_model_destroy(m);
    siam_dataset_destroy(ds);
    h_close(&h);
    tu_rmtree(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(views_average_the_scores)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
