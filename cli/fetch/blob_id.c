/* siamese data fetch: git blob ids through nettle's SHA-1. */
#define _POSIX_C_SOURCE 200809L
#include "blob_id.h"

#include <ctype.h>
#include <errno.h>
#include <nettle/sha1.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/input_file.h"

siam_status siam_blob_id_file(const char *path, char hex[SIAM_BLOB_ID_HEX], siam_error *err)
{
    FILE *f = NULL;
    siam_status st = siam_fopen_input(path, "archive", &f, err);
    if (st != SIAM_OK)
        return st;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) {
        int e = errno;
        fclose(f);
        return siam_error_set(err, SIAM_ERR_IO, "%s: %s", path, strerror(e));
    }
    struct sha1_ctx ctx;
    sha1_init(&ctx);
    char head[64];
    int hn = snprintf(head, sizeof head, "blob %lld", (long long)sb.st_size);
    sha1_update(&ctx, (size_t)hn + 1, (const uint8_t *)head); /* with its '\0' */
    unsigned char buf[1 << 16];
    long long total = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        sha1_update(&ctx, n, buf);
        total += (long long)n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad || total != (long long)sb.st_size)
        return siam_error_set(err, SIAM_ERR_IO, "%s: read %lld of %lld bytes", path, total,
                              (long long)sb.st_size);
    uint8_t d[SHA1_DIGEST_SIZE];
    sha1_digest(&ctx, sizeof d, d);
    for (int i = 0; i < SHA1_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return SIAM_OK;
}

int siam_blob_id_valid(const char *s)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return i == 40;
}
