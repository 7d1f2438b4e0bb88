/* Fuzz harness: siam_jpeg_decode on arbitrary bytes. libjpeg reports
 * errors (and, here, warnings) by longjmp into the decoder; the harness
 * checks that every path out of it either fails with a message or returns
 * an image whose h*w pixels are all readable (ASan checks the size), and
 * that the image survives the next steps of the pipeline. */
#include "data/image.h"
#include "fuzz_util.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *bytes = malloc(size ? size : 1);
    if (!bytes)
        abort();
    memcpy(bytes, data, size);
    siam_grey g;
    siam_error err;
    siam_error_clear(&err);
    siam_status st = siam_jpeg_decode("fuzz.jpg", bytes, size, &g, &err);
    free(bytes);
    if (st != SIAM_OK) {
        /* A failure must say why. */
        if (err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (g.h <= 0 || g.w <= 0 || !g.data)
        abort();
    unsigned sum = 0;
    for (size_t i = 0; i < (size_t)g.h * (size_t)g.w; i++)
        sum += g.data[i];
    (void)siam_border_mean(g.data, g.h, g.w);
    uint8_t small[7 * 5];
    if (siam_resize_area_u8(g.data, g.h, g.w, small, 7, 5, &err) != SIAM_OK)
        abort();
    siam_grey_free(&g);
    return (int)(sum & 0); /* libFuzzer wants 0; sum keeps the reads alive */
}
