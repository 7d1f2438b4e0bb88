/* siamese data: Lake's official one-shot runs (brendenlake/omniglot
 * all_runs: run01..run20, each with class_labels.txt whose lines read
 * "runNN/test/itemKK.png runNN/training/classMM.png").
 *
 * Loads the run images as a dataset (one "alphabet" per run, one class per
 * training image; a class holds its training image, then its test items)
 * and the trials: one per test item, in sorted item order, the support
 * being the run's training images in sorted order (as Lake's
 * demo_classification.py does), 1-shot. 20 runs x 20 items = 400 trials.
 */
#ifndef SIAMESE_DATA_LAKE_RUNS_H
#define SIAMESE_DATA_LAKE_RUNS_H

#include "data/dataset.h"
#include "data/trials.h"

/* runs_dir: the all_runs folder. opt may be NULL (defaults). report may be
 * NULL. All runs must have the same number of classes. */
siam_status siam_lake_runs_load(const char *runs_dir, const siam_load_options *opt,
                                siam_load_report *report, siam_dataset **images,
                                siam_trial_set *trials, siam_error *err);

#endif
