/* siamese data fetch: one URL into one file, resumable.
 *
 * The bytes go to `part`, appended when it already holds the start of the
 * file (an interrupted fetch goes on where it stopped; a server that
 * ignores the range request makes it start over). Any scheme libcurl
 * knows works: https for the release, http on 127.0.0.1 and file:// for
 * mirrors and tests. */
#ifndef SIAMESE_CLI_FETCH_DOWNLOAD_H
#define SIAMESE_CLI_FETCH_DOWNLOAD_H

#include "siamese/status.h"

typedef struct siam_download_opts {
    long long max_bytes; /* a larger file is refused mid-way */
    const char *label;   /* the name in the progress display */
    int progress;        /* 1: a line updated in place on stderr (a terminal);
                            0: a line when each file starts and ends */
} siam_download_opts;

siam_status siam_download(const char *url, const char *part, const siam_download_opts *o,
                          siam_error *err);

#endif
