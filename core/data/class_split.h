/* siamese data: a seeded split of a class-folder dataset's classes into
 * train, validation and test, for datasets other than Omniglot (whose
 * splits are Koch's, split.h).
 *
 * Classes, not images, are split: one-shot evaluation asks about classes
 * the network never saw. The split is stored in the model (as the class
 * keys of validation and test) so that eval scores the model's own test
 * classes, and a resumed run checks that the dataset still splits the
 * same way. A class key is "<group>/<class>" where the dataset has
 * groups (nested folders), else the class folder's name. */
#ifndef SIAMESE_DATA_CLASS_SPLIT_H
#define SIAMESE_DATA_CLASS_SPLIT_H

#include "data/subset.h"

enum { SIAM_PART_TRAIN = 0, SIAM_PART_VAL = 1, SIAM_PART_TEST = 2, SIAM_PART_COUNT = 3 };

typedef struct siam_class_split {
    size_t n[SIAM_PART_COUNT];
    uint32_t *classes[SIAM_PART_COUNT]; /* dataset class ids, ascending */
} siam_class_split;

/* How many of n classes `amount` asks for: >= 1 a count, in (0, 1) a
 * fraction rounded to the nearest (at least 1), 0 none. -1 if negative,
 * not a whole count, or more than n. */
long siam_class_split_count(double amount, size_t n);

/* Shuffles the classes with `seed` and takes test, then validation, the
 * rest training. Refused (with the counts) unless training keeps at least
 * 2 classes and validation has at least 2. */
siam_status siam_class_split_make(const siam_dataset *ds, double val, double test, uint64_t seed,
                                  siam_class_split *out, siam_error *err);
void siam_class_split_free(siam_class_split *s);

/* The subset of one part (all its classes' images). */
siam_status siam_class_split_subset(const siam_dataset *ds, const siam_class_split *s, int part,
                                    siam_subset **out, siam_error *err);

/* A part's class keys as a JSON array ("[\"a\",\"b/c\"]"), malloc'd. */
char *siam_class_split_keys_json(const siam_dataset *ds, const siam_class_split *s, int part);

/* The dataset classes named by a JSON array of keys (as written above):
 * the subset of those classes. A key the dataset lacks is an error that
 * names it. */
siam_status siam_class_subset_from_json(const siam_dataset *ds, const char *json,
                                        siam_subset **out, siam_error *err);

#endif
