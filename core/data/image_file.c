/* siamese data: reading an image file, whichever format its first bytes
 * say (PNG or JPEG; the name's extension is not trusted). */
#include "data/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/input_file.h"

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

siam_status siam_image_load(const char *path, siam_grey *out, siam_error *err)
{
    if (!path || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_image_load: NULL argument");
    out->h = out->w = 0;
    out->data = NULL;
    FILE *f;
    siam_status ost = siam_fopen_input(path, "image", &f, err);
    if (ost != SIAM_OK)
        return ost;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    /* Grow-and-read instead of fseek/ftell: works on pipes and avoids an
     * extra system call per file; small files need one read. */
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16384;
            if (ncap > SIAM_IMAGE_MAX_FILE_BYTES + 1)
                ncap = SIAM_IMAGE_MAX_FILE_BYTES + 1;
            if (ncap == cap)
                break;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                fclose(f);
                return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "%s: out of memory reading file", path);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int read_error = ferror(f);
    fclose(f);
    if (read_error) {
        free(buf);
        return siam_error_set(err, SIAM_ERR_IO, "%s: read error", path);
    }
    if (n > SIAM_IMAGE_MAX_FILE_BYTES) {
        free(buf);
        return siam_error_set(err, SIAM_ERR_FORMAT, "%s: file larger than %u bytes",
                              path, SIAM_IMAGE_MAX_FILE_BYTES);
    }
    siam_status st;
    if (n >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF)
        st = siam_jpeg_decode(path, buf, n, out, err);
    else if (n >= 8 && memcmp(buf, png_signature, 8) == 0)
        st = siam_png_decode(path, buf, n, out, err);
    else if (n == 0)
        st = siam_error_set(err, SIAM_ERR_FORMAT, "%s: empty file (0 bytes)", path);
    else
        st = siam_error_set(err, SIAM_ERR_FORMAT, "%s: not a PNG or JPEG image", path);
    free(buf);
    return st;
}

