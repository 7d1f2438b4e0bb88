/* Dataset storage: the builder that collects names and files, decoding into
 * one contiguous uint8 arena, polarity, and the read-only accessors. */
#include "dataset_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Grows *p (elements of `size` bytes) so that index `need` fits. */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need < *cap)
        return 1;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap <= need)
        ncap *= 2;
    void *np = realloc(*p, ncap * size);
    if (!np)
        return 0;
    *p = np;
    *cap = ncap;
    return 1;
}

void siam_load_options_default(siam_load_options *opt)
{
    if (opt) {
        opt->layout = SIAM_LAYOUT_AUTO;
        opt->polarity = SIAM_POLARITY_AUTO;
        opt->store_h = 0;
        opt->store_w = 0;
    }
}

void siam_load_report_clear(siam_load_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->n_bad; i++)
        free(rep->bad[i]);
    free(rep->bad);
    rep->bad = NULL;
    rep->n_bad = 0;
    rep->n_skipped = 0;
}

void siam_dataset_destroy(siam_dataset *ds)
{
    if (!ds)
        return;
    for (size_t i = 0; i < ds->n; i++)
        free(ds->paths[i]);
    for (size_t a = 0; a < ds->n_alphabets; a++)
        free(ds->alphabet_names[a]);
    for (size_t c = 0; c < ds->n_classes; c++)
        free(ds->class_names[c]);
    free(ds->root);
    free(ds->pixels);
    free(ds->info);
    free(ds->paths);
    free(ds->alphabet_names);
    free(ds->alphabet_first);
    free(ds->alphabet_count);
    free(ds->class_names);
    free(ds->class_alphabet);
    free(ds->class_first);
    free(ds->class_count);
    free(ds);
}

siam_status siam_dsb_init(siam_dsb *b, const char *root, siam_load_report *report,
                          siam_error *err)
{
    memset(b, 0, sizeof *b);
    b->report = report;
    b->ds = calloc(1, sizeof *b->ds);
    if (!b->ds || !(b->ds->root = dup_str(root ? root : ""))) {
        free(b->ds);
        b->ds = NULL;
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "dataset: out of memory");
    }
    return SIAM_OK;
}

void siam_dsb_abort(siam_dsb *b)
{
    siam_dataset_destroy(b->ds);
    b->ds = NULL;
}

size_t siam_dsb_add_alphabet(siam_dsb *b, const char *name)
{
    siam_dataset *ds = b->ds;
    size_t a = ds->n_alphabets, cap = b->cap_alphabets;
    int ok = grow((void **)&ds->alphabet_names, &cap, a, sizeof(char *));
    size_t c1 = b->cap_alphabets, c2 = b->cap_alphabets;
    ok = ok && grow((void **)&ds->alphabet_first, &c1, a, sizeof(size_t));
    ok = ok && grow((void **)&ds->alphabet_count, &c2, a, sizeof(size_t));
    char *nm = ok ? dup_str(name) : NULL;
    if (!nm) {
        b->oom = 1;
        return (size_t)-1;
    }
    b->cap_alphabets = cap;
    ds->alphabet_names[a] = nm;
    ds->alphabet_first[a] = ds->n_classes;
    ds->alphabet_count[a] = 0;
    ds->n_alphabets++;
    return a;
}

size_t siam_dsb_add_class(siam_dsb *b, const char *name, size_t alphabet)
{
    siam_dataset *ds = b->ds;
    size_t c = ds->n_classes, cap = b->cap_classes;
    size_t c1 = cap, c2 = cap, c3 = cap;
    int ok = alphabet + 1 == ds->n_alphabets;
    ok = ok && grow((void **)&ds->class_names, &cap, c, sizeof(char *));
    ok = ok && grow((void **)&ds->class_alphabet, &c1, c, sizeof(size_t));
    ok = ok && grow((void **)&ds->class_first, &c2, c, sizeof(size_t));
    ok = ok && grow((void **)&ds->class_count, &c3, c, sizeof(size_t));
    char *nm = ok ? dup_str(name) : NULL;
    if (!nm) {
        b->oom = 1;
        return (size_t)-1;
    }
    b->cap_classes = cap;
    ds->class_names[c] = nm;
    ds->class_alphabet[c] = alphabet;
    ds->class_first[c] = ds->n;
    ds->class_count[c] = 0;
    ds->alphabet_count[alphabet]++;
    ds->n_classes++;
    return c;
}

size_t siam_dsb_add_image(siam_dsb *b, const char *relpath, size_t cls,
                          uint32_t drawer, uint32_t id)
{
    siam_dataset *ds = b->ds;
    size_t i = ds->n, cap = b->cap_images, c1 = cap;
    int ok = cls + 1 == ds->n_classes;
    ok = ok && grow((void **)&ds->paths, &cap, i, sizeof(char *));
    ok = ok && grow((void **)&ds->info, &c1, i, sizeof(siam_image_info));
    char *p = ok ? dup_str(relpath) : NULL;
    if (!p) {
        b->oom = 1;
        return (size_t)-1;
    }
    b->cap_images = cap;
    ds->paths[i] = p;
    ds->info[i].alphabet = (uint32_t)ds->class_alphabet[cls];
    ds->info[i].cls = (uint32_t)cls;
    ds->info[i].drawer = drawer;
    ds->info[i].id = id;
    ds->class_count[cls]++;
    ds->n++;
    return i;
}

void siam_dsb_bad(siam_dsb *b, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (b->n_bad == 0)
        snprintf(b->first_bad, sizeof b->first_bad, "%s", msg);
    b->n_bad++;
    if (b->report) {
        siam_load_report *r = b->report;
        char **nb = realloc(r->bad, sizeof(char *) * (r->n_bad + 1));
        char *m = dup_str(msg);
        if (!nb || !m) {
            if (nb)
                r->bad = nb;
            free(m);
            b->oom = 1;
            return;
        }
        r->bad = nb;
        r->bad[r->n_bad++] = m;
    }
}

/* Decodes image i into its arena slot; returns 0 on a decoding failure
 * (recorded in the builder). *border accumulates the mean border value. */
static int decode_one(siam_dsb *b, size_t i, char *pathbuf, size_t pathcap,
                      double *border, siam_error *fatal)
{
    siam_dataset *ds = b->ds;
    snprintf(pathbuf, pathcap, "%s/%s", ds->root, ds->paths[i]);
    siam_grey g;
    siam_error e;
    siam_error_clear(&e);
    if (siam_image_load(pathbuf, &g, &e) != SIAM_OK) {
        siam_dsb_bad(b, "%s", e.msg);
        return 0;
    }
    if (!ds->pixels) {
        if (ds->h == 0 || ds->w == 0) {
            ds->h = g.h;
            ds->w = g.w;
        }
        ds->pixels = malloc(ds->n * (size_t)ds->h * (size_t)ds->w);
        if (!ds->pixels) {
            siam_grey_free(&g);
            siam_error_set(fatal, SIAM_ERR_OUT_OF_MEMORY,
                           "%s: cannot allocate %zu images of %dx%d", ds->root, ds->n,
                           ds->h, ds->w);
            return -1;
        }
    }
    uint8_t *slot = ds->pixels + i * (size_t)ds->h * (size_t)ds->w;
    if (g.h == ds->h && g.w == ds->w) {
        memcpy(slot, g.data, (size_t)g.h * g.w);
    } else if (siam_resize_area_u8(g.data, g.h, g.w, slot, ds->h, ds->w, fatal) != SIAM_OK) {
        siam_grey_free(&g);
        return -1;
    }
    siam_grey_free(&g);
    *border += siam_border_mean(slot, ds->h, ds->w);
    return 1;
}

siam_status siam_dsb_finish(siam_dsb *b, const siam_load_options *opt,
                            siam_dataset **out, siam_error *err)
{
    siam_load_options def;
    if (!opt) {
        siam_load_options_default(&def);
        opt = &def;
    }
    siam_dataset *ds = b->ds;
    *out = NULL;
    if (b->oom) {
        siam_dsb_abort(b);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "dataset: out of memory while listing files");
    }
    if (opt->store_h < 0 || opt->store_w < 0 || (opt->store_h == 0) != (opt->store_w == 0) ||
        opt->store_h > SIAM_IMAGE_MAX_DIM || opt->store_w > SIAM_IMAGE_MAX_DIM) {
        siam_dsb_abort(b);
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "dataset: bad stored size %dx%d",
                              opt->store_h, opt->store_w);
    }
    ds->h = opt->store_h;
    ds->w = opt->store_w;
    if (ds->n == 0 && b->n_bad == 0) {
        siam_status st = siam_error_set(err, SIAM_ERR_NOT_FOUND, "%s: no PNG or JPEG images found", ds->root);
        siam_dsb_abort(b);
        return st;
    }
    size_t pathcap = strlen(ds->root) + 4096;
    char *pathbuf = malloc(pathcap);
    if (!pathbuf) {
        siam_dsb_abort(b);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "dataset: out of memory");
    }
    double border = 0.0;
    size_t n_ok = 0;
    siam_error fatal;
    siam_error_clear(&fatal);
    for (size_t i = 0; i < ds->n; i++) {
        int r = decode_one(b, i, pathbuf, pathcap, &border, &fatal);
        if (r < 0) {
            free(pathbuf);
            siam_dsb_abort(b);
            return siam_error_set(err, fatal.status, "%s", fatal.msg);
        }
        n_ok += (size_t)r;
    }
    free(pathbuf);
    if (b->n_bad > 0) {
        siam_status st = siam_error_set(err, SIAM_ERR_FORMAT,
                                        "%s: %zu unreadable file(s), nothing loaded; first: %s",
                                        ds->root, b->n_bad, b->first_bad);
        siam_dsb_abort(b);
        return st;
    }
    int invert;
    if (opt->polarity == SIAM_POLARITY_DARK_INK)
        invert = 1;
    else if (opt->polarity == SIAM_POLARITY_LIGHT_INK)
        invert = 0;
    else
        invert = border / (double)n_ok > 127.5; /* bright paper: dark ink */
    if (invert) {
        size_t total = ds->n * (size_t)ds->h * (size_t)ds->w;
        for (size_t k = 0; k < total; k++)
            ds->pixels[k] = (uint8_t)(255u - ds->pixels[k]);
    }
    ds->inverted = invert;
    *out = ds;
    b->ds = NULL;
    return SIAM_OK;
}

size_t siam_dataset_count(const siam_dataset *ds) { return ds->n; }
int siam_dataset_height(const siam_dataset *ds) { return ds->h; }
int siam_dataset_width(const siam_dataset *ds) { return ds->w; }
const char *siam_dataset_root(const siam_dataset *ds) { return ds->root; }
int siam_dataset_inverted(const siam_dataset *ds) { return ds->inverted; }

const uint8_t *siam_dataset_pixels(const siam_dataset *ds, size_t i)
{
    return ds->pixels + i * (size_t)ds->h * (size_t)ds->w;
}

const siam_image_info *siam_dataset_info(const siam_dataset *ds, size_t i)
{
    return &ds->info[i];
}

const char *siam_dataset_path(const siam_dataset *ds, size_t i) { return ds->paths[i]; }

size_t siam_dataset_arena_bytes(const siam_dataset *ds)
{
    return ds->n * (size_t)ds->h * (size_t)ds->w;
}

size_t siam_dataset_n_alphabets(const siam_dataset *ds) { return ds->n_alphabets; }
const char *siam_dataset_alphabet_name(const siam_dataset *ds, size_t a)
{
    return ds->alphabet_names[a];
}
size_t siam_dataset_alphabet_first_class(const siam_dataset *ds, size_t a)
{
    return ds->alphabet_first[a];
}
size_t siam_dataset_alphabet_n_classes(const siam_dataset *ds, size_t a)
{
    return ds->alphabet_count[a];
}

int siam_dataset_find_alphabet(const siam_dataset *ds, const char *name, size_t *a)
{
    for (size_t k = 0; k < ds->n_alphabets; k++)
        if (strcmp(ds->alphabet_names[k], name) == 0) {
            if (a)
                *a = k;
            return 1;
        }
    return 0;
}

size_t siam_dataset_n_classes(const siam_dataset *ds) { return ds->n_classes; }
const char *siam_dataset_class_name(const siam_dataset *ds, size_t c)
{
    return ds->class_names[c];
}
size_t siam_dataset_class_alphabet(const siam_dataset *ds, size_t c)
{
    return ds->class_alphabet[c];
}
size_t siam_dataset_class_first_image(const siam_dataset *ds, size_t c)
{
    return ds->class_first[c];
}
size_t siam_dataset_class_n_images(const siam_dataset *ds, size_t c)
{
    return ds->class_count[c];
}
