/* JPEG decoding (libjpeg-turbo) and the format sniffing of
 * siam_image_load: grey, RGB to luminance, a PNG named .jpg, and refusals
 * (truncated, CMYK, neither format) with a message naming the file. The
 * JPEGs are written here with libjpeg; expected values are computed by
 * hand from the JFIF luminance weights. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/folder.h"
#include "data/image.h"
#include "data_test_util.h"

static char tmpdir[4096];

static int setup(void **state)
{
    (void)state;
    return tu_mkdtemp(tmpdir, sizeof tmpdir);
}

static int teardown(void **state)
{
    (void)state;
    if (!getenv("KEEP"))
        tu_rmtree(tmpdir);
    return 0;
}

static void path_of(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", tmpdir, name);
}

/* A smooth grey ramp at quality 100 comes back within 2 levels. */
static void test_grey(void **state)
{
    (void)state;
    enum { W = 40, H = 24 };
    uint8_t px[H * W];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            px[y * W + x] = (uint8_t)(20 + 5 * x + y);
    char path[4200];
    path_of(path, sizeof path, "ramp.jpg");
    assert_int_equal(tu_write_jpeg(path, W, H, 1, px, 100), 0);
    siam_grey g;
    siam_error err;
    assert_int_equal(siam_image_load(path, &g, &err), SIAM_OK);
    assert_int_equal(g.h, H);
    assert_int_equal(g.w, W);
    int worst = 0;
    for (int i = 0; i < H * W; i++)
        worst = abs((int)g.data[i] - (int)px[i]) > worst ? abs((int)g.data[i] - (int)px[i]) : worst;
    assert_true(worst <= 2);
    siam_grey_free(&g);
}

/* Flat colours to luminance: Y = 0.299 R + 0.587 G + 0.114 B. */
static void test_rgb_luminance(void **state)
{
    (void)state;
    static const uint8_t colours[3][3] = {{200, 100, 50}, {0, 255, 0}, {30, 30, 230}};
    static const double want[3] = {124.2, 149.685, 52.08};
    for (int c = 0; c < 3; c++) {
        enum { W = 16, H = 16 };
        uint8_t px[H * W * 3];
        for (int i = 0; i < H * W; i++)
            memcpy(px + 3 * i, colours[c], 3);
        char path[4200];
        path_of(path, sizeof path, "flat.JPEG");
        assert_int_equal(tu_write_jpeg(path, W, H, 3, px, 100), 0);
        siam_grey g;
        siam_error err;
        assert_int_equal(siam_image_load(path, &g, &err), SIAM_OK);
        for (int i = 0; i < H * W; i++)
            assert_true(abs((int)g.data[i] - (int)(want[c] + 0.5)) <= 2);
        siam_grey_free(&g);
    }
}

/* The first bytes decide: a PNG named .jpg loads as PNG, and a JPEG named
 * .png as JPEG. */
static void test_sniffed(void **state)
{
    (void)state;
    uint8_t ink[4 * 4] = {0};
    ink[5] = 1;
    char path[4200];
    path_of(path, sizeof path, "really_png.jpg");
    assert_int_equal(tu_write_ink_png(path, 4, 4, ink), 0);
    siam_grey g;
    siam_error err;
    assert_int_equal(siam_image_load(path, &g, &err), SIAM_OK);
    assert_int_equal(g.data[5], 0);
    assert_int_equal(g.data[0], 255);
    siam_grey_free(&g);
    uint8_t px[8 * 8];
    memset(px, 77, sizeof px);
    path_of(path, sizeof path, "really_jpeg.png");
    assert_int_equal(tu_write_jpeg(path, 8, 8, 1, px, 95), 0);
    assert_int_equal(siam_image_load(path, &g, &err), SIAM_OK);
    assert_true(abs((int)g.data[0] - 77) <= 2);
    siam_grey_free(&g);
}

static void expect_refused(const char *name, const char *fragment)
{
    char path[4200];
    path_of(path, sizeof path, name);
    siam_grey g;
    siam_error err;
    siam_error_clear(&err);
    assert_int_equal(siam_image_load(path, &g, &err), SIAM_ERR_FORMAT);
    assert_null(g.data);
    assert_non_null(strstr(err.msg, path));
    if (!strstr(err.msg, fragment))
        fail_msg("message '%s' lacks '%s'", err.msg, fragment);
}

static void test_refused(void **state)
{
    (void)state;
    enum { W = 64, H = 64 };
    uint8_t px[H * W * 4];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 37u);
    char path[4200];
    path_of(path, sizeof path, "whole.jpg");
    assert_int_equal(tu_write_jpeg(path, W, H, 1, px, 90), 0);
    uint8_t *bytes;
    size_t n;
    assert_int_equal(tu_read_file(path, &bytes, &n), 0);
    path_of(path, sizeof path, "truncated.jpg");
    assert_int_equal(tu_write_file(path, bytes, n / 2), 0);
    free(bytes);
    expect_refused("truncated.jpg", "corrupt or truncated JPEG");

    path_of(path, sizeof path, "cmyk.jpg");
    assert_int_equal(tu_write_jpeg(path, W, H, 4, px, 90), 0);
    expect_refused("cmyk.jpg", "a CMYK JPEG");

    path_of(path, sizeof path, "text.jpg");
    assert_int_equal(tu_write_file(path, "hello", 5), 0);
    expect_refused("text.jpg", "not a PNG or JPEG image");
    path_of(path, sizeof path, "empty.jpeg");
    assert_int_equal(tu_write_file(path, "", 0), 0);
    expect_refused("empty.jpeg", "empty file");
    /* Only the start of a JPEG: the signature and nothing after it. */
    path_of(path, sizeof path, "stub.jpg");
    assert_int_equal(tu_write_file(path, "\xFF\xD8\xFF", 3), 0);
    expect_refused("stub.jpg", "corrupt or truncated JPEG");
}

static void test_names(void **state)
{
    (void)state;
    assert_true(siam_is_image_name("a.png"));
    assert_true(siam_is_image_name("a.JPG"));
    assert_true(siam_is_image_name("a.Jpeg"));
    assert_false(siam_is_image_name(".jpg"));
    assert_false(siam_is_image_name("a.jpgx"));
    assert_false(siam_is_image_name("a.gif"));
}

/* A class-folder dataset of JPEGs loads like one of PNGs. */
static void test_dataset(void **state)
{
    (void)state;
    char root[4200], path[4300];
    path_of(root, sizeof root, "jpeg_classes");
    uint8_t px[20 * 20];
    for (int c = 0; c < 3; c++)
        for (int k = 0; k < 2; k++) {
            snprintf(path, sizeof path, "%s/class%d", root, c);
            assert_int_equal(tu_mkdirs(path), 0);
            snprintf(path, sizeof path, "%s/class%d/img%d.jpg", root, c, k);
            memset(px, 255, sizeof px);
            for (int i = 0; i < 20; i++)
                px[i * 20 + (c * 5 + k) % 20] = 0; /* a dark stroke on white */
            assert_int_equal(tu_write_jpeg(path, 20, 20, 1, px, 95), 0);
        }
    siam_load_options opt;
    siam_load_options_default(&opt);
    siam_dataset *ds = NULL;
    siam_error err;
    assert_int_equal(siam_dataset_load(root, &opt, NULL, &ds, &err), SIAM_OK);
    assert_int_equal(siam_dataset_n_classes(ds), 3);
    assert_int_equal(siam_dataset_count(ds), 6);
    siam_dataset_destroy(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grey),    cmocka_unit_test(test_rgb_luminance),
        cmocka_unit_test(test_sniffed), cmocka_unit_test(test_refused),
        cmocka_unit_test(test_names),   cmocka_unit_test(test_dataset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
