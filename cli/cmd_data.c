/* siamese data: what the Omniglot folder holds, and Koch's split table. */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/datapath.h"
#include "data/dataset.h"
#include "data/lake_runs.h"
#include "data/split.h"
#include "base/term_text.h"

static const char *const data_folders[] = {"images_background", "images_evaluation"};
#define N_FOLDERS 2

static const cli_option data_options[] = {
    CLI_OPT_DATA(1),
};

const cli_command siam_cli_data = CLI_OPTIONS(
    "data", "", 0, 0,
    "Loads the Omniglot folder and prints, for images_background and\n"
    "images_evaluation, every alphabet with its characters and drawings; then\n"
    "Lake's all_runs, Koch's split table, and any unreadable files.\n"
    "`siamese data fetch` downloads the release (see siamese data fetch --help).\n"
    "Exit status: 0 if everything loads, 1 if a file is unreadable or missing.\n",
    data_options);

static void print_folder(const char *name, const siam_dataset *ds)
{
    printf("%s: %zu alphabets, %zu characters, %zu drawings (%dx%d, %s)\n", name,
           siam_dataset_n_alphabets(ds), siam_dataset_n_classes(ds), siam_dataset_count(ds),
           siam_dataset_height(ds), siam_dataset_width(ds),
           siam_dataset_inverted(ds) ? "dark ink, inverted to ink = 1" : "light ink");
    for (size_t a = 0; a < siam_dataset_n_alphabets(ds); a++) {
        size_t c0 = siam_dataset_alphabet_first_class(ds, a);
        size_t nc = siam_dataset_alphabet_n_classes(ds, a), ni = 0;
        for (size_t c = c0; c < c0 + nc; c++)
            ni += siam_dataset_class_n_images(ds, c);
        printf("  %-45s %4zu characters %6zu drawings\n", siam_dataset_alphabet_name(ds, a), nc, ni);
    }
}

/* One row of the split table; ds is the split's source folder or NULL. */
static int print_split(siam_split_id id, int all_drawers, const siam_dataset *ds)
{
    const siam_split_def *d = siam_split_get(id);
    int hi = all_drawers ? SIAM_SPLIT_ALL_DRAWERS_HI : d->drawer_hi;
    char label[64];
    snprintf(label, sizeof label, "%s%s", d->name, all_drawers ? " (--all-drawers)" : "");
    printf("  %-24s %-18s %2zu alphabets  drawers %2d-%-2d", label, d->source, d->n_alphabets,
           d->drawer_lo, hi);
    if (!ds) {
        printf("  (folder not loaded)\n");
        return 1;
    }
    siam_subset *s = NULL;
    siam_error err;
    siam_error_clear(&err);
    if (siam_split_subset(ds, id, all_drawers, &s, &err) != SIAM_OK) {
        printf("  ERROR: %s\n", err.msg);
        return 1;
    }
    printf("  %4zu characters %6zu drawings\n", s->n_classes, s->n_images);
    siam_subset_destroy(s);
    return 0;
}

int siam_cmd_data(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "fetch") == 0)
        return siam_cmd_data_fetch(argc - 1, argv + 1);
    const char *data_opt = NULL;
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_data, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        if (id < 0)
            return p.exit_status;
        data_opt = v.text;
    }
    char dir_buf[4096];
    const char *dir = siam_data_dir(data_opt, dir_buf, sizeof dir_buf);
    if (!dir) {
        siam_error e;
        siam_data_check(NULL, "images_background", &e);
        siam_print_error("data", e.msg);
        return 1;
    }
    struct stat sb;
    int found = stat(dir, &sb) == 0;
    if (!found || !S_ISDIR(sb.st_mode)) {
        siam_print_errorf("data", "no data folder %s: %s", dir,
                          found ? "not a folder" : strerror(errno));
        return 1;
    }
    printf("data: %s\n\n", dir);

    int failed = 0;
    siam_dataset *ds[N_FOLDERS] = {NULL, NULL};
    siam_load_report report = {0, NULL, 0};
    char path[4096];
    for (int f = 0; f < N_FOLDERS; f++) {
        siam_error err;
        siam_error_clear(&err);
        if (!siam_data_join(path, sizeof path, dir, data_folders[f])) {
            siam_print_errorf("data", "path too long: %s", dir);
            return 2;
        }
        siam_load_options opt;
        siam_load_options_default(&opt);
        opt.layout = SIAM_LAYOUT_OMNIGLOT;
        if (siam_dataset_load(path, &opt, &report, &ds[f], &err) != SIAM_OK) {
            printf("%s: NOT LOADED: %s\n\n", data_folders[f], err.msg);
            failed = 1;
            continue;
        }
        print_folder(data_folders[f], ds[f]);
        printf("\n");
    }

    if (siam_data_join(path, sizeof path, dir, "all_runs")) {
        siam_dataset *runs = NULL;
        siam_trial_set ts;
        siam_error err;
        siam_error_clear(&err);
        if (siam_lake_runs_load(path, NULL, &report, &runs, &ts, &err) == SIAM_OK) {
            printf("all_runs: %zu runs, %zu images, %zu trials (%d-way %d-shot)\n\n",
                   siam_dataset_n_alphabets(runs), siam_dataset_count(runs), ts.n_trials, ts.way,
                   ts.shots);
            siam_trial_set_free(&ts);
            siam_dataset_destroy(runs);
        } else {
            printf("all_runs: NOT LOADED: %s\n\n", err.msg);
            failed = 1;
        }
    }

    printf("Koch et al. (2015) splits (core/data/split.c):\n");
    for (int id = 0; id < SIAM_SPLIT_COUNT; id++) {
        const siam_split_def *d = siam_split_get((siam_split_id)id);
        const siam_dataset *src = strcmp(d->source, data_folders[0]) == 0 ? ds[0] : ds[1];
        failed |= print_split((siam_split_id)id, 0, src);
        if (id == SIAM_SPLIT_TRAIN)
            failed |= print_split((siam_split_id)id, 1, src);
    }
    for (int id = 0; id < SIAM_SPLIT_COUNT; id++) {
        const siam_split_def *d = siam_split_get((siam_split_id)id);
        printf("  %s: %s\n    ", d->name, d->note);
        for (size_t k = 0; k < d->n_alphabets; k++)
            printf("%s%s", d->alphabets[k], k + 1 < d->n_alphabets ? ", " : "\n");
    }

    printf("\nunreadable files: %zu\n", report.n_bad);
    for (size_t k = 0; k < report.n_bad; k++)
        printf("  %s\n", report.bad[k]);
    if (report.n_skipped)
        printf("skipped (hidden, or not .png/.jpg/.jpeg): %zu\n", report.n_skipped);
    siam_load_report_clear(&report);
    for (int f = 0; f < N_FOLDERS; f++)
        siam_dataset_destroy(ds[f]);
    if (failed)
        siam_print_errorf("data", "%s: some of the data did not load (NOT LOADED or ERROR above)",
                          dir);
    return failed ? 1 : 0;
}
