/* siamese data: decoding PNG and JPEG files to grey uint8 and resizing them.
 *
 * Pixel convention used everywhere in the data pipeline (and by the
 * network): ink is HIGH, background is 0. A stored uint8 pixel is 255 for
 * full ink and 0 for background; as float it is pixel / 255, so ink = 1.0.
 * Omniglot is black ink on white paper, so its files are inverted when
 * loaded. Zero therefore also means "background" when a distortion samples
 * outside the image.
 *
 * Images are row-major, one channel: pixel (y, x) of an h x w image is at
 * data[y * w + x].
 */
#ifndef SIAMESE_DATA_IMAGE_H
#define SIAMESE_DATA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "siamese/status.h"

/* Largest width or height accepted, and largest pixel count, checked before
 * any pixel buffer is allocated. */
#define SIAM_IMAGE_MAX_DIM 16384
#define SIAM_IMAGE_MAX_PIXELS (64u * 1024u * 1024u)
/* Largest image file read into memory. */
#define SIAM_IMAGE_MAX_FILE_BYTES (256u * 1024u * 1024u)

/* Which way round the ink of a file is. */
typedef enum siam_polarity {
    SIAM_POLARITY_AUTO = 0,  /* decide from the border pixels: a bright
                                border means dark ink, which gets inverted */
    SIAM_POLARITY_DARK_INK,  /* dark ink on light paper (Omniglot): invert */
    SIAM_POLARITY_LIGHT_INK  /* light ink on dark background: keep */
} siam_polarity;

/* A decoded image as it is in the file: grey uint8, 0 = black, 255 = white.
 * Owned by the caller; free with siam_grey_free. */
typedef struct siam_grey {
    int h, w;
    uint8_t *data; /* (h, w) */
} siam_grey;

/* Reads an image file, PNG or JPEG by its first bytes (not its name), to
 * 8-bit grey as it appears on white paper: the one conversion that
 * training, eval, verify, classify and embed all use. PNG: any bit depth
 * and colour type (grey 1/2/4/8/16, palette, grey+alpha, RGB, RGBA;
 * interlaced or not); alpha is composited over white, colour converted
 * with libpng's default luminance weights, 16 bits scaled. JPEG: baseline
 * or progressive, grey, YCbCr or RGB, to its luminance (CMYK refused).
 * Errors (SIAM_ERR_IO, SIAM_ERR_FORMAT) name the file and say what is
 * wrong: empty, neither format, truncated, corrupt, or over the limits. */
siam_status siam_image_load(const char *path, siam_grey *out, siam_error *err);

/* An image file held in memory, PNG or JPEG by its first bytes, as
 * siam_image_load reads files; `name` is used in messages. */
siam_status siam_image_decode(const char *name, const uint8_t *bytes, size_t n, siam_grey *out,
                              siam_error *err);
/* A PNG file held in memory; `name` is used in messages. */
siam_status siam_png_decode(const char *name, const uint8_t *bytes, size_t n,
                            siam_grey *out, siam_error *err);
/* A JPEG file held in memory (libjpeg-turbo), likewise. */
siam_status siam_jpeg_decode(const char *name, const uint8_t *bytes, size_t n,
                             siam_grey *out, siam_error *err);

void siam_grey_free(siam_grey *img);

/* Mean of the pixels on the outer one-pixel frame of an (h, w) image. */
double siam_border_mean(const uint8_t *img, int h, int w);

/* Resizes src (sh, sw) to dst (dh, dw) by area averaging: each output pixel
 * is the mean of the source area it covers, with fractional pixels weighted
 * by their overlap. 105 -> 35 averages exact 3x3 blocks. Works for any sizes
 * (upsampling gives a box-filtered nearest neighbour). */
siam_status siam_resize_area_u8(const uint8_t *src, int sh, int sw,
                                uint8_t *dst, int dh, int dw, siam_error *err);
/* As above, to float scaled by `scale` (1/255 gives ink = 1.0). */
siam_status siam_resize_area_f32(const uint8_t *src, int sh, int sw,
                                 float *dst, int dh, int dw, float scale,
                                 siam_error *err);
/* Float-to-float version, used after a distortion. */
siam_status siam_resize_area_ff(const float *src, int sh, int sw, float *dst,
                                int dh, int dw, siam_error *err);

/* An image file (PNG or JPEG) as a model's (h, w) input: decoded, inverted when its border is
 * light (dark ink), area-resized, scaled so that ink = 1.0. An image too
 * small for the input (siam_input_size_check) is refused. size, when not
 * NULL, receives the file's {height, width}. */
siam_status siam_input_from_image(const char *path, int h, int w, float *out, int size[2],
                                siam_error *err);

/* The same from 8-bit grey pixels in memory (ih rows of iw, stride bytes
 * apart); `what` names them in messages. */
siam_status siam_input_from_grey(const char *what, const uint8_t *pixels, int ih, int iw,
                                 size_t stride, int h, int w, float *out, siam_error *err);

/* Most an image's aspect ratio may differ from the input's, either way,
 * before a caller warns that resizing squashes it. */
#define SIAM_INPUT_ASPECT_WARN 3.0

/* 1 when an (ih, iw) image's aspect ratio is more than
 * SIAM_INPUT_ASPECT_WARN times off the (h, w) input's. */
int siam_input_aspect_far(int ih, int iw, int h, int w);

/* Most an image is enlarged, per side, to become a model input. */
#define SIAM_INPUT_MAX_UPSCALE 4

/* Refuses an (ih, iw) image for a model's (h, w) input when either side
 * would be enlarged more than SIAM_INPUT_MAX_UPSCALE times; `what` (a file
 * or folder) starts the message. Shrinking is never refused. */
siam_status siam_input_size_check(const char *what, int ih, int iw, int h, int w,
                                  siam_error *err);

#endif
