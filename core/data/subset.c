/* Builds a siam_subset from a dataset and a filter (see subset.h). */
#include "data/subset.h"

#include <stdlib.h>
#include <string.h>

void siam_subset_destroy(siam_subset *s)
{
    if (!s)
        return;
    free(s->images);
    free(s->class_id);
    free(s->class_first);
    free(s->class_count);
    free(s->alphabet_id);
    free(s->alphabet_first);
    free(s->alphabet_count);
    free(s);
}

siam_status siam_subset_create(const siam_dataset *ds, const siam_filter *f,
                               siam_subset **out, siam_error *err)
{
    if (!ds || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_subset_create: NULL argument");
    *out = NULL;
    size_t na = siam_dataset_n_alphabets(ds), nc = siam_dataset_n_classes(ds);
    size_t ni = siam_dataset_count(ds);
    unsigned char *keep = calloc(na ? na : 1, 1);
    if (!keep)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "subset: out of memory");
    if (f && f->alphabets) {
        for (size_t k = 0; k < f->n_alphabets; k++) {
            size_t a;
            if (!siam_dataset_find_alphabet(ds, f->alphabets[k], &a)) {
                free(keep);
                return siam_error_set(err, SIAM_ERR_NOT_FOUND, "%s: no alphabet named %s",
                                      siam_dataset_root(ds), f->alphabets[k]);
            }
            keep[a] = 1;
        }
    } else {
        memset(keep, 1, na ? na : 1);
    }
    int lo = f ? f->drawer_lo : 0, hi = f ? f->drawer_hi : 0;
    if (lo < 0 || hi < 0 || (hi && lo > hi)) {
        free(keep);
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "subset: bad drawer range %d-%d", lo, hi);
    }

    siam_subset *s = calloc(1, sizeof *s);
    if (s) {
        s->ds = ds;
        s->images = malloc(sizeof(uint32_t) * (ni ? ni : 1));
        s->class_id = malloc(sizeof(uint32_t) * (nc ? nc : 1));
        s->class_first = malloc(sizeof(size_t) * (nc ? nc : 1));
        s->class_count = malloc(sizeof(size_t) * (nc ? nc : 1));
        s->alphabet_id = malloc(sizeof(uint32_t) * (na ? na : 1));
        s->alphabet_first = malloc(sizeof(size_t) * (na ? na : 1));
        s->alphabet_count = malloc(sizeof(size_t) * (na ? na : 1));
    }
    if (!s || !s->images || !s->class_id || !s->class_first || !s->class_count ||
        !s->alphabet_id || !s->alphabet_first || !s->alphabet_count) {
        free(keep);
        siam_subset_destroy(s);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "subset: out of memory");
    }
    for (size_t a = 0; a < na; a++) {
        if (!keep[a])
            continue;
        size_t c0 = siam_dataset_alphabet_first_class(ds, a);
        size_t cn = siam_dataset_alphabet_n_classes(ds, a);
        size_t first_class = s->n_classes;
        for (size_t c = c0; c < c0 + cn; c++) {
            if (f && f->classes && !f->classes[c])
                continue;
            size_t i0 = siam_dataset_class_first_image(ds, c);
            size_t in = siam_dataset_class_n_images(ds, c);
            size_t first_image = s->n_images;
            for (size_t i = i0; i < i0 + in; i++) {
                int d = (int)siam_dataset_info(ds, i)->drawer;
                if ((lo && d < lo) || (hi && d > hi))
                    continue;
                s->images[s->n_images++] = (uint32_t)i;
            }
            if (s->n_images > first_image) {
                s->class_id[s->n_classes] = (uint32_t)c;
                s->class_first[s->n_classes] = first_image;
                s->class_count[s->n_classes] = s->n_images - first_image;
                s->n_classes++;
            }
        }
        if (s->n_classes > first_class) {
            s->alphabet_id[s->n_alphabets] = (uint32_t)a;
            s->alphabet_first[s->n_alphabets] = first_class;
            s->alphabet_count[s->n_alphabets] = s->n_classes - first_class;
            s->n_alphabets++;
        }
    }
    free(keep);
    *out = s;
    return SIAM_OK;
}
