/* A user's PNG as a model input: ink = 1.0 whatever the file's polarity. */
#include "data/image.h"

siam_status siam_input_from_image(const char *path, int h, int w, float *out, int size[2],
                                siam_error *err)
{
    siam_grey g;
    siam_status st = siam_image_load(path, &g, err);
    if (st != SIAM_OK)
        return st;
    if (size)
        size[0] = g.h, size[1] = g.w;
    st = siam_input_size_check(path, g.h, g.w, h, w, err);
    if (st != SIAM_OK) {
        siam_grey_free(&g);
        return st;
    }
    if (siam_border_mean(g.data, g.h, g.w) > 127.5) /* a light border: dark ink, invert */
        for (int i = 0; i < g.h * g.w; i++)
            g.data[i] = (uint8_t)(255 - g.data[i]);
    st = siam_resize_area_f32(g.data, g.h, g.w, out, h, w, 1.0f / 255.0f, err);
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
