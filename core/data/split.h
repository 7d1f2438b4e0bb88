/* siamese data: Koch et al. (2015) §4.1-4.2 splits of Omniglot, defined in
 * split.c and nowhere else.
 *
 *   train      images_background, all 30 alphabets, drawers 1-12
 *              (drawers 1-20 with the all-drawers option, as most peers do)
 *   validation images_evaluation, the 10 alphabets NOT in Lake's all_runs,
 *              drawers 13-16
 *   test       images_evaluation, Lake's 10 all_runs alphabets,
 *              drawers 17-20
 * The paper fixes 12 training drawers and "4 more" for validation and test;
 * which 4 is not published, so validation and test take the next two
 * disjoint blocks of four.
 */
#ifndef SIAMESE_DATA_SPLIT_H
#define SIAMESE_DATA_SPLIT_H

#include "data/subset.h"

typedef enum siam_split_id {
    SIAM_SPLIT_TRAIN = 0,
    SIAM_SPLIT_VAL = 1,
    SIAM_SPLIT_TEST = 2,
    SIAM_SPLIT_COUNT = 3
} siam_split_id;

typedef struct siam_split_def {
    const char *name;            /* "train", "validation", "test" */
    const char *source;          /* folder under the data dir */
    size_t n_alphabets;
    const char *const *alphabets;
    int drawer_lo, drawer_hi;    /* inclusive */
    const char *note;            /* one line on where it comes from */
} siam_split_def;

/* Drawers of the train split with the all-drawers option. */
#define SIAM_SPLIT_ALL_DRAWERS_HI 20

const siam_split_def *siam_split_get(siam_split_id id);
/* "train", "validation" (or "val"), "test". */
siam_status siam_split_parse(const char *name, siam_split_id *id, siam_error *err);
/* Lake's 10 all_runs alphabets (the test alphabets), sorted by name. */
const char *const *siam_split_lake_alphabets(size_t *n);

/* The subset of `ds` (which must be the split's source folder) for a split;
 * all_drawers widens train to drawers 1-20 and is refused for the others.
 * Every alphabet of the split must be present. */
siam_status siam_split_subset(const siam_dataset *ds, siam_split_id id, int all_drawers,
                              siam_subset **out, siam_error *err);

/* Convenience for drivers: loads the split's source folder under data_dir
 * (the omniglot folder, see datapath.h) and selects the split. On success
 * the caller owns *ds and *sub (destroy *sub first). report may be NULL. */
siam_status siam_split_load(const char *data_dir, siam_split_id id, int all_drawers,
                            const siam_load_options *opt, siam_load_report *report,
                            siam_dataset **ds, siam_subset **sub, siam_error *err);

#endif
