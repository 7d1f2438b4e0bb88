/* A strict recursive-descent JSON parser with bounded depth and size. */
#include "base/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 32
#define JSON_MAX_NODES (1 << 20)

typedef struct parser {
    const char *s;
    size_t n, i;
    siam_json *j;
    int cap_nodes;
    size_t pool_len, pool_cap;
    siam_error *err;
} parser;

static siam_status perr(parser *p, const char *what)
{
    return siam_error_set(p->err, SIAM_ERR_FORMAT, "JSON: %s at byte %zu", what, p->i);
}

static void skip_ws(parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
        p->i++;
}

static int new_node(parser *p, siam_json_type t, int parent)
{
    if (p->j->n_nodes == p->cap_nodes) {
        if (p->cap_nodes >= JSON_MAX_NODES)
            return -1;
        int cap = p->cap_nodes ? p->cap_nodes * 2 : 64;
        siam_json_node *v = realloc(p->j->nodes, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        p->j->nodes = v;
        p->cap_nodes = cap;
    }
    int k = p->j->n_nodes++;
    siam_json_node *nd = &p->j->nodes[k];
    memset(nd, 0, sizeof *nd);
    nd->type = t;
    nd->parent = parent;
    nd->key = -1;
    nd->first_child = nd->next_sibling = -1;
    nd->str = -1;
    return k;
}

static int pool_put(parser *p, char c)
{
    if (p->pool_len == p->pool_cap) {
        size_t cap = p->pool_cap ? p->pool_cap * 2 : 256;
        char *v = realloc(p->j->pool, cap);
        if (!v)
            return 0;
        p->j->pool = v;
        p->pool_cap = cap;
    }
    p->j->pool[p->pool_len++] = c;
    return 1;
}

static void put_utf8(parser *p, unsigned cp, int *ok)
{
    if (cp < 0x80) {
        *ok &= pool_put(p, (char)cp);
    } else if (cp < 0x800) {
        *ok &= pool_put(p, (char)(0xC0 | (cp >> 6)));
        *ok &= pool_put(p, (char)(0x80 | (cp & 0x3F)));
    } else {
        *ok &= pool_put(p, (char)(0xE0 | (cp >> 12)));
        *ok &= pool_put(p, (char)(0x80 | ((cp >> 6) & 0x3F)));
        *ok &= pool_put(p, (char)(0x80 | (cp & 0x3F)));
    }
}

/* Parses a string literal into the pool; returns its offset or -1. */
static int parse_string(parser *p)
{
    if (p->i >= p->n || p->s[p->i] != '"')
        return -1;
    p->i++;
    int start = (int)p->pool_len, ok = 1;
    while (p->i < p->n && ok) {
        unsigned char c = (unsigned char)p->s[p->i++];
        if (c == '"')
            return pool_put(p, '\0') ? start : -1;
        if (c < 0x20)
            return -1;
        if (c != '\\') {
            ok &= pool_put(p, (char)c);
            continue;
        }
        if (p->i >= p->n)
            return -1;
        char e = p->s[p->i++];
        switch (e) {
        case '"': case '\\': case '/': ok &= pool_put(p, e); break;
        case 'b': ok &= pool_put(p, '\b'); break;
        case 'f': ok &= pool_put(p, '\f'); break;
        case 'n': ok &= pool_put(p, '\n'); break;
        case 'r': ok &= pool_put(p, '\r'); break;
        case 't': ok &= pool_put(p, '\t'); break;
        case 'u': {
            if (p->n - p->i < 4)
                return -1;
            unsigned cp = 0;
            for (int k = 0; k < 4; k++) {
                char h = p->s[p->i++];
                cp <<= 4;
                if (h >= '0' && h <= '9') cp |= (unsigned)(h - '0');
                else if (h >= 'a' && h <= 'f') cp |= (unsigned)(h - 'a' + 10);
                else if (h >= 'A' && h <= 'F') cp |= (unsigned)(h - 'A' + 10);
                else return -1;
            }
            if (cp == 0)
                return -1; /* would truncate the C string */
            put_utf8(p, cp, &ok);
            break;
        }
        default:
            return -1;
        }
    }
    return -1;
}

static siam_status parse_value(parser *p, int parent, int depth, int *out);

static void link_child(parser *p, int parent, int child, int *last)
{
    if (*last < 0)
        p->j->nodes[parent].first_child = child;
    else
        p->j->nodes[*last].next_sibling = child;
    *last = child;
    p->j->nodes[parent].n_children++;
}

static siam_status parse_container(parser *p, int parent, int depth, int obj, int *out)
{
    int k = new_node(p, obj ? SIAM_JSON_OBJECT : SIAM_JSON_ARRAY, parent);
    if (k < 0)
        return perr(p, "too many values");
    *out = k;
    p->i++; /* '{' or '[' */
    skip_ws(p);
    char close = obj ? '}' : ']';
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        return SIAM_OK;
    }
    int last = -1;
    for (;;) {
        int key = -1;
        if (obj) {
            skip_ws(p);
            key = parse_string(p);
            if (key < 0)
                return perr(p, "expected a string key");
            skip_ws(p);
            if (p->i >= p->n || p->s[p->i] != ':')
                return perr(p, "expected ':'");
            p->i++;
        }
        int child;
        siam_status st = parse_value(p, k, depth + 1, &child);
        if (st != SIAM_OK)
            return st;
        p->j->nodes[child].key = key;
        link_child(p, k, child, &last);
        skip_ws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->n && p->s[p->i] == close) {
            p->i++;
            return SIAM_OK;
        }
        return perr(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static siam_status parse_value(parser *p, int parent, int depth, int *out)
{
    if (depth > JSON_MAX_DEPTH)
        return perr(p, "nested too deeply");
    skip_ws(p);
    if (p->i >= p->n)
        return perr(p, "unexpected end");
    char c = p->s[p->i];
    if (c == '{' || c == '[')
        return parse_container(p, parent, depth, c == '{', out);
    int k;
    if (c == '"') {
        k = new_node(p, SIAM_JSON_STRING, parent);
        if (k < 0)
            return perr(p, "too many values");
        int s = parse_string(p);
        if (s < 0)
            return perr(p, "bad string");
        p->j->nodes[k].str = s;
    } else if (p->n - p->i >= 4 && strncmp(p->s + p->i, "true", 4) == 0) {
        k = new_node(p, SIAM_JSON_BOOL, parent);
        p->i += 4;
        if (k >= 0)
            p->j->nodes[k].number = 1;
    } else if (p->n - p->i >= 5 && strncmp(p->s + p->i, "false", 5) == 0) {
        k = new_node(p, SIAM_JSON_BOOL, parent);
        p->i += 5;
    } else if (p->n - p->i >= 4 && strncmp(p->s + p->i, "null", 4) == 0) {
        k = new_node(p, SIAM_JSON_NULL, parent);
        p->i += 4;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        char buf[64];
        size_t len = 0;
        while (p->i < p->n && len < sizeof buf - 1 &&
               strchr("+-0123456789.eE", p->s[p->i]) != NULL)
            buf[len++] = p->s[p->i++];
        buf[len] = '\0';
        char *end;
        double v = strtod(buf, &end);
        if (end != buf + len || len == 0)
            return perr(p, "bad number");
        k = new_node(p, SIAM_JSON_NUMBER, parent);
        if (k >= 0)
            p->j->nodes[k].number = v;
    } else {
        return perr(p, "unexpected character");
    }
    if (k < 0)
        return perr(p, "too many values");
    *out = k;
    return SIAM_OK;
}

static int key_order(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Two readers must never see two documents: Python's json and safetensors
 * keep the last of duplicate keys, a first-match lookup the first. Sorting
 * each object's keys keeps hostile input at n log n. */
static siam_status refuse_duplicate_keys(const siam_json *j, siam_error *err)
{
    const char **keys = malloc((size_t)j->n_nodes * sizeof *keys);
    if (!keys)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = SIAM_OK;
    for (int o = 0; st == SIAM_OK && o < j->n_nodes; o++) {
        const siam_json_node *nd = &j->nodes[o];
        if (nd->type != SIAM_JSON_OBJECT || nd->n_children < 2)
            continue;
        int n = 0;
        for (int c = nd->first_child; c >= 0; c = j->nodes[c].next_sibling)
            keys[n++] = j->pool + j->nodes[c].key;
        qsort(keys, (size_t)n, sizeof *keys, key_order);
        for (int i = 1; i < n; i++)
            if (strcmp(keys[i - 1], keys[i]) == 0) {
                st = siam_error_set(err, SIAM_ERR_FORMAT, "JSON: duplicate key \"%s\"", keys[i]);
                break;
            }
    }
    free(keys);
    return st;
}

siam_status siam_json_parse(const char *text, size_t len, siam_json *out, siam_error *err)
{
    if (!text || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_json_parse: NULL argument");
    memset(out, 0, sizeof *out);
    parser p = {text, len, 0, out, 0, 0, 0, err};
    int root;
    siam_status st = parse_value(&p, -1, 0, &root);
    if (st == SIAM_OK) {
        skip_ws(&p);
        if (p.i != p.n)
            st = perr(&p, "trailing characters");
    }
    if (st == SIAM_OK && !out->pool && !pool_put(&p, '\0'))
        st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK)
        st = refuse_duplicate_keys(out, err);
    if (st != SIAM_OK)
        siam_json_free(out);
    return st;
}

void siam_json_free(siam_json *j)
{
    if (!j)
        return;
    free(j->nodes);
    free(j->pool);
    memset(j, 0, sizeof *j);
}

int siam_json_get(const siam_json *j, int obj, const char *key)
{
    if (!j || obj < 0 || obj >= j->n_nodes || j->nodes[obj].type != SIAM_JSON_OBJECT)
        return -1;
    for (int c = j->nodes[obj].first_child; c >= 0; c = j->nodes[c].next_sibling)
        if (strcmp(j->pool + j->nodes[c].key, key) == 0)
            return c;
    return -1;
}

const char *siam_json_str(const siam_json *j, int node)
{
    if (!j || node < 0 || node >= j->n_nodes || j->nodes[node].type != SIAM_JSON_STRING)
        return NULL;
    return j->pool + j->nodes[node].str;
}

const char *siam_json_key(const siam_json *j, int node)
{
    if (!j || node < 0 || node >= j->n_nodes || j->nodes[node].key < 0)
        return NULL;
    return j->pool + j->nodes[node].key;
}

void siam_json_escape(const char *s, char *buf, size_t size)
{
    size_t o = 0;
    if (size < 3) {
        if (size)
            buf[0] = '\0';
        return;
    }
    buf[o++] = '"';
    for (; *s && o + 8 <= size; s++) { /* room for \\u00XX, the quote and NUL */
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(buf + o, size - o, "\\u%04x", c);
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
}
