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
    fz_check_decoded(st, &g, &err);
    return 0;
}
