/* A request's images as named blobs (see payload.h). nettle decodes base64. */
#include "payload.h"

#include "base/json.h"

#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>

void serve_payload_free(serve_payload *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->parts[i].data);
    free(p->parts);
    memset(p, 0, sizeof *p);
}

static siam_status new_part(serve_payload *p, const char *name, siam_error *err)
{
    if (p->n >= SERVE_MAX_PARTS)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "more than %d images in one request",
                              SERVE_MAX_PARTS);
    if (strlen(name) >= sizeof p->parts[0].name)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "a field name over %zu characters",
                              sizeof p->parts[0].name - 1);
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 4;
        serve_part *v = realloc(p->parts, (size_t)cap * sizeof *v);
        if (!v)
            return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        p->parts = v, p->cap = cap;
    }
    serve_part *q = &p->parts[p->n++];
    memset(q, 0, sizeof *q);
    snprintf(q->name, sizeof q->name, "%s", name);
    return SIAM_OK;
}

static siam_status append(serve_part *q, const void *data, size_t size, siam_error *err)
{
    if (q->n + size > q->cap) {
        size_t cap = q->cap ? q->cap : 4096;
        while (cap < q->n + size)
            cap *= 2;
        uint8_t *v = realloc(q->data, cap);
        if (!v)
            return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        q->data = v, q->cap = cap;
    }
    memcpy(q->data + q->n, data, size);
    q->n += size;
    return SIAM_OK;
}

siam_status serve_payload_add(serve_payload *p, const char *name, const char *data, size_t size,
                              uint64_t off, siam_error *err)
{
    if (!name)
        name = "";
    if (off == 0 || p->n == 0 || strcmp(p->parts[p->n - 1].name, name) != 0) {
        siam_status st = new_part(p, name, err);
        if (st != SIAM_OK)
            return st;
    }
    return size ? append(&p->parts[p->n - 1], data, size, err) : SIAM_OK;
}

static siam_status add_base64(serve_payload *p, const char *name, const char *b64,
                              siam_error *err)
{
    siam_status st = new_part(p, name, err);
    if (st != SIAM_OK)
        return st;
    serve_part *q = &p->parts[p->n - 1];
    size_t len = strlen(b64);
    q->cap = BASE64_DECODE_LENGTH(len) + 1;
    q->data = malloc(q->cap);
    if (!q->data)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    struct base64_decode_ctx ctx;
    base64_decode_init(&ctx);
    size_t out = q->cap;
    if (!base64_decode_update(&ctx, &out, q->data, len, b64) || !base64_decode_final(&ctx))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "field \"%s\" is not valid base64",
                              name);
    q->n = out;
    return SIAM_OK;
}

siam_status serve_payload_from_json(serve_payload *p, const char *body, size_t len,
                                    siam_error *err)
{
    siam_json j;
    siam_status st = siam_json_parse(body, len, &j, err);
    if (st != SIAM_OK)
        return siam_error_prefix(err, "request body: ");
    if (j.n_nodes == 0 || j.nodes[0].type != SIAM_JSON_OBJECT) {
        siam_json_free(&j);
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "request body: a JSON object expected");
    }
    for (int c = j.nodes[0].first_child; st == SIAM_OK && c >= 0; c = j.nodes[c].next_sibling) {
        const char *key = siam_json_key(&j, c);
        if (j.nodes[c].type == SIAM_JSON_STRING) {
            st = add_base64(p, key, siam_json_str(&j, c), err);
        } else if (j.nodes[c].type == SIAM_JSON_ARRAY) {
            for (int e = j.nodes[c].first_child; st == SIAM_OK && e >= 0; e = j.nodes[e].next_sibling)
                st = j.nodes[e].type == SIAM_JSON_STRING
                         ? add_base64(p, key, siam_json_str(&j, e), err)
                         : siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                          "field \"%s\": an array of base64 strings expected", key);
        }
    }
    siam_json_free(&j);
    return st;
}

int serve_payload_count(const serve_payload *p, const char *name)
{
    int k = 0;
    for (int i = 0; i < p->n; i++)
        k += strcmp(p->parts[i].name, name) == 0;
    return k;
}

const serve_part *serve_payload_get(const serve_payload *p, const char *name, int k)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->parts[i].name, name) == 0 && k-- == 0)
            return &p->parts[i];
    return NULL;
}
