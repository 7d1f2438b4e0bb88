/* PNG decoding: every bit depth and colour type, interlacing, odd sizes;
 * empty, non-PNG, truncated, corrupt and huge files refused with a message
 * naming the file; area resize. All images are written here with libpng. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    if (!getenv("KEEP")) tu_rmtree(tmpdir);
    return 0;
}

static void path_of(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", tmpdir, name);
}

/* Grey images at 1, 2, 4, 8, 16 bits, plain and interlaced, odd sizes:
 * every sample value comes back scaled exactly to 8 bits. */
static void test_grey_depths(void **state)
{
    (void)state;
    const int depths[] = {1, 2, 4, 8, 16};
    const int sizes[][2] = {{1, 1}, {7, 13}, {33, 5}};
    for (size_t d = 0; d < 5; d++)
        for (int inter = 0; inter < 2; inter++)
            for (size_t s = 0; s < 3; s++) {
                int depth = depths[d], h = sizes[s][0], w = sizes[s][1];
                unsigned maxv = (1u << depth) - 1u;
                uint16_t *smp = malloc(sizeof(uint16_t) * (size_t)w * h);
                for (int i = 0; i < w * h; i++) {
                    unsigned level = (unsigned)(i * 7 + 3) % 256u; /* target 8-bit value */
                    /* A sample whose 8-bit expansion is exact. */
                    smp[i] = depth == 16 ? (uint16_t)(level * 257u)
                                         : (uint16_t)((level * maxv + 127u) / 255u);
                }
                char path[4200];
                char name[64];
                snprintf(name, sizeof name, "grey%d_%d_%zu.png", depth, inter, s);
                path_of(path, sizeof path, name);
                assert_int_equal(tu_write_png(path, w, h, PNG_COLOR_TYPE_GRAY, depth, inter, smp,
                                              NULL, 0, NULL, 0), 0);
                siam_grey g;
                siam_error err;
                assert_int_equal(siam_image_load(path, &g, &err), SIAM_OK);
                assert_int_equal(g.h, h);
                assert_int_equal(g.w, w);
                for (int i = 0; i < w * h; i++) {
                    unsigned expect = depth == 16 ? smp[i] / 257u : (smp[i] * 255u) / maxv;
                    assert_int_equal(g.data[i], expect);
                }
                siam_grey_free(&g);
                free(smp);
            }
}

/* RGB(A) and grey+alpha at 8 and 16 bits: neutral colours give their
 * value, a colour gives its luminance, alpha is composited over white. */
static void test_colour_and_alpha(void **state)
{
    (void)state;
    const int types[] = {PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    const int chans[] = {2, 3, 4};
    for (int t = 0; t < 3; t++)
        for (int depth = 8; depth <= 16; depth += 8)
            for (int inter = 0; inter < 2; inter++) {
                int w = 6, h = 3, ch = chans[t];
                unsigned one = depth == 16 ? 257u : 1u;
                uint16_t smp[6 * 3 * 4];
                /* Pixel values (8-bit): grey levels, then pure red, green,
                 * blue (RGB), then alpha 0 and alpha 128 over black. */
                for (int i = 0; i < w * h; i++) {
                    unsigned v = (unsigned)(i * 15) % 256u, r = v, g = v, b = v, a = 255;
                    if (ch >= 3 && i == 1) { r = 255; g = 0; b = 0; }
                    if (ch >= 3 && i == 2) { r = 0; g = 255; b = 0; }
                    if (ch >= 3 && i == 3) { r = 0; g = 0; b = 255; }
                    if ((ch == 2 || ch == 4) && i == 4) { r = g = b = 0; a = 0; }
                    if ((ch == 2 || ch == 4) && i == 5) { r = g = b = 0; a = 128; }
                    uint16_t *p = smp + (size_t)i * ch;
                    if (ch == 2) {
                        p[0] = (uint16_t)(r * one);
                        p[1] = (uint16_t)(a * one);
                    } else {
                        p[0] = (uint16_t)(r * one);
                        p[1] = (uint16_t)(g * one);
                        p[2] = (uint16_t)(b * one);
                        if (ch == 4)
                            p[3] = (uint16_t)(a * one);
                    }
                }
                char path[4200], name[64];
                snprintf(name, sizeof name, "col%d_%d_%d.png", types[t], depth, inter);
                path_of(path, sizeof path, name);
                assert_int_equal(tu_write_png(path, w, h, types[t], depth, inter, smp, NULL, 0,
                                              NULL, 0), 0);
                siam_grey g;
                siam_error err;
                assert_int_equal(siam_image_load(path, &g, &err), SIAM_OK);
                assert_int_equal(g.w, w);
                assert_int_equal(g.h, h);
                for (int i = 0; i < w * h; i++) {
                    int expect = (i * 15) % 256;
                    if (ch >= 3 && i == 1) expect = 54;  /* 0.2126 * 255 */
                    if (ch >= 3 && i == 2) expect = 182; /* 0.7152 * 255 */
                    if (ch >= 3 && i == 3) expect = 18;  /* 0.0722 * 255 */
                    if ((ch == 2 || ch == 4) && i == 4) expect = 255;
                    if ((ch == 2 || ch == 4) && i == 5) expect = 127;
                    assert_in_range(g.data[i], expect > 2 ? expect - 2 : 0, expect + 2);
                }
                siam_grey_free(&g);
            }
}

/* Palette images at 1, 2, 4, 8 bits, with and without tRNS. */
static void test_palette(void **state)
{
    (void)state;
    for (int depth = 1; depth <= 8; depth *= 2)
        for (int with_trns = 0; with_trns < 4; with_trns++) {
            int inter = with_trns >= 2; /* 2, 3: the same, Adam7-interlaced */
            int n_pal = 1 << depth, w = 9, h = 4;
            uint8_t pal[256 * 3], trns[256];
            for (int i = 0; i < n_pal; i++) {
                uint8_t v = (uint8_t)((i * 255) / (n_pal - 1));
                pal[3 * i] = pal[3 * i + 1] = pal[3 * i + 2] = v;
                trns[i] = 255;
            }
            trns[0] = 0; /* index 0 fully transparent when tRNS is on */
            uint16_t smp[9 * 4];
            for (int i = 0; i < w * h; i++)
                smp[i] = (uint16_t)(i % n_pal);
            char path[4200], name[64];
            snprintf(name, sizeof name, "pal%d_%d.png", depth, with_trns);
            path_of(path, sizeof path, name);
            int use_trns = with_trns % 2;
            assert_int_equal(tu_write_png(path, w, h, PNG_COLOR_TYPE_PALETTE, depth, inter, smp, pal,
                                          n_pal, use_trns ? trns : NULL, use_trns ? n_pal : 0), 0);
            siam_grey g;
            siam_error err;
            assert_int_equal(siam_image_load(path, &g, &err), SIAM_OK);
            for (int i = 0; i < w * h; i++) {
                int idx = i % n_pal;
                int expect = (use_trns && idx == 0) ? 255 : pal[3 * idx];
                assert_int_equal(g.data[i], expect);
            }
            siam_grey_free(&g);
        }
}

/* A valid 8-bit grey PNG in memory, for the corruption tests. */
static void make_valid(uint8_t **bytes, size_t *n, char *path, size_t cap)
{
    path_of(path, cap, "valid.png");
    uint16_t smp[20 * 20];
    for (int i = 0; i < 400; i++)
        smp[i] = (uint16_t)((i * 37) % 256);
    assert_int_equal(tu_write_png(path, 20, 20, PNG_COLOR_TYPE_GRAY, 8, 0, smp, NULL, 0, NULL, 0), 0);
    assert_int_equal(tu_read_file(path, bytes, n), 0);
}

/* Writes bytes to a named file, loads it, expects failure whose message
 * names the file and contains `what`. */
static void expect_refused(const char *name, const uint8_t *bytes, size_t n, const char *what)
{
    char path[4200];
    path_of(path, sizeof path, name);
    assert_int_equal(tu_write_file(path, bytes, n), 0);
    siam_grey g = {7, 7, (uint8_t *)&g};
    siam_error err;
    siam_error_clear(&err);
    siam_status st = siam_image_load(path, &g, &err);
    if (st == SIAM_OK || !strstr(err.msg, path) || !strstr(err.msg, what))
        fail_msg("%s: status %d, message '%s' (wanted '%s')", name, st, err.msg, what);
    assert_null(g.data);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void test_refused(void **state)
{
    (void)state;
    uint8_t *png;
    size_t n;
    char vpath[4200];
    make_valid(&png, &n, vpath, sizeof vpath);
    siam_grey g;
    siam_error err;
    assert_int_equal(siam_image_load(vpath, &g, &err), SIAM_OK);
    siam_grey_free(&g);

    expect_refused("empty.png", png, 0, "empty");
    const char *text = "this is not an image\n";
    expect_refused("text.png", (const uint8_t *)text, strlen(text), "not a PNG");
    expect_refused("short.png", png, 4, "not a PNG");
    /* Cut after the signature, inside IHDR, inside IDAT, before IEND. */
    const size_t cuts[] = {8, 20, n / 2, n - 6};
    for (size_t k = 0; k < 4; k++) {
        char name[64];
        snprintf(name, sizeof name, "trunc%zu.png", k);
        expect_refused(name, png, cuts[k], "truncated");
    }
    /* A flipped bit inside IDAT's data: CRC mismatch in a critical chunk. */
    uint8_t *bad = malloc(n);
    memcpy(bad, png, n);
    bad[n - 12 - 8] ^= 0x10; /* last IDAT byte before its CRC (IEND is 12 bytes) */
    expect_refused("crc.png", bad, n, "corrupt");
    /* A bad IHDR (bit depth 3 does not exist), with a valid CRC. */
    memcpy(bad, png, n);
    bad[8 + 8 + 8] = 3;
    put32(bad + 8 + 8 + 13, crc32_of(bad + 12, 17));
    expect_refused("depth3.png", bad, n, "corrupt");
    /* Huge dimensions with valid CRCs: refused before any allocation. */
    const uint32_t dims[][2] = {{100000, 10}, {10, 100000}, {16000, 16000}, {0x7fffffffu, 1}};
    for (size_t k = 0; k < 4; k++) {
        memcpy(bad, png, n);
        put32(bad + 16, dims[k][0]);
        put32(bad + 20, dims[k][1]);
        put32(bad + 8 + 8 + 13, crc32_of(bad + 12, 17));
        char name[64];
        snprintf(name, sizeof name, "huge%zu.png", k);
        expect_refused(name, bad, n, "limit");
    }
    free(bad);
    free(png);

    char missing[4200];
    path_of(missing, sizeof missing, "does_not_exist.png");
    siam_error_clear(&err);
    assert_int_equal(siam_image_load(missing, &g, &err), SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, missing));
    assert_non_null(strstr(err.msg, "No such file or directory"));
    /* A folder (and so a FIFO or a device) is refused before any read. */
    path_of(missing, sizeof missing, "");
    assert_int_equal(siam_image_load(missing, &g, &err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "is not a regular file (a folder)"));
}

/* 105 -> 35 averages exact 3x3 blocks; same size is a copy; float and u8
 * versions agree. */
static void test_resize(void **state)
{
    (void)state;
    uint8_t src[105 * 105], dst[35 * 35];
    float dstf[35 * 35];
    for (int i = 0; i < 105 * 105; i++)
        src[i] = (uint8_t)((i * 2654435761u) >> 24);
    siam_error err;
    assert_int_equal(siam_resize_area_u8(src, 105, 105, dst, 35, 35, &err), SIAM_OK);
    assert_int_equal(siam_resize_area_f32(src, 105, 105, dstf, 35, 35, 1.0f, &err), SIAM_OK);
    for (int y = 0; y < 35; y++)
        for (int x = 0; x < 35; x++) {
            int sum = 0;
            for (int dy = 0; dy < 3; dy++)
                for (int dx = 0; dx < 3; dx++)
                    sum += src[(3 * y + dy) * 105 + 3 * x + dx];
            assert_float_equal(dstf[y * 35 + x], sum / 9.0, 1e-3);
            assert_int_equal(dst[y * 35 + x], (sum + 4) / 9);
        }
    uint8_t same[105 * 105];
    assert_int_equal(siam_resize_area_u8(src, 105, 105, same, 105, 105, &err), SIAM_OK);
    assert_memory_equal(same, src, sizeof src);
    /* Non-integer ratio keeps the mean of a constant image. */
    uint8_t flat[10 * 7], out[3 * 4];
    memset(flat, 200, sizeof flat);
    assert_int_equal(siam_resize_area_u8(flat, 10, 7, out, 3, 4, &err), SIAM_OK);
    for (int i = 0; i < 12; i++)
        assert_int_equal(out[i], 200);
    assert_int_equal(siam_resize_area_u8(flat, 0, 7, out, 3, 4, &err), SIAM_ERR_INVALID_ARG);
}

static void test_border_mean(void **state)
{
    (void)state;
    uint8_t img[4 * 5];
    memset(img, 0, sizeof img);
    for (int x = 0; x < 5; x++)
        img[x] = img[15 + x] = 255;
    for (int y = 1; y < 3; y++)
        img[y * 5] = img[y * 5 + 4] = 255;
    img[6] = 17; /* interior: ignored */
    assert_float_equal(siam_border_mean(img, 4, 5), 255.0, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grey_depths),  cmocka_unit_test(test_colour_and_alpha),
        cmocka_unit_test(test_palette),      cmocka_unit_test(test_refused),
        cmocka_unit_test(test_resize),       cmocka_unit_test(test_border_mean),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
