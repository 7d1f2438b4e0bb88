/* Affine distortions and the batch builder: identity is exact, known
 * transforms move pixels where they should, parameters stay in range and
 * come back from the seed, batches have the documented layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/batch.h"
#include "data/distort.h"
#include "data_test_util.h"

static void random_image(uint8_t *img, int n, uint64_t seed)
{
    siam_rng r = siam_rng_make(seed, SIAM_RNG_STREAM_TEST);
    for (int i = 0; i < n; i++)
        img[i] = (uint8_t)siam_rng_below(&r, 256);
}

static void test_identity_exact(void **state)
{
    (void)state;
    const int sizes[][2] = {{105, 105}, {35, 35}, {8, 13}};
    for (int s = 0; s < 3; s++) {
        int h = sizes[s][0], w = sizes[s][1];
        uint8_t *src = malloc((size_t)h * w);
        float *dst = malloc(sizeof(float) * (size_t)h * w);
        random_image(src, h * w, (uint64_t)s);
        siam_affine t;
        siam_affine_identity(&t);
        siam_error err;
        assert_int_equal(siam_affine_warp(src, h, w, &t, dst, 1.0f, &err), SIAM_OK);
        for (int i = 0; i < h * w; i++)
            assert_true(dst[i] == (float)src[i]);
        free(src);
        free(dst);
    }
}

/* Translation by whole pixels shifts exactly; a 90 degree rotation of an
 * odd square permutes pixels (up to rounding of cos 90). */
static void test_known_transforms(void **state)
{
    (void)state;
    enum { N = 9 };
    uint8_t src[N * N];
    float dst[N * N];
    random_image(src, N * N, 7);
    siam_affine t;
    siam_error err;
    siam_affine_identity(&t);
    t.tx = 2.0;
    t.ty = -1.0;
    assert_int_equal(siam_affine_warp(src, N, N, &t, dst, 1.0f, &err), SIAM_OK);
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            int sx = x - 2, sy = y + 1;
            float expect = (sx >= 0 && sx < N && sy >= 0 && sy < N) ? src[sy * N + sx] : 0.0f;
            assert_float_equal(dst[y * N + x], expect, 1e-4);
        }
    siam_affine_identity(&t);
    t.theta_deg = 90.0;
    assert_int_equal(siam_affine_warp(src, N, N, &t, dst, 1.0f, &err), SIAM_OK);
    /* Forward map rotates (x, y) about the centre by +90 degrees:
     * (dx, dy) -> (-dy, dx); so dst(x, y) = src at (dy, -dx). */
    int c = N / 2;
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            int dx = x - c, dy = y - c;
            int sx = c + dy, sy = c - dx;
            assert_float_equal(dst[y * N + x], src[sy * N + sx], 1e-3);
        }
    /* Scale 2 in x about the centre: the centre column is unchanged. */
    siam_affine_identity(&t);
    t.scale_x = 2.0;
    assert_int_equal(siam_affine_warp(src, N, N, &t, dst, 1.0f, &err), SIAM_OK);
    for (int y = 0; y < N; y++)
        assert_float_equal(dst[y * N + c], src[y * N + c], 1e-4);
    /* A singular matrix is refused. */
    t.scale_x = 0.0;
    assert_int_equal(siam_affine_warp(src, N, N, &t, dst, 1.0f, &err), SIAM_ERR_INVALID_ARG);
}

/* Plain double-precision bilinear warp, the definition in distort.h. */
static double ref_pixel(const uint8_t *src, int h, int w, const siam_affine *t, int x, int y)
{
    double th = t->theta_deg * 3.14159265358979323846 / 180.0, c = cos(th), s = sin(th);
    double a = (c - s * t->shear_y) * t->scale_x, b = (c * t->shear_x - s) * t->scale_y;
    double d = (s + c * t->shear_y) * t->scale_x, e = (s * t->shear_x + c) * t->scale_y;
    double det = a * e - b * d, cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
    double u = x - cx - t->tx, v = y - cy - t->ty;
    double sx = (e * u - b * v) / det + cx, sy = (-d * u + a * v) / det + cy;
    int x0 = (int)floor(sx), y0 = (int)floor(sy);
    double fx = sx - x0, fy = sy - y0, acc = 0.0;
    for (int k = 0; k < 4; k++) {
        int xx = x0 + (k & 1), yy = y0 + (k >> 1);
        double wgt = ((k & 1) ? fx : 1 - fx) * ((k >> 1) ? fy : 1 - fy);
        if (xx >= 0 && yy >= 0 && xx < w && yy < h)
            acc += wgt * src[yy * w + xx];
    }
    return acc;
}

/* Random Koch transforms of sparse and dense images agree with the plain
 * definition to within the 8-bit interpolation weights, and are exactly 0
 * wherever the definition is. */
static void test_matches_definition(void **state)
{
    (void)state;
    enum { H = 105, W = 105 };
    uint8_t *src = malloc(H * W);
    float *dst = malloc(sizeof(float) * H * W);
    siam_affine_range g;
    siam_affine_range_koch(&g);
    g.p = 1.0; /* every component, to exercise them all */
    siam_rng r = siam_rng_make(9, SIAM_RNG_STREAM_TEST);
    siam_error err;
    for (int trial = 0; trial < 60; trial++) {
        random_image(src, H * W, (uint64_t)trial);
        /* Sparse: keep a small blob of ink only (a Omniglot-like case);
         * every third trial keeps the dense image. */
        if (trial % 3) {
            int bx = 10 + trial % 80, by = 10 + (trial * 7) % 80;
            for (int i = 0; i < H * W; i++) {
                int y = i / W, x = i % W;
                if (abs(y - by) > 6 || abs(x - bx) > 9)
                    src[i] = 0;
            }
        }
        siam_affine t;
        siam_affine_sample(&r, &g, &t);
        assert_int_equal(siam_affine_warp(src, H, W, &t, dst, 1.0f, &err), SIAM_OK);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double want = ref_pixel(src, H, W, &t, x, y);
                if (want == 0.0 && dst[y * W + x] != 0.0f)
                    fail_msg("trial %d (%d,%d): %g, wanted 0", trial, x, y, dst[y * W + x]);
                if (fabs(dst[y * W + x] - want) > 2.5)
                    fail_msg("trial %d (%d,%d): %g, wanted %g", trial, x, y, dst[y * W + x], want);
            }
    }
    free(src);
    free(dst);
}

static void test_parameters_in_range(void **state)
{
    (void)state;
    siam_affine_range g;
    siam_affine_range_koch(&g);
    siam_rng r = siam_rng_make(42, SIAM_RNG_STREAM_DISTORT);
    enum { N = 20000 };
    int used[7] = {0};
    for (int i = 0; i < N; i++) {
        siam_affine t;
        uint64_t before = r.counter;
        siam_affine_sample(&r, &g, &t);
        assert_int_equal(r.counter - before, SIAM_AFFINE_DRAWS);
        assert_true(fabs(t.theta_deg) <= 10.0);
        assert_true(fabs(t.shear_x) <= 0.3 && fabs(t.shear_y) <= 0.3);
        assert_true(t.scale_x >= 0.8 && t.scale_x <= 1.2);
        assert_true(t.scale_y >= 0.8 && t.scale_y <= 1.2);
        assert_true(fabs(t.tx) <= 2.0 && fabs(t.ty) <= 2.0);
        used[0] += t.theta_deg != 0.0;
        used[1] += t.shear_x != 0.0;
        used[2] += t.shear_y != 0.0;
        used[3] += t.scale_x != 1.0;
        used[4] += t.scale_y != 1.0;
        used[5] += t.tx != 0.0;
        used[6] += t.ty != 0.0;
    }
    /* Each component included with p = 0.5: within 5 sigma (sigma = 71). */
    for (int k = 0; k < 7; k++)
        assert_in_range(used[k], N / 2 - 355, N / 2 + 355);
}

static void test_reproducible(void **state)
{
    (void)state;
    siam_affine_range g;
    siam_affine_range_koch(&g);
    siam_rng a = siam_rng_make(5, SIAM_RNG_STREAM_DISTORT);
    siam_rng b = siam_rng_make(5, SIAM_RNG_STREAM_DISTORT);
    siam_rng c = siam_rng_make(6, SIAM_RNG_STREAM_DISTORT);
    int differ = 0;
    for (uint64_t k = 0; k < 100; k++) {
        siam_affine ta, tb, tc, tk;
        siam_affine_sample(&a, &g, &ta);
        siam_affine_sample(&b, &g, &tb);
        siam_affine_sample(&c, &g, &tc);
        siam_affine_at(5, k, &g, &tk); /* same draws as the k-th sequential */
        assert_memory_equal(&ta, &tb, sizeof ta);
        assert_memory_equal(&ta, &tk, sizeof ta);
        differ += memcmp(&ta, &tc, sizeof ta) != 0;
    }
    assert_true(differ > 90);
}

/* A small dataset on disk for the batch builder: 2 classes x 3 drawings of
 * 21x21 with random ink. */
static char tmpdir[4096];
static siam_dataset *ds;

static int setup(void **state)
{
    (void)state;
    if (tu_mkdtemp(tmpdir, sizeof tmpdir))
        return -1;
    for (int c = 0; c < 2; c++) {
        char dir[4300];
        snprintf(dir, sizeof dir, "%s/set/class%d", tmpdir, c);
        tu_mkdirs(dir);
        for (int k = 0; k < 3; k++) {
            uint8_t ink[21 * 21];
            random_image(ink, 21 * 21, (uint64_t)(100 + c * 10 + k));
            for (int i = 0; i < 21 * 21; i++)
                ink[i] = ink[i] < 40;
            /* A clean white frame so polarity detection sees paper. */
            for (int i = 0; i < 21; i++)
                ink[i] = ink[20 * 21 + i] = ink[i * 21] = ink[i * 21 + 20] = 0;
            char path[4400];
            snprintf(path, sizeof path, "%s/%d.png", dir, k);
            if (tu_write_ink_png(path, 21, 21, ink))
                return -1;
        }
    }
    char root[4300];
    snprintf(root, sizeof root, "%s/set", tmpdir);
    siam_error err;
    return siam_dataset_load(root, NULL, NULL, &ds, &err) == SIAM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    siam_dataset_destroy(ds);
    tu_rmtree(tmpdir);
    return 0;
}

static void test_batch_layout(void **state)
{
    (void)state;
    siam_pair pairs[3] = {{0, 1, 1, 0, 0}, {2, 3, 0, 0, 1}, {5, 4, 1, 0, 2}};
    enum { H = 7, W = 7, P = H * W };
    float images[6 * P], labels[3], one[P];
    siam_batch_options o;
    siam_batch_options_default(&o, H, W);
    siam_batch_builder *b;
    siam_error err;
    assert_int_equal(siam_batch_builder_create(ds, &o, &b, &err), SIAM_OK);
    assert_int_equal(siam_batch_fill(b, pairs, 3, images, labels, &err), SIAM_OK);
    for (int i = 0; i < 3; i++) {
        assert_true(labels[i] == (float)pairs[i].same);
        assert_int_equal(siam_image_float(ds, pairs[i].left, H, W, one, &err), SIAM_OK);
        assert_memory_equal(images + (size_t)i * P, one, sizeof one);
        assert_int_equal(siam_image_float(ds, pairs[i].right, H, W, one, &err), SIAM_OK);
        assert_memory_equal(images + (size_t)(3 + i) * P, one, sizeof one);
    }
    /* 21 -> 7 is a 3x3 mean of pixel / 255: ink = 1, paper = 0. */
    const uint8_t *px = siam_dataset_pixels(ds, 0);
    float s = 0.0f;
    for (int dy = 0; dy < 3; dy++)
        for (int dx = 0; dx < 3; dx++)
            s += px[(3 + dy) * 21 + 3 + dx] / 255.0f;
    assert_float_equal(images[1 * W + 1], s / 9.0f, 1e-5);
    for (int i = 0; i < 6 * P; i++)
        assert_true(images[i] >= 0.0f && images[i] <= 1.0f);
    /* The embedding batch is the same images, stacked. */
    uint32_t idx[3] = {pairs[0].left, pairs[1].left, pairs[2].left};
    float stack[3 * P];
    assert_int_equal(siam_images_float(ds, idx, 3, H, W, stack, &err), SIAM_OK);
    assert_memory_equal(stack, images, sizeof stack);
    idx[1] = 99;
    assert_int_equal(siam_images_float(ds, idx, 3, H, W, stack, &err), SIAM_ERR_INVALID_ARG);
    pairs[0].left = 99;
    assert_int_equal(siam_batch_fill(b, pairs, 3, images, labels, &err), SIAM_ERR_INVALID_ARG);
    siam_batch_builder_destroy(b);
}

static void test_batch_distortion_modes(void **state)
{
    (void)state;
    siam_pair base[2] = {{0, 1, 1, 0, 10}, {2, 4, 0, 0, 11}}, x8[18];
    siam_error err;
    assert_int_equal(siam_pair_set_expand(base, 2, 8, x8, &err), SIAM_OK);
    for (int i = 0; i < 18; i++) {
        assert_int_equal(x8[i].variant, (uint32_t)(i % 9));
        assert_int_equal(x8[i].key, base[i / 9].key);
    }
    enum { H = 21, W = 21, P = H * W };
    float *a = malloc(sizeof(float) * 36 * P), *b = malloc(sizeof(float) * 36 * P);
    float la[18], lb[18], plain[P];
    siam_batch_options o;
    siam_batch_options_default(&o, H, W);
    o.distort = SIAM_DISTORT_FIXED;
    o.seed = 3;
    siam_batch_builder *bb;
    assert_int_equal(siam_batch_builder_create(ds, &o, &bb, &err), SIAM_OK);
    assert_int_equal(siam_batch_fill(bb, x8, 18, a, la, &err), SIAM_OK);
    assert_int_equal(siam_batch_fill(bb, x8, 18, b, lb, &err), SIAM_OK);
    /* Fixed copies are the same every epoch; variant 0 is undistorted. */
    assert_memory_equal(a, b, sizeof(float) * 36 * P);
    assert_int_equal(siam_image_float(ds, 0, H, W, plain, &err), SIAM_OK);
    assert_memory_equal(a, plain, sizeof plain);
    int changed = 0;
    for (int v = 1; v < 9; v++)
        changed += memcmp(a + (size_t)v * P, plain, sizeof plain) != 0;
    assert_true(changed >= 7); /* identity has probability 1/128 */
    siam_batch_builder_destroy(bb);

    /* On the fly: fresh each time; restoring the RNG replays exactly. */
    o.distort = SIAM_DISTORT_ON_THE_FLY;
    assert_int_equal(siam_batch_builder_create(ds, &o, &bb, &err), SIAM_OK);
    siam_rng saved = siam_batch_builder_rng(bb);
    assert_int_equal(siam_batch_fill(bb, base, 2, a, la, &err), SIAM_OK);
    assert_int_equal(siam_batch_fill(bb, base, 2, b, lb, &err), SIAM_OK);
    assert_memory_not_equal(a, b, sizeof(float) * 4 * P);
    siam_batch_builder_set_rng(bb, saved);
    assert_int_equal(siam_batch_fill(bb, base, 2, b, lb, &err), SIAM_OK);
    assert_memory_equal(a, b, sizeof(float) * 4 * P);
    /* Left and right of one pair get different transforms: the same image
     * on both sides comes out different. */
    siam_pair twin = {3, 3, 1, 0, 0};
    assert_int_equal(siam_batch_fill(bb, &twin, 1, a, la, &err), SIAM_OK);
    assert_memory_not_equal(a, a + P, sizeof(float) * P);
    siam_batch_builder_destroy(bb);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_exact),      cmocka_unit_test(test_known_transforms),
        cmocka_unit_test(test_matches_definition),
        cmocka_unit_test(test_parameters_in_range), cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_batch_layout),        cmocka_unit_test(test_batch_distortion_modes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
