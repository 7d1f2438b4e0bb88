/* Batch building (see batch.h). */
#include "data/batch.h"

#include <stdlib.h>
#include <string.h>

struct siam_batch_builder {
    const siam_dataset *ds;
    siam_batch_options opt;
    siam_rng rng;   /* ON_THE_FLY transforms */
    float *warped;  /* (h, w) scratch at the stored size */
};

void siam_batch_options_default(siam_batch_options *o, int out_h, int out_w)
{
    o->out_h = out_h;
    o->out_w = out_w;
    o->distort = SIAM_DISTORT_NONE;
    siam_affine_range_koch(&o->range);
    o->seed = 0;
}

siam_status siam_batch_builder_create(const siam_dataset *ds, const siam_batch_options *o,
                                      siam_batch_builder **out, siam_error *err)
{
    if (!ds || !o || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "batch builder: NULL argument");
    *out = NULL;
    if (o->out_h <= 0 || o->out_w <= 0 || o->out_h > SIAM_IMAGE_MAX_DIM || o->out_w > SIAM_IMAGE_MAX_DIM)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "batch builder: bad input size %dx%d",
                              o->out_h, o->out_w);
    if (o->distort != SIAM_DISTORT_NONE && o->distort != SIAM_DISTORT_ON_THE_FLY &&
        o->distort != SIAM_DISTORT_FIXED)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "batch builder: unknown distortion mode");
    siam_status st = siam_affine_check_range(&o->range, err);
    if (st != SIAM_OK)
        return st;
    siam_batch_builder *b = calloc(1, sizeof *b);
    size_t px = (size_t)siam_dataset_height(ds) * (size_t)siam_dataset_width(ds);
    if (b)
        b->warped = malloc(sizeof(float) * (px ? px : 1));
    if (!b || !b->warped) {
        free(b);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "batch builder: out of memory");
    }
    b->ds = ds;
    b->opt = *o;
    b->rng = siam_rng_make(o->seed, SIAM_RNG_STREAM_DISTORT);
    *out = b;
    return SIAM_OK;
}

void siam_batch_builder_destroy(siam_batch_builder *b)
{
    if (b) {
        free(b->warped);
        free(b);
    }
}

siam_rng siam_batch_builder_rng(const siam_batch_builder *b) { return b->rng; }
void siam_batch_builder_set_rng(siam_batch_builder *b, siam_rng rng) { b->rng = rng; }

siam_status siam_image_float(const siam_dataset *ds, size_t index, int out_h, int out_w,
                             float *out, siam_error *err)
{
    if (!ds || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_image_float: NULL argument");
    if (index >= siam_dataset_count(ds))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_image_float: image %zu of %zu",
                              index, siam_dataset_count(ds));
    return siam_resize_area_f32(siam_dataset_pixels(ds, index), siam_dataset_height(ds),
                                siam_dataset_width(ds), out, out_h, out_w, 1.0f / 255.0f, err);
}

siam_status siam_images_float(const siam_dataset *ds, const uint32_t *indices, size_t n,
                              int out_h, int out_w, float *out, siam_error *err)
{
    if ((!indices || !out) && n)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_images_float: NULL argument");
    size_t plane = (size_t)(out_h > 0 ? out_h : 0) * (size_t)(out_w > 0 ? out_w : 0);
    for (size_t i = 0; i < n; i++) {
        siam_status st = siam_image_float(ds, indices[i], out_h, out_w, out + i * plane, err);
        if (st != SIAM_OK)
            return st;
    }
    return SIAM_OK;
}

siam_status siam_image_float_warped(const siam_dataset *ds, size_t index, const siam_affine *t,
                                    int out_h, int out_w, float *scratch, float *out,
                                    siam_error *err)
{
    if (!ds || !t || !scratch || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_image_float_warped: NULL argument");
    if (index >= siam_dataset_count(ds))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_image_float_warped: image %zu of %zu",
                              index, siam_dataset_count(ds));
    int h = siam_dataset_height(ds), w = siam_dataset_width(ds);
    siam_status st = siam_affine_warp(siam_dataset_pixels(ds, index), h, w, t, scratch,
                                      1.0f / 255.0f, err);
    if (st != SIAM_OK)
        return st;
    if (h == out_h && w == out_w) {
        memcpy(out, scratch, sizeof(float) * (size_t)h * (size_t)w);
        return SIAM_OK;
    }
    return siam_resize_area_ff(scratch, h, w, out, out_h, out_w, err);
}

/* One image into its (1, H, W) slot, distorted by t when t is non-NULL. */
static siam_status fill_one(siam_batch_builder *b, uint32_t index, const siam_affine *t,
                            float *dst, siam_error *err)
{
    if (!t)
        return siam_image_float(b->ds, index, b->opt.out_h, b->opt.out_w, dst, err);
    return siam_image_float_warped(b->ds, index, t, b->opt.out_h, b->opt.out_w, b->warped, dst,
                                   err);
}

siam_status siam_batch_fill(siam_batch_builder *b, const siam_pair *pairs, size_t n,
                            float *images, float *labels, siam_error *err)
{
    return siam_batch_fill_part(b, pairs, n, 0, n, images, labels, err);
}

siam_status siam_batch_fill_part(siam_batch_builder *b, const siam_pair *pairs, size_t n,
                                 size_t first, size_t count, float *images, float *labels,
                                 siam_error *err)
{
    if (!b || ((!pairs || !images || !labels) && n) || first > n || count > n - first)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_batch_fill: bad argument");
    size_t n_images = siam_dataset_count(b->ds);
    size_t plane = (size_t)b->opt.out_h * (size_t)b->opt.out_w;
    for (size_t i = 0; i < n; i++) {
        const siam_pair *p = &pairs[i];
        if (p->left >= n_images || p->right >= n_images)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "siam_batch_fill: pair %zu refers to image %u of %zu", i,
                                  p->left >= n_images ? p->left : p->right, n_images);
        for (int side = 0; side < 2; side++) {
            siam_affine t;
            const siam_affine *tp = NULL;
            if (b->opt.distort == SIAM_DISTORT_ON_THE_FLY) {
                siam_affine_sample(&b->rng, &b->opt.range, &t);
                tp = &t;
            } else if (b->opt.distort == SIAM_DISTORT_FIXED && p->variant > 0) {
                uint64_t key = ((p->key * 256u + p->variant) * 2u) + (uint64_t)side;
                siam_affine_at(b->opt.seed, key, &b->opt.range, &t);
                tp = &t;
            }
            if (i < first || i >= first + count)
                continue; /* the transform drawn, the image another rank's */
            uint32_t index = side == 0 ? p->left : p->right;
            float *dst = images + ((size_t)side * count + (i - first)) * plane;
            siam_status st = fill_one(b, index, tp, dst, err);
            if (st != SIAM_OK)
                return st;
        }
        if (i >= first && i < first + count)
            labels[i - first] = p->same ? 1.0f : 0.0f;
    }
    return SIAM_OK;
}
