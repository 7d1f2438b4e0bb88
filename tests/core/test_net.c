/* Presets, layer-list parsing, shapes and parameter counts. */
#include "harness.h"

#include "engine/net.h"

static void koch105_is_the_paper_net(void **state)
{
    (void)state;
    siam_net_desc d;
    siam_error err;
    assert_int_equal(siam_net_preset("koch105", &d, &err), SIAM_OK);
    /* conv 1,194,816 + FC 37,752,832 + head 4,097 (Koch et al. 2015, Fig. 4) */
    assert_int_equal(siam_net_param_count(&d), 38951745);
    d.head_bias = 0;
    assert_int_equal(siam_net_param_count(&d), 38951744);
    siam_net_shapes s;
    assert_int_equal(siam_net_shapes_of(&d, &s, &err), SIAM_OK);
    const int64_t c[] = {64, 64, 64, 128, 128, 128, 128, 128, 128, 256, 256, 4096, 4096};
    const int64_t h[] = {96, 96, 48, 42, 42, 21, 18, 18, 9, 6, 6, 1, 1};
    assert_int_equal(d.n_layers, 13);
    for (int i = 0; i < d.n_layers; i++) {
        assert_int_equal(s.c[i], c[i]);
        assert_int_equal(s.h[i], h[i]);
    }
    assert_int_equal(s.embed_dim, 4096);
}

static void presets_and_strings_round_trip(void **state)
{
    (void)state;
    siam_error err;
    for (const char *const *n = siam_net_preset_names(); *n; n++) {
        siam_net_desc d, e;
        assert_int_equal(siam_net_preset(*n, &d, &err), SIAM_OK);
        char buf[512];
        assert_int_equal(siam_net_format(&d, buf, sizeof buf, &err), SIAM_OK);
        assert_int_equal(siam_net_parse(buf, d.in_c, d.in_h, d.in_w, &e, &err), SIAM_OK);
        assert_int_equal(siam_net_param_count(&d), siam_net_param_count(&e));
        assert_int_equal(d.n_layers, e.n_layers);
    }
    siam_net_desc k35;
    assert_int_equal(siam_net_preset("koch35", &k35, &err), SIAM_OK);
    assert_int_equal(k35.in_h, 35);
    /* 64*25+64 + 128*64*25+128 + 128*128*9+128 + 1024*1152+1024 + 1024+1 */
    assert_int_equal(siam_net_param_count(&k35), 1664 + 204928 + 147584 + 1180672 + 1025);
}

static void bad_descriptions_are_refused(void **state)
{
    (void)state;
    siam_net_desc d;
    siam_error err;
    assert_int_equal(siam_net_preset("koch999", &d, &err), SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "koch999"));
    assert_int_equal(siam_net_preset(NULL, &d, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_net_parse("conv:8:3,banana", 1, 10, 10, &d, &err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "banana"));
    assert_int_equal(siam_net_parse("conv:8:11", 1, 10, 10, &d, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_net_parse("pool,pool,pool,pool", 1, 10, 10, &d, &err),
                     SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_net_parse("linear:4,conv:2:1", 1, 10, 10, &d, &err),
                     SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_net_parse("conv:0:3", 1, 10, 10, &d, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_net_parse("conv:8:3", 0, 10, 10, &d, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_net_parse("", 1, 10, 10, &d, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_net_parse(NULL, 1, 10, 10, &d, &err), SIAM_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(koch105_is_the_paper_net),
        cmocka_unit_test(presets_and_strings_round_trip),
        cmocka_unit_test(bad_descriptions_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
