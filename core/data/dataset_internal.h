/* Private to core/data: the dataset struct and the builder that the folder
 * scanner (dataset_scan.c) and Lake's runs (lake_runs.c) fill before the
 * images are decoded into the arena. */
#ifndef SIAMESE_DATA_DATASET_INTERNAL_H
#define SIAMESE_DATA_DATASET_INTERNAL_H

#include "data/dataset.h"

struct siam_dataset {
    char *root;
    int h, w;
    int inverted;
    size_t n;              /* images */
    uint8_t *pixels;       /* (n, h, w) */
    siam_image_info *info; /* (n) */
    char **paths;          /* (n) relative to root */
    size_t n_alphabets;
    char **alphabet_names;      /* (n_alphabets) */
    size_t *alphabet_first;     /* (n_alphabets) first class */
    size_t *alphabet_count;     /* (n_alphabets) classes */
    size_t n_classes;
    char **class_names;         /* (n_classes) */
    size_t *class_alphabet;     /* (n_classes) */
    size_t *class_first;        /* (n_classes) first image */
    size_t *class_count;        /* (n_classes) images */
};

/* Entries must be added in order: alphabet, then its classes, then each
 * class's files, so that classes and images come out contiguous. */
typedef struct siam_dsb {
    siam_dataset *ds;        /* names and infos grow here; pixels at finish */
    size_t cap_images, cap_alphabets, cap_classes;
    siam_load_report *report; /* may be NULL */
    size_t n_bad;
    char first_bad[1024];
    int oom;                  /* an allocation failed while building */
} siam_dsb;

siam_status siam_dsb_init(siam_dsb *b, const char *root, siam_load_report *report,
                          siam_error *err);
/* Returns the new index, or (size_t)-1 after an allocation failure. */
size_t siam_dsb_add_alphabet(siam_dsb *b, const char *name);
size_t siam_dsb_add_class(siam_dsb *b, const char *name, size_t alphabet);
size_t siam_dsb_add_image(siam_dsb *b, const char *relpath, size_t cls,
                          uint32_t drawer, uint32_t id);
/* Records an unreadable or misnamed file; printf-style message. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void siam_dsb_bad(siam_dsb *b, const char *fmt, ...);
/* Decodes every image into the arena; on success *out owns the dataset and
 * the builder is emptied. On failure everything is released. */
siam_status siam_dsb_finish(siam_dsb *b, const siam_load_options *opt,
                            siam_dataset **out, siam_error *err);
void siam_dsb_abort(siam_dsb *b);

#endif
