/* siamese data: JPEG decoding through libjpeg-turbo, to the same grey
 * uint8 as PNG (image.h). libjpeg converts YCbCr and RGB to grey with the
 * JFIF luminance weights; CMYK files are refused rather than guessed at.
 * A warning (truncated or corrupt data, which libjpeg would fill with
 * grey) is an error here, as a truncated PNG is. */
#include "data/image.h"

#include <jpeglib.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct jpeg_fail {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} jpeg_fail;

static void on_error(j_common_ptr c)
{
    jpeg_fail *f = (jpeg_fail *)c->err;
    c->err->format_message(c, f->msg);
    longjmp(f->jump, 1);
}

static void on_message(j_common_ptr c, int level)
{
    if (level < 0) /* a warning: corrupt or missing data */
        on_error(c);
}

siam_status siam_jpeg_decode(const char *name, const uint8_t *bytes, size_t n, siam_grey *out,
                             siam_error *err)
{
    if (!out || !bytes || n == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s: no JPEG bytes", name);
    out->h = out->w = 0;
    out->data = NULL;
    /* On the heap: the decoder changes it between setjmp and longjmp. */
    struct jpeg_decompress_struct *d = calloc(1, sizeof *d);
    jpeg_fail *fail = calloc(1, sizeof *fail);
    uint8_t *volatile grey = NULL;
    siam_status st = SIAM_OK;
    if (!d || !fail) {
        free(d);
        free(fail);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "%s: out of memory", name);
    }
    d->err = jpeg_std_error(&fail->pub);
    fail->pub.error_exit = on_error;
    fail->pub.emit_message = on_message;
    if (setjmp(fail->jump)) {
        st = siam_error_set(err, SIAM_ERR_FORMAT, "%s: corrupt or truncated JPEG: %s", name,
                            fail->msg);
        goto done;
    }
    jpeg_create_decompress(d);
    /* A progressive file's coefficients are held whole: bounded, so that a
     * hostile header fails with a message instead of a huge allocation. */
    d->mem->max_memory_to_use = 256L << 20;
    jpeg_mem_src(d, bytes, (unsigned long)n);
    jpeg_read_header(d, TRUE);
    if (d->image_width == 0 || d->image_height == 0 || d->image_width > SIAM_IMAGE_MAX_DIM ||
        d->image_height > SIAM_IMAGE_MAX_DIM ||
        (uint64_t)d->image_width * d->image_height > SIAM_IMAGE_MAX_PIXELS) {
        st = siam_error_set(err, SIAM_ERR_FORMAT, "%s: %ux%u JPEG: over the limits (%d per side, "
                            "%u pixels)", name, d->image_width, d->image_height, SIAM_IMAGE_MAX_DIM,
                            SIAM_IMAGE_MAX_PIXELS);
        goto done;
    }
    if (d->jpeg_color_space == JCS_CMYK || d->jpeg_color_space == JCS_YCCK) {
        st = siam_error_set(err, SIAM_ERR_FORMAT, "%s: a CMYK JPEG: save it as RGB or grey",
                            name);
        goto done;
    }
    d->out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(d);
    if (d->output_components != 1) {
        st = siam_error_set(err, SIAM_ERR_FORMAT, "%s: JPEG did not decode to grey", name);
        goto done;
    }
    size_t w = d->output_width, h = d->output_height;
    grey = malloc(w * h);
    if (!grey) {
        st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "%s: out of memory for %zux%zu pixels",
                            name, w, h);
        goto done;
    }
    while (d->output_scanline < d->output_height) {
        JSAMPROW row = grey + (size_t)d->output_scanline * w;
        jpeg_read_scanlines(d, &row, 1);
    }
    jpeg_finish_decompress(d);
    out->h = (int)h;
    out->w = (int)w;
    out->data = grey;
    grey = NULL;
done:
    jpeg_destroy_decompress(d);
    free(grey);
    free(d);
    free(fail);
    return st;
}
