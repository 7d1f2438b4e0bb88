/* The public C API (include/siamese/siamese.h) on a model file and PNGs
 * made here. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include "engine/checkpoint.h"
#include "data/data_test_util.h"
#include "siamese/siamese.h"

#include <stdio.h>
#include <string.h>

static void api_embeds_scores_and_classifies(void **state)
{
    (void)state;
    char dir[512], model[600], png[4][700];
    assert_int_equal(tu_mkdtemp(dir, sizeof dir), 0);
    snprintf(model, sizeof model, "%s/tiny.safetensors", dir);
    /* A model file as `siamese train` writes it. */
    harness h;
    h_open(&h, NULL);
    siam_net_desc d;
    assert_int_equal(siam_net_preset("tiny", &d, &h.err), SIAM_OK);
    siam_model *m;
    assert_int_equal(siam_model_create(h.be, &d, &m, &h.err), SIAM_OK);
    assert_int_equal(siam_model_init(m, 5, SIAM_INIT_UNIFORM, &h.err), SIAM_OK);
    const char *meta[2] = {"loss", "bce"};
    assert_int_equal(siam_checkpoint_save(model, m, NULL, meta, 1, &h.err), SIAM_OK);
    /* The same with the verification threshold training stores. */
    char model_thr[700];
    snprintf(model_thr, sizeof model_thr, "%s/thr.safetensors", dir);
    const char *meta_thr[6] = {"loss", "bce", "verify_threshold", "0.25", "verify_accuracy", "0.9"};
    assert_int_equal(siam_checkpoint_save(model_thr, m, NULL, meta_thr, 3, &h.err), SIAM_OK);
    siam_model_destroy(m);
    h_close(&h);
    /* Four 40x40 ink drawings (dark ink on white, as Omniglot). */
    for (int k = 0; k < 4; k++) {
        uint8_t ink[40 * 40] = {0};
        for (int i = 5; i < 35; i++)
            ink[(k == 0 ? 20 : i) * 40 + (k == 1 ? 20 : i)] = 1, ink[i * 40 + (k == 3 ? 39 - i : 10 + k)] = 1;
        snprintf(png[k], sizeof png[k], "%s/img%d.png", dir, k);
        assert_int_equal(tu_write_ink_png(png[k], 40, 40, ink), 0);
    }
    siam_ctx *c;
    siam_error err;
    assert_int_equal(siam_open(model, "cpu", &c, &err), SIAM_OK);
    assert_int_equal(siam_input_height(c), 28);
    assert_int_equal(siam_input_width(c), 28);
    int dim = siam_embedding_dim(c);
    assert_int_equal(dim, 64);
    assert_true(siam_scores_are_logits(c));
    double thr = 7;
    assert_int_equal(siam_verify_threshold(c, &thr, NULL), 0); /* this file stores none */
    assert_true(thr == 7);
    siam_ctx *ct;
    double acc = 0;
    assert_int_equal(siam_open(model_thr, "cpu", &ct, &err), SIAM_OK);
    assert_int_equal(siam_verify_threshold(ct, &thr, &acc), 1);
    assert_true(thr == 0.25 && acc == 0.9);
    siam_close(ct);
    /* The backends: cpu among them, no wrapper; a short buffer is refused. */
    char names[256], tiny[2];
    int nb = siam_backends(names, sizeof names);
    assert_true(nb >= 1);
    assert_int_equal(siam_backends(NULL, 0), nb);
    assert_non_null(strstr(names, "cpu"));
    assert_null(strstr(names, "trace"));
    assert_int_equal(siam_backends(tiny, sizeof tiny), -1);
    float x[28 * 28], e[4][64], e0[64], scores[3], s;
    /* siam_embed_png = siam_load_image + siam_embed; ink becomes 1.0. */
    assert_int_equal(siam_load_image(c, png[0], x, &err), SIAM_OK);
    float mx = 0;
    for (int i = 0; i < 28 * 28; i++)
        mx = x[i] > mx ? x[i] : mx;
    assert_true(mx > 0.5f && x[0] == 0.0f); /* inverted: ink bright, corner dark */
    assert_int_equal(siam_embed(c, x, 1, e0, &err), SIAM_OK);
    for (int k = 0; k < 4; k++)
        assert_int_equal(siam_embed_png(c, png[k], e[k], &err), SIAM_OK);
    assert_memory_equal(e0, e[0], sizeof e0);
    /* classify = the pair score against each support, best = argmax. */
    int best = -1;
    assert_int_equal(siam_classify(c, e[0], &e[1][0], 3, scores, &best, &err), SIAM_OK);
    int arg = 0;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(siam_score_pair(c, e[0], e[k + 1], &s, &err), SIAM_OK);
        assert_float_equal(s, scores[k], 1e-6);
        if (scores[k] > scores[arg])
            arg = k;
    }
    assert_int_equal(best, arg);
    assert_true(siam_probability(0.0f) == 0.5);
    /* The same drawing as grey pixels in memory, rows 48 bytes apart (the
     * padding is noise that must not leak in): the same input exactly. */
    uint8_t grey[40 * 48];
    for (int i = 0; i < 40 * 48; i++)
        grey[i] = (uint8_t)(i * 37);
    for (int i = 5; i < 35; i++)
        for (int j = 0; j < 40; j++)
            grey[i * 48 + j] = 255;
    for (int i = 0; i < 5; i++)
        memset(grey + i * 48, 255, 40), memset(grey + (35 + i) * 48, 255, 40);
    for (int i = 5; i < 35; i++)
        grey[20 * 48 + i] = 0, grey[i * 48 + 10] = 0;
    float xg[28 * 28];
    assert_int_equal(siam_image_from_grey(c, grey, 40, 40, 48, xg, &err), SIAM_OK);
    assert_memory_equal(xg, x, sizeof x);
    assert_int_equal(siam_image_from_grey(c, grey, 40, 40, 39, xg, &err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "stride"));
    assert_int_not_equal(siam_image_from_grey(c, grey, 2, 2, 48, xg, &err), SIAM_OK); /* too small */
    assert_int_equal(siam_image_from_grey(c, NULL, 40, 40, 48, xg, &err), SIAM_ERR_INVALID_ARG);
    /* Bad input: errors, never a crash. */
    assert_int_equal(siam_classify(c, e[0], &e[1][0], 0, scores, &best, &err), SIAM_ERR_INVALID_ARG);
    assert_int_not_equal(siam_embed_png(c, model, e0, &err), SIAM_OK); /* not a PNG */
    assert_non_null(strstr(err.msg, "tiny.safetensors"));
    assert_int_equal(siam_embed(c, NULL, 1, e0, &err), SIAM_ERR_INVALID_ARG);
    siam_close(c);
    siam_close(NULL);
    siam_ctx *c2 = NULL;
    assert_int_not_equal(siam_open(png[0], "cpu", &c2, &err), SIAM_OK);
    assert_null(c2);
    assert_int_equal(siam_open(model, "nosuchbackend", &c2, &err), SIAM_ERR_NOT_FOUND);
    assert_int_equal(siam_open(NULL, NULL, &c2, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_open_threads(model, "cpu", -1, &c2, &err), SIAM_ERR_INVALID_ARG);
    /* One thread or the default: the same embedding. */
    assert_int_equal(siam_open_threads(model, "cpu", 1, &c2, &err), SIAM_OK);
    assert_int_equal(siam_embed(c2, x, 1, e[1], &err), SIAM_OK);
    assert_memory_equal(e0, e[1], sizeof e0);
    siam_close(c2);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", SIAMESE_VERSION_MAJOR, SIAMESE_VERSION_MINOR,
             SIAMESE_VERSION_PATCH);
    assert_string_equal(siam_version(), want);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(api_embeds_scores_and_classifies)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
