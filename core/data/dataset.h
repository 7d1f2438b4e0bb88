/* siamese data: image datasets held in one contiguous uint8 arena.
 *
 * Three layouts on disk (images are PNG or JPEG):
 *   Omniglot:      <root>/<Alphabet>/characterNN/<id>_<drawer>.png
 *   nested:        <root>/<group>/<class>/<name>  (groups are alphabets;
 *                  "drawer" = 1-based position of the file in its sorted folder)
 *   class folders: <root>/<class>/<name>  (one alphabet named after the root,
 *                  one class per folder; "drawer" as for nested)
 * Images are sorted by alphabet, class, then file name, so the images of a
 * class are contiguous and the classes of an alphabet are contiguous.
 *
 * Every image is stored at one size (h, w) as uint8 with ink = 255 and
 * background = 0 (see image.h): image i is the (h, w) block at
 * siam_dataset_pixels(ds, i). Images of another size are area-resized to
 * the stored size when loaded.
 *
 * Loading decodes every file; if any cannot be read, every failure is
 * listed in the report and the load fails: a partial set is never returned.
 */
#ifndef SIAMESE_DATA_DATASET_H
#define SIAMESE_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "siamese/status.h"
#include "data/image.h"

typedef struct siam_dataset siam_dataset;

typedef enum siam_layout {
    SIAM_LAYOUT_AUTO = 0,      /* nested if the top folders hold only folders,
                                  Omniglot if its first file is named
                                  NNNN_DD.png; else class folders */
    SIAM_LAYOUT_OMNIGLOT,
    SIAM_LAYOUT_CLASS_FOLDERS,
    SIAM_LAYOUT_NESTED
} siam_layout;

typedef struct siam_load_options {
    siam_layout layout;
    siam_polarity polarity; /* AUTO: one decision for the whole set, from the
                               mean border pixel of all its images */
    int store_h, store_w;   /* stored size; 0, 0 = the first image's size */
} siam_load_options;

/* Defaults: AUTO layout, AUTO polarity, the first image's size. */
void siam_load_options_default(siam_load_options *opt);

typedef struct siam_image_info {
    uint32_t alphabet; /* index into the dataset's alphabets */
    uint32_t cls;      /* index into the dataset's classes (characters) */
    uint32_t drawer;   /* Omniglot drawer 1..20; class folders: position */
    uint32_t id;       /* Omniglot character id (NNNN); 0 otherwise */
} siam_image_info;

/* What a load found wrong. Caller-owned; release with _clear. */
typedef struct siam_load_report {
    size_t n_bad;   /* unreadable or misnamed files */
    char **bad;     /* (n_bad) one message each, naming the file */
    size_t n_skipped; /* hidden files and files not ending in .png/.jpg/.jpeg */
} siam_load_report;

void siam_load_report_clear(siam_load_report *rep);

/* Loads a dataset folder. `report` may be NULL; when given, it receives
 * every unreadable file (also when the load fails). */
siam_status siam_dataset_load(const char *root, const siam_load_options *opt,
                              siam_load_report *report, siam_dataset **out,
                              siam_error *err);
void siam_dataset_destroy(siam_dataset *ds);

size_t siam_dataset_count(const siam_dataset *ds);
int siam_dataset_height(const siam_dataset *ds);
int siam_dataset_width(const siam_dataset *ds);
/* (h, w) uint8 pixels of image i, ink = 255. */
const uint8_t *siam_dataset_pixels(const siam_dataset *ds, size_t i);
const siam_image_info *siam_dataset_info(const siam_dataset *ds, size_t i);
/* The file of image i, relative to the dataset root. */
const char *siam_dataset_path(const siam_dataset *ds, size_t i);
const char *siam_dataset_root(const siam_dataset *ds);
/* 1 if the files were inverted (dark ink) when loaded. */
int siam_dataset_inverted(const siam_dataset *ds);
/* Bytes held by the pixel arena. */
size_t siam_dataset_arena_bytes(const siam_dataset *ds);

size_t siam_dataset_n_alphabets(const siam_dataset *ds);
const char *siam_dataset_alphabet_name(const siam_dataset *ds, size_t a);
/* Classes of alphabet a are [first, first + count). */
size_t siam_dataset_alphabet_first_class(const siam_dataset *ds, size_t a);
size_t siam_dataset_alphabet_n_classes(const siam_dataset *ds, size_t a);
/* Looks an alphabet up by name; returns 1 and sets *a when found, else 0. */
int siam_dataset_find_alphabet(const siam_dataset *ds, const char *name, size_t *a);

size_t siam_dataset_n_classes(const siam_dataset *ds);
const char *siam_dataset_class_name(const siam_dataset *ds, size_t c);
size_t siam_dataset_class_alphabet(const siam_dataset *ds, size_t c);
/* Images of class c are [first, first + count). */
size_t siam_dataset_class_first_image(const siam_dataset *ds, size_t c);
size_t siam_dataset_class_n_images(const siam_dataset *ds, size_t c);

#endif
