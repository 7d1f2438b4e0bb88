/* siamese data: a subset of a dataset (some alphabets, some drawers),
 * grouped by alphabet and class for the pair sampler and one-shot trials.
 *
 * Read-only after creation. Indices:
 *   images[k]                  dataset image index, k < n_images
 *   class c (subset index)     dataset class class_id[c]; its images are
 *                              images[class_first[c] .. + class_count[c]]
 *   alphabet a (subset index)  dataset alphabet alphabet_id[a]; its classes
 *                              are subset classes alphabet_first[a] .. +
 *                              alphabet_count[a]
 * Classes left with no image by the drawer filter are dropped, and so are
 * alphabets left with no class.
 */
#ifndef SIAMESE_DATA_SUBSET_H
#define SIAMESE_DATA_SUBSET_H

#include "data/dataset.h"

typedef struct siam_subset {
    const siam_dataset *ds;
    size_t n_images;
    uint32_t *images;        /* (n_images) */
    size_t n_classes;
    uint32_t *class_id;      /* (n_classes) */
    size_t *class_first;     /* (n_classes) */
    size_t *class_count;     /* (n_classes) */
    size_t n_alphabets;
    uint32_t *alphabet_id;   /* (n_alphabets) */
    size_t *alphabet_first;  /* (n_alphabets) */
    size_t *alphabet_count;  /* (n_alphabets) */
} siam_subset;

typedef struct siam_filter {
    const char *const *alphabets; /* names to keep; NULL = every alphabet */
    size_t n_alphabets;
    int drawer_lo, drawer_hi;     /* inclusive; 0, 0 = every drawer */
    const unsigned char *classes; /* (dataset classes) nonzero = keep; NULL = every class */
} siam_filter;

/* f may be NULL (everything). An alphabet name not in the dataset is an
 * error (SIAM_ERR_NOT_FOUND). */
siam_status siam_subset_create(const siam_dataset *ds, const siam_filter *f,
                               siam_subset **out, siam_error *err);
void siam_subset_destroy(siam_subset *s);

#endif
