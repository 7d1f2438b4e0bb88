/* Augmented images per second: Koch's affine distortion (bilinear, 105x105)
 * alone, and the batch builder's whole path (distort at 105, area-resize to
 * the model input, float out) for 105 and 35 inputs. Prints one JSON object
 * per line. Uses the shared Omniglot background set when present (first
 * 2000 images), else synthetic strokes, so it always runs.
 *
 * usage: bench_distort [--data DIR] [--seconds S] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/batch.h"
#include "data/datapath.h"
#include "data/distort.h"
#include "data/pairs.h"
#include "data/subset.h"
#include "base/rng.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Synthetic stand-ins when no data are found: random thick strokes. */
static uint8_t *synthetic(int n, int h, int w)
{
    uint8_t *img = calloc((size_t)n * h * w, 1);
    siam_rng r = siam_rng_make(1, SIAM_RNG_STREAM_TEST);
    for (int i = 0; img && i < n; i++)
        for (int s = 0; s < 4; s++) {
            double x = siam_rng_range(&r, 20, 85), y = siam_rng_range(&r, 20, 85);
            double dx = siam_rng_range(&r, -1, 1), dy = siam_rng_range(&r, -1, 1);
            for (int k = 0; k < 40; k++, x += dx, y += dy)
                for (int oy = -1; oy <= 1; oy++)
                    for (int ox = -1; ox <= 1; ox++) {
                        int yy = (int)y + oy, xx = (int)x + ox;
                        if (yy >= 0 && yy < h && xx >= 0 && xx < w)
                            img[(size_t)i * h * w + (size_t)yy * w + xx] = 255;
                    }
        }
    return img;
}

int main(int argc, char **argv)
{
    const char *data = NULL;
    double seconds = 1.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_distort [--data DIR] [--seconds S]\n");
            return 2;
        }
    }
    siam_error err;
    siam_affine_range range;
    siam_affine_range_koch(&range);

    /* 1. The warp alone on 105x105 uint8 -> float. */
    enum { H = 105, W = 105, NS = 256 };
    uint8_t *imgs = synthetic(NS, H, W);
    float *out = malloc(sizeof(float) * H * W);
    if (!imgs || !out)
        return 1;
    siam_rng r = siam_rng_make(1, SIAM_RNG_STREAM_DISTORT);
    size_t n = 0;
    double t0 = now(), t;
    do {
        for (int k = 0; k < 64; k++, n++) {
            siam_affine a;
            siam_affine_sample(&r, &range, &a);
            siam_affine_warp(imgs + (size_t)(n % NS) * H * W, H, W, &a, out, 1.0f / 255.0f, &err);
        }
        t = now() - t0;
    } while (t < seconds);
    printf("{\"bench\":\"affine_warp\",\"size\":[%d,%d],\"images\":%zu,\"seconds\":%.3f,"
           "\"images_per_s\":%.0f}\n", H, W, n, t, (double)n / t);

    /* 2. Batch builder on real (or, failing that, no) data. */
    char path[4096];
    char dir[4096];
    const char *root = siam_data_dir(data, dir, sizeof dir);
    if (!root || !siam_data_join(path, sizeof path, root, "images_background/Alphabet_of_the_Magi"))
        path[0] = '\0'; /* a path that does not fit: reported as no data below */
    siam_dataset *ds = NULL;
    siam_load_options opt;
    siam_load_options_default(&opt);
    opt.layout = SIAM_LAYOUT_CLASS_FOLDERS; /* one alphabet is enough */
    if (siam_dataset_load(path, &opt, NULL, &ds, &err) != SIAM_OK) {
        printf("{\"bench\":\"batch_fill\",\"skipped\":\"%s\"}\n", "no Omniglot data");
    } else {
        siam_subset *sub = NULL;
        siam_pair pairs[128];
        if (siam_subset_create(ds, NULL, &sub, &err) == SIAM_OK &&
            siam_pair_set_make(sub, SIAM_NEG_ANY_ALPHABET, 1, 128, pairs, &err) == SIAM_OK) {
            const int sizes[] = {105, 35};
            for (int s = 0; s < 2; s++)
                for (int mode = 0; mode < 2; mode++) {
                    siam_batch_options bo;
                    siam_batch_options_default(&bo, sizes[s], sizes[s]);
                    bo.distort = mode ? SIAM_DISTORT_ON_THE_FLY : SIAM_DISTORT_NONE;
                    siam_batch_builder *b = NULL;
                    float *imgbuf = malloc(sizeof(float) * 256 * sizes[s] * sizes[s]);
                    float labels[128];
                    if (!imgbuf || siam_batch_builder_create(ds, &bo, &b, &err) != SIAM_OK)
                        return 1;
                    size_t m = 0;
                    t0 = now();
                    do {
                        siam_batch_fill(b, pairs, 128, imgbuf, labels, &err);
                        m += 256;
                        t = now() - t0;
                    } while (t < seconds);
                    printf("{\"bench\":\"batch_fill\",\"distort\":\"%s\",\"input\":[%d,%d],"
                           "\"batch_pairs\":128,\"images\":%zu,\"seconds\":%.3f,"
                           "\"images_per_s\":%.0f}\n",
                           mode ? "on_the_fly" : "none", sizes[s], sizes[s], m, t, (double)m / t);
                    siam_batch_builder_destroy(b);
                    free(imgbuf);
                }
        }
        siam_subset_destroy(sub);
        siam_dataset_destroy(ds);
    }
    free(imgs);
    free(out);
    return 0;
}
