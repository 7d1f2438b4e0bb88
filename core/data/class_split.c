/* siamese data: seeded class splits for class-folder datasets. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "data/class_split.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/rng.h"

/* Far from the well-known streams (rng.h): data code's own. */
#define CLASS_SPLIT_STREAM 1001

long siam_class_split_count(double amount, size_t n)
{
    if (!(amount >= 0) || amount > (double)n)
        return -1;
    if (amount == 0)
        return 0;
    if (amount < 1) {
        long k = lround(amount * (double)n);
        return k < 1 ? 1 : k;
    }
    return amount == floor(amount) ? (long)amount : -1;
}

static int by_id(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

siam_status siam_class_split_make(const siam_dataset *ds, double val, double test, uint64_t seed,
                                  siam_class_split *out, siam_error *err)
{
    memset(out, 0, sizeof *out);
    size_t n = siam_dataset_n_classes(ds);
    long nv = siam_class_split_count(val, n), nt = siam_class_split_count(test, n);
    if (nv < 0 || nt < 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "--val-classes %g / --test-classes %g: give a whole count up to the "
                              "dataset's %zu classes, or a fraction below 1", val, test, n);
    if (nv < 2 || (size_t)(nv + nt) + 2 > n)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "%s has %zu classes: %ld for validation and %ld for test leave %ld "
                              "for training; validation needs at least 2 and training at least 2",
                              siam_dataset_root(ds), n, nv, nt, (long)n - nv - nt);
    uint32_t *order = malloc(n * sizeof *order);
    if (!order)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "class split: out of memory");
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    siam_rng r = siam_rng_make(seed, CLASS_SPLIT_STREAM);
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)siam_rng_below(&r, i);
        uint32_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    size_t count[SIAM_PART_COUNT] = {n - (size_t)nv - (size_t)nt, (size_t)nv, (size_t)nt};
    size_t start[SIAM_PART_COUNT] = {(size_t)(nv + nt), (size_t)nt, 0};
    for (int p = 0; p < SIAM_PART_COUNT; p++) {
        out->classes[p] = malloc((count[p] ? count[p] : 1) * sizeof(uint32_t));
        if (!out->classes[p]) {
            free(order);
            siam_class_split_free(out);
            return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "class split: out of memory");
        }
        memcpy(out->classes[p], order + start[p], count[p] * sizeof(uint32_t));
        qsort(out->classes[p], count[p], sizeof(uint32_t), by_id);
        out->n[p] = count[p];
    }
    free(order);
    return SIAM_OK;
}

void siam_class_split_free(siam_class_split *s)
{
    for (int p = 0; p < SIAM_PART_COUNT; p++) {
        free(s->classes[p]);
        s->classes[p] = NULL;
        s->n[p] = 0;
    }
}

static siam_status subset_of(const siam_dataset *ds, unsigned char *keep, siam_subset **out,
                             siam_error *err)
{
    siam_filter f = {NULL, 0, 0, 0, keep};
    siam_status st = siam_subset_create(ds, &f, out, err);
    free(keep);
    return st;
}

siam_status siam_class_split_subset(const siam_dataset *ds, const siam_class_split *s, int part,
                                    siam_subset **out, siam_error *err)
{
    size_t n = siam_dataset_n_classes(ds);
    unsigned char *keep = calloc(n ? n : 1, 1);
    if (!keep)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "class split: out of memory");
    for (size_t k = 0; k < s->n[part]; k++)
        keep[s->classes[part][k]] = 1;
    return subset_of(ds, keep, out, err);
}

/* "<group>/<class>" when the dataset has groups, else "<class>". */
static int class_key(const siam_dataset *ds, size_t c, char *buf, size_t cap)
{
    const char *cls = siam_dataset_class_name(ds, c);
    int n = siam_dataset_n_alphabets(ds) > 1
                ? snprintf(buf, cap, "%s/%s",
                           siam_dataset_alphabet_name(ds, siam_dataset_class_alphabet(ds, c)), cls)
                : snprintf(buf, cap, "%s", cls);
    return n >= 0 && (size_t)n < cap;
}

char *siam_class_split_keys_json(const siam_dataset *ds, const siam_class_split *s, int part)
{
    char key[1024], esc[6 * sizeof key + 3];
    size_t cap = 3, len = 0;
    for (int pass = 0; pass < 2; pass++) { /* measure, then write */
        char *out = pass ? malloc(cap) : NULL;
        if (pass && !out)
            return NULL;
        if (out)
            out[len++] = '[';
        for (size_t k = 0; k < s->n[part]; k++) {
            if (!class_key(ds, s->classes[part][k], key, sizeof key)) {
                free(out);
                return NULL;
            }
            siam_json_escape(key, esc, sizeof esc);
            if (out)
                len += (size_t)snprintf(out + len, cap - len, "%s%s", k ? "," : "", esc);
            else
                cap += strlen(esc) + 1;
        }
        if (out) {
            out[len++] = ']';
            out[len] = '\0';
            return out;
        }
    }
    return NULL;
}

typedef struct keyed {
    char *key;
    uint32_t cls;
} keyed;

static int by_key(const void *a, const void *b)
{
    return strcmp(((const keyed *)a)->key, ((const keyed *)b)->key);
}

siam_status siam_class_subset_from_json(const siam_dataset *ds, const char *json,
                                        siam_subset **out, siam_error *err)
{
    siam_json j;
    siam_status st = siam_json_parse(json, strlen(json), &j, err);
    if (st != SIAM_OK)
        return siam_error_prefix(err, "class list: ");
    size_t n = siam_dataset_n_classes(ds);
    unsigned char *keep = calloc(n ? n : 1, 1);
    if (!keep) {
        siam_json_free(&j);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "class list: out of memory");
    }
    if (j.nodes[0].type != SIAM_JSON_ARRAY)
        st = siam_error_set(err, SIAM_ERR_FORMAT, "class list: not a JSON array");
    /* Every class's key, sorted: each listed key is then a binary search. */
    keyed *keys = calloc(n ? n : 1, sizeof *keys);
    char key[1024];
    if (!keys)
        st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "class list: out of memory");
    for (size_t k = 0; st == SIAM_OK && k < n; k++) {
        keys[k].cls = (uint32_t)k;
        if (!class_key(ds, k, key, sizeof key) || !(keys[k].key = strdup(key)))
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "class list: out of memory");
    }
    if (st == SIAM_OK)
        qsort(keys, n, sizeof *keys, by_key);
    size_t found = 0;
    for (int c = j.nodes[0].first_child; st == SIAM_OK && c >= 0; c = j.nodes[c].next_sibling) {
        const char *want = siam_json_str(&j, c);
        keyed probe = {(char *)(want ? want : ""), 0};
        keyed *hit = want ? bsearch(&probe, keys, n, sizeof *keys, by_key) : NULL;
        if (!hit)
            st = siam_error_set(err, SIAM_ERR_NOT_FOUND, "%s has no class '%.200s'",
                                siam_dataset_root(ds), want ? want : "(not a string)");
        else if (!keep[hit->cls]++)
            found++;
    }
    for (size_t k = 0; keys && k < n; k++)
        free(keys[k].key);
    free(keys);
    siam_json_free(&j);
    if (st == SIAM_OK && found == 0)
        st = siam_error_set(err, SIAM_ERR_FORMAT, "class list: empty");
    if (st != SIAM_OK) {
        free(keep);
        return st;
    }
    return subset_of(ds, keep, out, err);
}
