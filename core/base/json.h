/* siamese: a small, strict JSON reader for model-file headers and config.
 *
 * Parses a whole document into a flat array of nodes (no pointers into the
 * input survive: strings are copied, unescaped, into one pool). Limits on
 * depth and node count make hostile input cost bounded time and memory.
 */
#ifndef SIAMESE_CORE_JSON_H
#define SIAMESE_CORE_JSON_H

#include "siamese/status.h"

#include <stddef.h>
#include <stdint.h>

typedef enum siam_json_type {
    SIAM_JSON_NULL, SIAM_JSON_BOOL, SIAM_JSON_NUMBER, SIAM_JSON_STRING,
    SIAM_JSON_ARRAY, SIAM_JSON_OBJECT
} siam_json_type;

typedef struct siam_json_node {
    siam_json_type type;
    int parent;            /* -1 for the root */
    int key;               /* in an object: the string-pool offset of the key, else -1 */
    int n_children;
    int first_child, next_sibling; /* -1 when none */
    double number;         /* NUMBER, BOOL (0/1) */
    int str;               /* STRING: pool offset */
} siam_json_node;

typedef struct siam_json {
    siam_json_node *nodes;
    int n_nodes;
    char *pool;            /* NUL-terminated strings */
} siam_json;

siam_status siam_json_parse(const char *text, size_t len, siam_json *out, siam_error *err);
void siam_json_free(siam_json *j);
/* Child of object node `obj` with key `key`, or -1. */
int siam_json_get(const siam_json *j, int obj, const char *key);
const char *siam_json_str(const siam_json *j, int node);   /* NULL unless STRING */
const char *siam_json_key(const siam_json *j, int node);   /* NULL unless in an object */
/* Appends s to buf as a JSON string literal (quotes and escapes). */
void siam_json_escape(const char *s, char *buf, size_t size);

#endif
