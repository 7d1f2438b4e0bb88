/* Loading Lake's all_runs (see lake_runs.h). */
#define _POSIX_C_SOURCE 200809L
#include "data/lake_runs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_internal.h"
#include "base/input_file.h"

#define LAKE_MAX_LINES 1000
#define LAKE_PATH_MAX 512

typedef struct run_files {
    size_t n;                        /* lines */
    char test[LAKE_MAX_LINES][LAKE_PATH_MAX];
    char train[LAKE_MAX_LINES][LAKE_PATH_MAX];
    size_t n_train;                  /* distinct training files, sorted */
    char *train_sorted[LAKE_MAX_LINES];
    size_t order[LAKE_MAX_LINES];    /* line indices in sorted test order */
} run_files;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted "run*" folder names. */
static int list_runs(const char *dir, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    size_t cap = 0;
    int ok = 1;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "run", 3) != 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(*names, cap * sizeof(char *));
            if (!nn) {
                ok = 0;
                break;
            }
            *names = nn;
        }
        size_t len = strlen(e->d_name) + 1;
        char *s = malloc(len);
        if (!s) {
            ok = 0;
            break;
        }
        memcpy(s, e->d_name, len);
        (*names)[(*n)++] = s;
    }
    closedir(d);
    if (ok && *n > 1)
        qsort(*names, *n, sizeof(char *), cmp_str);
    return ok;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* 1 if relative path p has no ".." component. Lines name files under the
 * runs folder (the loader prefixes it); a ".." would let a labels file make
 * the loader open any file on the machine, and a FIFO or /dev/stdin there
 * would block it, so such lines are refused. */
static int stays_inside(const char *p)
{
    for (const char *s = p; *s;) {
        if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
            return 0;
        const char *slash = strchr(s, '/');
        if (!slash)
            break;
        s = slash + 1;
    }
    return 1;
}

/* Reads one run's class_labels.txt into rf; problems go to the builder. */
static int read_labels(siam_dsb *b, const char *dir, const char *run, run_files *rf)
{
    char path[2 * LAKE_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/class_labels.txt", dir, run);
    FILE *f;
    siam_error e;
    if (siam_fopen_input(path, "run labels", &f, &e) != SIAM_OK) {
        siam_dsb_bad(b, "%s", e.msg);
        return 0;
    }
    char line[2 * LAKE_PATH_MAX + 8];
    size_t lineno = 0;
    int ok = 1;
    rf->n = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char a[LAKE_PATH_MAX], c[LAKE_PATH_MAX], extra[2];
        int k = sscanf(line, "%511s %511s %1s", a, c, extra);
        if (k <= 0)
            continue; /* blank line */
        if (k != 2 || rf->n >= LAKE_MAX_LINES) {
            siam_dsb_bad(b, "%s:%zu: expected 'test/itemKK.png training/classMM.png'", path, lineno);
            ok = 0;
            continue;
        }
        if (!stays_inside(a) || !stays_inside(c)) {
            siam_dsb_bad(b, "%s:%zu: a path with '..' leaves the runs folder", path, lineno);
            ok = 0;
            continue;
        }
        memcpy(rf->test[rf->n], a, sizeof a);
        memcpy(rf->train[rf->n], c, sizeof c);
        rf->n++;
    }
    fclose(f);
    if (ok && rf->n == 0) {
        siam_dsb_bad(b, "%s: no lines", path);
        ok = 0;
    }
    if (!ok)
        return 0;
    /* Distinct training files, sorted. */
    char *tmp[LAKE_MAX_LINES];
    for (size_t i = 0; i < rf->n; i++)
        tmp[i] = rf->train[i];
    qsort(tmp, rf->n, sizeof(char *), cmp_str);
    rf->n_train = 0;
    for (size_t i = 0; i < rf->n; i++)
        if (rf->n_train == 0 || strcmp(tmp[i], rf->train_sorted[rf->n_train - 1]) != 0)
            rf->train_sorted[rf->n_train++] = tmp[i];
    /* Test lines in sorted test-name order (Lake sorts both lists). */
    char *tests[LAKE_MAX_LINES];
    for (size_t i = 0; i < rf->n; i++)
        tests[i] = rf->test[i];
    qsort(tests, rf->n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < rf->n; i++)
        rf->order[i] = (size_t)(tests[i] - rf->test[0]) / LAKE_PATH_MAX;
    return 1;
}

static size_t train_index(const run_files *rf, const char *name)
{
    size_t lo = 0, hi = rf->n_train;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(rf->train_sorted[mid], name);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (size_t)-1;
}

siam_status siam_lake_runs_load(const char *runs_dir, const siam_load_options *opt,
                                siam_load_report *report, siam_dataset **images,
                                siam_trial_set *trials, siam_error *err)
{
    if (!runs_dir || !images || !trials)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "lake runs: NULL argument");
    *images = NULL;
    memset(trials, 0, sizeof *trials);
    char **runs;
    size_t n_runs;
    if (!list_runs(runs_dir, &runs, &n_runs))
        return siam_error_set(err, SIAM_ERR_NOT_FOUND, "%s: cannot read the runs folder", runs_dir);
    if (n_runs == 0) {
        free_names(runs, n_runs);
        return siam_error_set(err, SIAM_ERR_NOT_FOUND, "%s: no run folders (run01, ...)", runs_dir);
    }
    run_files *rf = malloc(sizeof *rf);
    /* Per trial: query image, answer position, and where its run's support
     * (way training images, sorted) starts in sup. */
    size_t cap = n_runs * LAKE_MAX_LINES;
    uint32_t *q_img = malloc(sizeof(uint32_t) * cap), *q_ans = malloc(sizeof(uint32_t) * cap);
    size_t *q_sup = malloc(sizeof(size_t) * cap);
    uint32_t *sup = malloc(sizeof(uint32_t) * cap);
    siam_dsb b;
    siam_status st = (!rf || !q_img || !q_ans || !q_sup || !sup)
                         ? siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "lake runs: out of memory")
                         : siam_dsb_init(&b, runs_dir, report, err);
    size_t n_trials = 0, way = 0, n_sup = 0;
    for (size_t r = 0; st == SIAM_OK && r < n_runs && !b.oom; r++) {
        if (!read_labels(&b, runs_dir, runs[r], rf))
            continue;
        if (way == 0)
            way = rf->n_train;
        if (rf->n_train != way) {
            siam_dsb_bad(&b, "%s/%s: %zu classes, but the first run has %zu", runs_dir, runs[r],
                         rf->n_train, way);
            continue;
        }
        size_t alpha = siam_dsb_add_alphabet(&b, runs[r]);
        uint32_t item_image[LAKE_MAX_LINES];
        for (size_t c = 0; c < rf->n_train && alpha != (size_t)-1 && !b.oom; c++) {
            const char *cname = strrchr(rf->train_sorted[c], '/');
            size_t cls = siam_dsb_add_class(&b, cname ? cname + 1 : rf->train_sorted[c], alpha);
            if (cls == (size_t)-1)
                break;
            sup[n_sup + c] = (uint32_t)siam_dsb_add_image(&b, rf->train_sorted[c], cls, 1, 0);
            uint32_t drawer = 2;
            for (size_t i = 0; i < rf->n; i++)
                if (train_index(rf, rf->train[i]) == c)
                    item_image[i] = (uint32_t)siam_dsb_add_image(&b, rf->test[i], cls, drawer++, 0);
        }
        if (b.oom || alpha == (size_t)-1)
            break;
        for (size_t k = 0; k < rf->n; k++) {
            size_t i = rf->order[k];
            q_img[n_trials + k] = item_image[i];
            q_ans[n_trials + k] = (uint32_t)train_index(rf, rf->train[i]);
            q_sup[n_trials + k] = n_sup;
        }
        n_sup += way;
        n_trials += rf->n;
    }
    free_names(runs, n_runs);
    free(rf);
    siam_dataset *ds = NULL;
    if (st == SIAM_OK)
        st = siam_dsb_finish(&b, opt, &ds, err);
    if (st == SIAM_OK)
        st = siam_trial_set_alloc(trials, n_trials, (int)way, 1, err);
    if (st == SIAM_OK)
        for (size_t t = 0; t < n_trials; t++) {
            trials->query[t] = q_img[t];
            trials->answer[t] = q_ans[t];
            memcpy(trials->support + t * way, sup + q_sup[t], sizeof(uint32_t) * way);
        }
    free(q_img);
    free(q_ans);
    free(q_sup);
    free(sup);
    if (st != SIAM_OK) {
        siam_dataset_destroy(ds);
        return st;
    }
    *images = ds;
    return SIAM_OK;
}
