/* A user's PNG as a model input: ink = 1.0 whatever the file's polarity. */
#include "data/image.h"

siam_status siam_input_from_png(const char *path, int h, int w, float *out, siam_error *err)
{
    siam_grey g;
    siam_status st = siam_png_load(path, &g, err);
    if (st != SIAM_OK)
        return st;
    if (siam_border_mean(g.data, g.h, g.w) > 127.5) /* a light border: dark ink, invert */
        for (int i = 0; i < g.h * g.w; i++)
            g.data[i] = (uint8_t)(255 - g.data[i]);
    st = siam_resize_area_f32(g.data, g.h, g.w, out, h, w, 1.0f / 255.0f, err);
    siam_grey_free(&g);
    return st;
}
