/* siamese serve: the images a request carries, as named byte blobs.
 *
 * From multipart/form-data (file fields, in order: parts are added as the
 * body streams in) or from a JSON object whose fields are base64 strings
 * ("a", "b", "image") or arrays of them ("images").
 */
#ifndef SIAMESE_CLI_SERVE_PAYLOAD_H
#define SIAMESE_CLI_SERVE_PAYLOAD_H

#include "siamese/status.h"

#include <stddef.h>
#include <stdint.h>

enum { SERVE_MAX_PARTS = 256 };

typedef struct serve_part {
    char name[32];
    uint8_t *data;
    size_t n, cap;
} serve_part;

typedef struct serve_payload {
    serve_part *parts;
    int n, cap;
} serve_payload;

void serve_payload_free(serve_payload *p);
/* Multipart: `data` at offset `off` of field `name` (off 0 starts a part). */
siam_status serve_payload_add(serve_payload *p, const char *name, const char *data, size_t size,
                              uint64_t off, siam_error *err);
/* A JSON body: every string field, and every string of an array field, as
 * a part of that name, base64-decoded. */
siam_status serve_payload_from_json(serve_payload *p, const char *body, size_t len,
                                    siam_error *err);
/* How many parts are named `name`, and the k-th of them (NULL past the end). */
int serve_payload_count(const serve_payload *p, const char *name);
const serve_part *serve_payload_get(const serve_payload *p, const char *name, int k);

#endif
