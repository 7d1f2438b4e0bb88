/* siamese data fetch: a file's git blob id, the digest that pins each
 * Omniglot archive. A blob id is the SHA-1 of "blob <size>\0" followed by
 * the file's bytes, so the repository's own listing names the expected
 * value and anyone can check it with `git hash-object FILE`. */
#ifndef SIAMESE_CLI_FETCH_BLOB_ID_H
#define SIAMESE_CLI_FETCH_BLOB_ID_H

#include "siamese/status.h"

#define SIAM_BLOB_ID_HEX 41 /* 40 hex digits and the terminator */

/* Writes the blob id of the file at path into hex (lower case). */
siam_status siam_blob_id_file(const char *path, char hex[SIAM_BLOB_ID_HEX], siam_error *err);
/* 1 when s is 40 hex digits (either case). */
int siam_blob_id_valid(const char *s);

#endif
