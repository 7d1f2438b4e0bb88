/* Area-averaging resize, separable: rows first into a float (sh, dw)
 * buffer, then columns. Output pixel o along an axis of n_src -> n_dst
 * covers the source interval [o*n_src/n_dst, (o+1)*n_src/n_dst); each source
 * pixel contributes its overlap with that interval, and the weights of one
 * output pixel sum to 1. */
#include "image.h"

#include <math.h>
#include <stdlib.h>

typedef struct axis_table {
    int span;      /* max source pixels per output pixel */
    int *first;    /* (n_dst) first source index */
    int *count;    /* (n_dst) number of source pixels used */
    float *weight; /* (n_dst, span) */
} axis_table;

static void axis_free(axis_table *t)
{
    free(t->first);
    free(t->count);
    free(t->weight);
}

static int axis_make(int n_src, int n_dst, axis_table *t)
{
    double ratio = (double)n_src / (double)n_dst;
    t->span = (int)ceil(ratio) + 2;
    t->first = malloc(sizeof(int) * (size_t)n_dst);
    t->count = malloc(sizeof(int) * (size_t)n_dst);
    t->weight = malloc(sizeof(float) * (size_t)n_dst * (size_t)t->span);
    if (!t->first || !t->count || !t->weight) {
        axis_free(t);
        return 0;
    }
    for (int o = 0; o < n_dst; o++) {
        /* Exact in double for integer ratios such as 105 -> 35. */
        double lo = (double)o * n_src / n_dst;
        double hi = (double)(o + 1) * n_src / n_dst;
        int j0 = (int)floor(lo);
        int c = 0;
        for (int j = j0; j < n_src && j < hi && c < t->span; j++) {
            double a = j > lo ? j : lo;
            double b = j + 1 < hi ? j + 1 : hi;
            if (b > a)
                t->weight[(size_t)o * t->span + c++] = (float)((b - a) / ratio);
            else if (c == 0)
                j0 = j + 1;
        }
        t->first[o] = j0;
        t->count[o] = c;
    }
    return 1;
}

static int check_sizes(int sh, int sw, int dh, int dw)
{
    return sh > 0 && sw > 0 && dh > 0 && dw > 0 && sh <= SIAM_IMAGE_MAX_DIM &&
           sw <= SIAM_IMAGE_MAX_DIM && dh <= SIAM_IMAGE_MAX_DIM && dw <= SIAM_IMAGE_MAX_DIM;
}

/* Either src8 or srcf is non-NULL; writes the (dh, dw) result to dst
 * (float). */
static siam_status resize_core(const uint8_t *src8, const float *srcf, int sh, int sw,
                               float *dst, int dh, int dw, float scale, siam_error *err)
{
    if (!check_sizes(sh, sw, dh, dw) || !dst || (!src8 && !srcf))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "resize: bad sizes %dx%d -> %dx%d or NULL buffer", sh, sw, dh, dw);
    if (sh == dh && sw == dw) {
        /* Same size: area averaging is the identity. */
        size_t n = (size_t)sh * sw;
        for (size_t i = 0; i < n; i++)
            dst[i] = (src8 ? (float)src8[i] : srcf[i]) * scale;
        return SIAM_OK;
    }
    axis_table tx = {0}, ty = {0};
    float *tmp = malloc(sizeof(float) * (size_t)sh * (size_t)dw);
    if (!tmp || !axis_make(sw, dw, &tx) || !axis_make(sh, dh, &ty)) {
        free(tmp);
        axis_free(&tx);
        axis_free(&ty);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "resize: out of memory");
    }
    for (int y = 0; y < sh; y++) {
        for (int o = 0; o < dw; o++) {
            const float *wt = tx.weight + (size_t)o * tx.span;
            size_t base = (size_t)y * sw + (size_t)tx.first[o];
            float acc = 0.0f;
            if (src8)
                for (int c = 0; c < tx.count[o]; c++)
                    acc += wt[c] * (float)src8[base + c];
            else
                for (int c = 0; c < tx.count[o]; c++)
                    acc += wt[c] * srcf[base + c];
            tmp[(size_t)y * dw + o] = acc;
        }
    }
    for (int o = 0; o < dh; o++) {
        const float *wt = ty.weight + (size_t)o * ty.span;
        float *row = dst + (size_t)o * dw;
        for (int x = 0; x < dw; x++)
            row[x] = 0.0f;
        for (int c = 0; c < ty.count[o]; c++) {
            const float *srow = tmp + (size_t)(ty.first[o] + c) * dw;
            for (int x = 0; x < dw; x++)
                row[x] += wt[c] * srow[x];
        }
        if (scale != 1.0f)
            for (int x = 0; x < dw; x++)
                row[x] *= scale;
    }
    free(tmp);
    axis_free(&tx);
    axis_free(&ty);
    return SIAM_OK;
}

siam_status siam_resize_area_f32(const uint8_t *src, int sh, int sw, float *dst,
                                 int dh, int dw, float scale, siam_error *err)
{
    if (!src)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "resize: NULL source");
    return resize_core(src, NULL, sh, sw, dst, dh, dw, scale, err);
}

siam_status siam_resize_area_ff(const float *src, int sh, int sw, float *dst,
                                int dh, int dw, siam_error *err)
{
    if (!src)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "resize: NULL source");
    return resize_core(NULL, src, sh, sw, dst, dh, dw, 1.0f, err);
}

siam_status siam_resize_area_u8(const uint8_t *src, int sh, int sw, uint8_t *dst,
                                int dh, int dw, siam_error *err)
{
    if (!src || !dst)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "resize: NULL buffer");
    if (!check_sizes(sh, sw, dh, dw))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "resize: bad sizes %dx%d -> %dx%d", sh, sw, dh, dw);
    float *tmp = malloc(sizeof(float) * (size_t)dh * (size_t)dw);
    if (!tmp)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "resize: out of memory");
    siam_status st = resize_core(src, NULL, sh, sw, tmp, dh, dw, 1.0f, err);
    if (st == SIAM_OK)
        for (size_t i = 0; i < (size_t)dh * dw; i++) {
            float v = tmp[i] + 0.5f;
            dst[i] = (uint8_t)(v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v);
        }
    free(tmp);
    return st;
}
