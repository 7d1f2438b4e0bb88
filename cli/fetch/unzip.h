/* siamese data fetch: unpacking one zip archive into an empty folder.
 *
 * Archives come from the network, so every entry is checked before a byte
 * is written: no absolute name, no "..", no backslash, no link, and the
 * totals below the caller's limits (a zip bomb stops there). Files are
 * created with O_EXCL|O_NOFOLLOW, so nothing outside dest is ever written. */
#ifndef SIAMESE_CLI_FETCH_UNZIP_H
#define SIAMESE_CLI_FETCH_UNZIP_H

#include "siamese/status.h"

typedef struct siam_unzip_limits {
    long long max_bytes;  /* all entries, uncompressed */
    long long max_entries;
} siam_unzip_limits;

siam_status siam_unzip(const char *zip_path, const char *dest, const siam_unzip_limits *lim,
                       siam_error *err);

#endif
