/* PNG decoding with libpng into 8-bit grey (see image.h for the conventions).
 *
 * libpng reports errors by longjmp back to the setjmp in decode(). Locals
 * that change after setjmp and are read after the jump are volatile, so
 * their values survive the jump; everything allocated is released on both
 * paths. The whole file is read into memory first: one read per file is
 * faster for Omniglot's 32k small files, and a short buffer tells
 * "truncated" apart from "corrupt" exactly.
 */
#include "image.h"

#include "base/input_file.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct png_io {
    const uint8_t *bytes;
    size_t n, pos;
    int truncated;                 /* set when libpng read past the end */
    char msg[256];                 /* libpng's error message */
    char warn[256];                /* its warnings, which explain some errors */
} png_io;

static void on_error(png_structp png, png_const_charp msg)
{
    png_io *io = (png_io *)png_get_error_ptr(png);
    snprintf(io->msg, sizeof io->msg, "%s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

/* Warnings (e.g. a bad ancillary chunk) do not stop decoding, but they are
 * kept: libpng explains a refused IHDR ("exceeds user limit") only in
 * warnings before its error "Invalid IHDR data". */
static void on_warning(png_structp png, png_const_charp msg)
{
    png_io *io = (png_io *)png_get_error_ptr(png);
    size_t used = strlen(io->warn);
    if (msg && used + 3 < sizeof io->warn)
        snprintf(io->warn + used, sizeof io->warn - used, "%s%s", used ? "; " : "", msg);
}

static void on_read(png_structp png, png_bytep data, size_t length)
{
    png_io *io = (png_io *)png_get_io_ptr(png);
    if (length > io->n - io->pos) {
        io->truncated = 1;
        png_error(png, "unexpected end of file");
    }
    memcpy(data, io->bytes + io->pos, length);
    io->pos += length;
}

/* 1 if every chunk header up to IEND declares a length that fits in the
 * n bytes. libpng 1.6.39 allocates an ancillary chunk's declared length (up
 * to 2^31 - 1 bytes, whatever png_set_chunk_malloc_max says) before it reads
 * the data: fuzz_png found a 77-byte file declaring a 1.6 GB sPLT chunk
 * that cost 1.6 GB and a second. The whole file is in memory, so a chunk
 * that runs past its end is refused here, as the truncation it is. */
static int chunks_fit(const uint8_t *b, size_t n)
{
    size_t pos = 8;
    while (pos + 8 <= n) {
        uint32_t len = (uint32_t)b[pos] << 24 | (uint32_t)b[pos + 1] << 16 |
                       (uint32_t)b[pos + 2] << 8 | b[pos + 3];
        if (len > n - pos - 8 || n - pos - 8 - len < 4) /* data, then a 4-byte CRC */
            return 0;
        if (memcmp(b + pos + 4, "IEND", 4) == 0)
            break;
        pos += (size_t)len + 12;
    }
    return 1;
}

void siam_grey_free(siam_grey *img)
{
    if (img) {
        free(img->data);
        img->data = NULL;
        img->h = img->w = 0;
    }
}

siam_status siam_png_decode(const char *name, const uint8_t *bytes, size_t n,
                            siam_grey *out, siam_error *err)
{
    if (!out || (!bytes && n))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s: NULL argument", name);
    out->h = out->w = 0;
    out->data = NULL;
    if (n == 0)
        return siam_error_set(err, SIAM_ERR_FORMAT, "%s: empty file (0 bytes)", name);
    if (n < 8 || png_sig_cmp(bytes, 0, 8) != 0)
        return siam_error_set(err, SIAM_ERR_FORMAT,
                              "%s: not a PNG file (bad signature)", name);

    if (!chunks_fit(bytes, n))
        return siam_error_set(err, SIAM_ERR_FORMAT,
                              "%s: truncated PNG (file ends after %zu bytes)", name, n);

    /* On the heap, not the stack: libpng's callbacks change it between
     * setjmp and longjmp, and a changed non-volatile local would be
     * indeterminate after the jump (C11 7.13.2.1). */
    png_io *io = calloc(1, sizeof *io);
    if (!io)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "%s: out of memory", name);
    io->bytes = bytes;
    io->n = n;
    io->pos = 8;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, io,
                                             on_error, on_warning);
    if (!png) {
        free(io);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "%s: png_create_read_struct failed", name);
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        free(io);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "%s: png_create_info_struct failed", name);
    }

    /* Written after setjmp, read after a longjmp: volatile. */
    uint8_t *volatile rowbuf = NULL;
    png_bytep *volatile rows = NULL;
    uint8_t *volatile grey = NULL;
    volatile int too_big = 0;
    volatile png_uint_32 big_w = 0, big_h = 0;

    if (setjmp(png_jmpbuf(png))) {
        free(rowbuf);
        free(rows);
        free(grey);
        png_destroy_read_struct(&png, &info, NULL);
        siam_status st;
        if (too_big)
            st = siam_error_set(err, SIAM_ERR_FORMAT,
                                "%s: image is %lux%lu pixels, over the limit (%d per side, %u in all)",
                                name, (unsigned long)big_w, (unsigned long)big_h,
                                SIAM_IMAGE_MAX_DIM, SIAM_IMAGE_MAX_PIXELS);
        else if (io->truncated)
            st = siam_error_set(err, SIAM_ERR_FORMAT,
                                "%s: truncated PNG (file ends after %zu bytes)", name, n);
        else if (strstr(io->msg, "exceeds user limit") || strstr(io->warn, "exceeds user limit"))
            st = siam_error_set(err, SIAM_ERR_FORMAT,
                                "%s: image dimensions over the limit of %d pixels per side (%s%s%s)",
                                name, SIAM_IMAGE_MAX_DIM, io->msg, io->warn[0] ? ": " : "", io->warn);
        else
            st = siam_error_set(err, SIAM_ERR_FORMAT, "%s: corrupt PNG (%s%s%s)", name, io->msg,
                                io->warn[0] ? "; warnings: " : "", io->warn);
        free(io);
        return st;
    }

    png_set_read_fn(png, io, on_read);
    png_set_sig_bytes(png, 8);
    /* libpng refuses larger IHDR dimensions itself, before allocating. */
    png_set_user_limits(png, SIAM_IMAGE_MAX_DIM, SIAM_IMAGE_MAX_DIM);
    png_set_chunk_malloc_max(png, 8u * 1024u * 1024u);
    png_read_info(png, info);

    png_uint_32 w = 0, h = 0;
    int depth = 0, ctype = 0, interlace = 0;
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    if (w == 0 || h == 0 || w > SIAM_IMAGE_MAX_DIM || h > SIAM_IMAGE_MAX_DIM ||
        (uint64_t)w * h > SIAM_IMAGE_MAX_PIXELS) {
        too_big = 1;
        big_w = w;
        big_h = h;
        png_error(png, "dimensions over the limit");
    }

    if (ctype == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16)
        png_set_scale_16(png);
    if (ctype == PNG_COLOR_TYPE_PALETTE || (ctype & PNG_COLOR_MASK_COLOR))
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if ((channels != 1 && channels != 2) || png_get_bit_depth(png, info) != 8 ||
        rowbytes != (size_t)w * (size_t)channels)
        png_error(png, "unexpected pixel layout after conversion to grey");

    rowbuf = malloc(rowbytes * h);
    rows = malloc(sizeof(png_bytep) * h);
    grey = malloc((size_t)w * h);
    if (!rowbuf || !rows || !grey)
        png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++)
        rows[y] = rowbuf + (size_t)y * rowbytes;
    png_read_image(png, rows);
    /* Reading to IEND checks the trailing chunks, so a cut-off file fails. */
    png_read_end(png, NULL);

    if (channels == 1) {
        memcpy(grey, rowbuf, (size_t)w * h);
    } else {
        /* Composite grey+alpha over white paper: out = v*a + 255*(1-a). */
        for (size_t i = 0; i < (size_t)w * h; i++) {
            unsigned v = rowbuf[2 * i], a = rowbuf[2 * i + 1];
            grey[i] = (uint8_t)((v * a + 255u * (255u - a) + 127u) / 255u);
        }
    }

    free(rowbuf);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    free(io);
    out->h = (int)h;
    out->w = (int)w;
    out->data = grey;
    return SIAM_OK;
}

double siam_border_mean(const uint8_t *img, int h, int w)
{
    if (h <= 0 || w <= 0)
        return 0.0;
    double sum = 0.0;
    size_t count = 0;
    for (int x = 0; x < w; x++) {
        sum += img[x];
        count++;
        if (h > 1) {
            sum += img[(size_t)(h - 1) * w + x];
            count++;
        }
    }
    for (int y = 1; y < h - 1; y++) {
        sum += img[(size_t)y * w];
        count++;
        if (w > 1) {
            sum += img[(size_t)y * w + w - 1];
            count++;
        }
    }
    return sum / (double)count;
}
