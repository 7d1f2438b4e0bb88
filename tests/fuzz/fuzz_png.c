/* Fuzz harness: siam_png_decode on arbitrary bytes.
 *
 * Before decoding, the harness rewrites the CRC of every whole chunk in a
 * copy of the input: with random CRCs libpng stops at the first chunk, and
 * the mutator (blind to libpng, which is not instrumented) would rarely get
 * further. libpng reports errors by longjmp into the decoder; the harness
 * checks that
 * every path out of it either fails with a message or returns an image whose
 * h*w pixels are all readable (ASan checks the size), and that the decoded
 * image survives the next steps of the pipeline (border mean, area resize). */
#include "data/image.h"
#include "fuzz_util.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Chunks: length (4, big-endian), type (4), data (length), CRC (4) of type
 * and data. */
static void fix_crcs(uint8_t *b, size_t n)
{
    size_t pos = 8;
    while (pos + 12 <= n) {
        uint32_t len = be32(b + pos);
        if (len > n - pos - 12)
            break;
        uint32_t crc = (uint32_t)crc32(0L, b + pos + 4, (uInt)len + 4);
        uint8_t *c = b + pos + 8 + len;
        c[0] = (uint8_t)(crc >> 24), c[1] = (uint8_t)(crc >> 16);
        c[2] = (uint8_t)(crc >> 8), c[3] = (uint8_t)crc;
        pos += (size_t)len + 12;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *bytes = malloc(size ? size : 1);
    if (!bytes)
        abort();
    memcpy(bytes, data, size);
    fix_crcs(bytes, size);
    siam_grey g;
    siam_error err;
    siam_error_clear(&err);
    siam_status st = siam_png_decode("fuzz.png", bytes, size, &g, &err);
    free(bytes);
    fz_check_decoded(st, &g, &err);
    return 0;
}
