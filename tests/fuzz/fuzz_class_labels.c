/* Fuzz harness: Lake's runs reader (siam_lake_runs_load), fed through its
 * class_labels.txt.
 *
 * Per input, a scratch all_runs folder holds run01 and run02, each with
 * test/item01.png, test/item02.png, training/class01.png and
 * training/class02.png (tiny valid PNGs), so lines naming them resolve and
 * the loader gets as far as building trials. The input up to its first NUL
 * byte is run01/class_labels.txt; the rest, if any, is run02's (runs must
 * agree on their number of classes). On success every trial index is
 * checked against the dataset. */
#include "data/lake_runs.h"
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const files[] = {"test/item01.png", "test/item02.png",
                                    "training/class01.png", "training/class02.png"};

static int make_run(const char *root, const char *run, const uint8_t *labels, size_t n)
{
    char path[4096];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s/%s", root, run, files[i]);
        char *slash = strrchr(path, '/');
        *slash = '\0';
        if (fz_mkdirs(path) != 0)
            return -1;
        *slash = '/';
        if (fz_write_file(path, fz_tiny_png, fz_tiny_png_len) != 0)
            return -1;
    }
    snprintf(path, sizeof path, "%s/%s/class_labels.txt", root, run);
    return fz_write_file(path, labels, n);
}

static void check(const siam_dataset *ds, const siam_trial_set *ts)
{
    size_t n = siam_dataset_count(ds);
    for (size_t t = 0; t < ts->n_trials; t++) {
        if (ts->query[t] >= n || ts->answer[t] >= (uint32_t)ts->way)
            abort();
        for (int k = 0; k < ts->way * ts->shots; k++)
            if (ts->support[t * (size_t)ts->way * ts->shots + k] >= n)
                abort();
    }
    for (size_t i = 0; i < n; i++)
        (void)siam_dataset_pixels(ds, i)[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char root[4096];
    if (fz_mkdtemp(root, sizeof root) != 0)
        abort();
    const uint8_t *nul = memchr(data, '\0', size);
    size_t n1 = nul ? (size_t)(nul - data) : size;
    int ok = make_run(root, "run01", data, n1) == 0;
    if (ok && nul)
        ok = make_run(root, "run02", nul + 1, size - n1 - 1) == 0;
    if (!ok)
        abort();

    siam_load_report rep = {0};
    siam_dataset *ds = NULL;
    siam_trial_set ts;
    siam_error err;
    siam_error_clear(&err);
    if (siam_lake_runs_load(root, NULL, &rep, &ds, &ts, &err) == SIAM_OK) {
        check(ds, &ts);
        siam_dataset_destroy(ds);
        siam_trial_set_free(&ts);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    siam_load_report_clear(&rep);
    fz_rmtree(root);
    return 0;
}
