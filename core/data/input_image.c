/* A user's PNG as a model input: ink = 1.0 whatever the file's polarity. */
#include "data/image.h"

#include <stdlib.h>
#include <string.h>

siam_status siam_input_from_grey(const char *what, const uint8_t *pixels, int ih, int iw,
                                 size_t stride, int h, int w, float *out, siam_error *err)
{
    if (!pixels || !out || ih < 1 || iw < 1 || stride < (size_t)iw)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "%s: need pixels, a size of at least 1x1 and a stride >= width",
                              what);
    if (ih > SIAM_IMAGE_MAX_DIM || iw > SIAM_IMAGE_MAX_DIM ||
        (size_t)ih * (size_t)iw > (size_t)SIAM_IMAGE_MAX_PIXELS)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "%s: %dx%d is over the limits (%d per side, %u pixels)", what, iw,
                              ih, SIAM_IMAGE_MAX_DIM, SIAM_IMAGE_MAX_PIXELS);
    siam_status st = siam_input_size_check(what, ih, iw, h, w, err);
    if (st != SIAM_OK)
        return st;
    uint8_t *g = malloc((size_t)ih * (size_t)iw);
    if (!g)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    for (int y = 0; y < ih; y++)
        memcpy(g + (size_t)y * (size_t)iw, pixels + (size_t)y * stride, (size_t)iw);
    if (siam_border_mean(g, ih, iw) > 127.5) /* a light border: dark ink, invert */
        for (size_t i = 0; i < (size_t)ih * (size_t)iw; i++)
            g[i] = (uint8_t)(255 - g[i]);
    st = siam_resize_area_f32(g, ih, iw, out, h, w, 1.0f / 255.0f, err);
    free(g);
    return st;
}

siam_status siam_input_from_image(const char *path, int h, int w, float *out, int size[2],
                                siam_error *err)
{
    siam_grey g;
    siam_status st = siam_image_load(path, &g, err);
    if (st != SIAM_OK)
        return st;
    if (size)
        size[0] = g.h, size[1] = g.w;
    st = siam_input_from_grey(path, g.data, g.h, g.w, (size_t)g.w, h, w, out, err);
    siam_grey_free(&g);
    return st;
}

/* Area resizing enlarges by repeating pixels: it never fails, however small
 * the image, and a 1x1 or 3x3 PNG would become a flat or blocky input that
 * the network scores as confidently as a real drawing. Up to 4x per side
 * (a 27-pixel character for a 105-pixel model, 7 for the 28-pixel tiny
 * one) still keeps the strokes; beyond that the comparison is meaningless,
 * so the image is refused rather than silently scored. */
siam_status siam_input_size_check(const char *what, int ih, int iw, int h, int w,
                                  siam_error *err)
{
    int min_h = (h + SIAM_INPUT_MAX_UPSCALE - 1) / SIAM_INPUT_MAX_UPSCALE;
    int min_w = (w + SIAM_INPUT_MAX_UPSCALE - 1) / SIAM_INPUT_MAX_UPSCALE;
    if (ih >= min_h && iw >= min_w)
        return SIAM_OK;
    return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                          "%s: a %dx%d image is too small for the model's %dx%d input (at least "
                          "%dx%d: enlarging more than %dx would invent the strokes it compares)",
                          what, iw, ih, w, h, min_w, min_h, SIAM_INPUT_MAX_UPSCALE);
}

int siam_input_aspect_far(int ih, int iw, int h, int w)
{
    if (ih <= 0 || iw <= 0 || h <= 0 || w <= 0)
        return 0;
    double r = ((double)iw / ih) / ((double)w / h);
    return r > SIAM_INPUT_ASPECT_WARN || r < 1.0 / SIAM_INPUT_ASPECT_WARN;
}
