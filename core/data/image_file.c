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
    siam_status st = siam_image_decode(path, buf, n, out, err);
    free(buf);
    return st;
}

siam_status siam_image_decode(const char *name, const uint8_t *bytes, size_t n, siam_grey *out,
                              siam_error *err)
{
    if (!name || (!bytes && n) || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_image_decode: NULL argument");
    if (n > SIAM_IMAGE_MAX_FILE_BYTES)
        return siam_error_set(err, SIAM_ERR_FORMAT, "%s: larger than %u bytes", name,
                              SIAM_IMAGE_MAX_FILE_BYTES);
    if (n >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        return siam_jpeg_decode(name, bytes, n, out, err);
    if (n >= 8 && memcmp(bytes, png_signature, 8) == 0)
        return siam_png_decode(name, bytes, n, out, err);
    if (n == 0)
        return siam_error_set(err, SIAM_ERR_FORMAT, "%s: empty file (0 bytes)", name);
    return siam_error_set(err, SIAM_ERR_FORMAT, "%s: not a PNG or JPEG image", name);
}

