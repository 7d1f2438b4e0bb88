/* siamese eval --report: one dataset image as a grey PNG, ink dark on
 * white as people expect to see it (the dataset stores ink = 255). */
#include "grey_png.h"

#include <png.h>
#include <stdlib.h>

#include "base/atomic_file.h"

siam_status cli_write_grey_png(const char *path, const uint8_t *ink, int h, int w,
                               siam_error *err)
{
    uint8_t *row = malloc((size_t)w);
    if (!row)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_atomic_file out;
    FILE *f = siam_atomic_begin_stream(&out, path, err);
    if (!f) {
        free(row);
        return err ? err->status : SIAM_ERR_IO;
    }
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    int ok = p && info;
    if (ok && setjmp(png_jmpbuf(p)) == 0) {
        png_init_io(p, f);
        png_set_IHDR(p, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_GRAY,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_write_info(p, info);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++)
                row[x] = (uint8_t)(255 - ink[(size_t)y * (size_t)w + (size_t)x]);
            png_write_row(p, row);
        }
        png_write_end(p, NULL);
    } else {
        ok = 0;
    }
    png_destroy_write_struct(p ? &p : NULL, info ? &info : NULL);
    free(row);
    if (!ok) {
        siam_atomic_abort(&out);
        return siam_error_set(err, SIAM_ERR_IO, "writing %s: libpng failed", path);
    }
    return siam_atomic_commit(&out, err);
}
